package main

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/multichat/multichat/net/server"
)

// The headless server's admin console: lines typed on standard input become
// the same commands the window sends. Standard input at EOF (a service, CI,
// `< /dev/null`) simply means no console; the server keeps serving.

const consoleHelp = `admin console commands:
  /users                  who is connected
  /kick NICK [reason]     remove NICK, telling them why ([kick]); everyone else sees [시스템 추방]
  /announce TEXT          send TEXT to everyone as a system notice
  /fingerprint            the server certificate's fingerprint, for users to compare
  /password [TEXT]        set the server password; without TEXT, remove it
  /release NICK           free a nickname still reserved for a device that left
  /cluster                the other servers of the cluster: up or down, people on each
  /stop                   stop the server and exit (as Ctrl-C)
  /help                   this list`

// consoleAction is what one console line asks for.
type consoleAction struct {
	cmd         server.Command // to send to the server, or nil
	reply       string         // to print, or ""
	users       bool           // print the user list
	quit        bool           // stop and exit
	fingerprint bool           // print the fingerprint
	cluster     bool           // print the cluster's servers
}

// parseConsole turns one line into an action. It never returns a command for
// a line it does not understand: that gets help.
func parseConsole(line string) consoleAction {
	line = strings.TrimSpace(line)
	if line == "" {
		return consoleAction{}
	}
	name, rest, _ := strings.Cut(line, " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(name) {
	case "/users", "/who":
		return consoleAction{users: true}
	case "/kick":
		nick, reason, _ := strings.Cut(rest, " ")
		if nick == "" {
			return consoleAction{reply: "usage: /kick NICK [reason]"}
		}
		reason = strings.TrimSpace(reason)
		if reason == "" {
			reason = server.DefaultKickReason
		}
		return consoleAction{cmd: server.Kick{Nick: nick, Reason: reason}}
	case "/announce", "/say":
		if rest == "" {
			return consoleAction{reply: "usage: /announce TEXT"}
		}
		return consoleAction{cmd: server.Announce{Text: rest}}
	case "/fingerprint":
		return consoleAction{fingerprint: true}
	case "/cluster":
		return consoleAction{cluster: true}
	case "/password":
		return consoleAction{cmd: server.SetPassword{Password: rest}}
	case "/release":
		if rest == "" || strings.Contains(rest, " ") {
			return consoleAction{reply: "usage: /release NICK"}
		}
		return consoleAction{cmd: server.Release{Nick: rest}}
	case "/stop", "/quit", "/exit":
		return consoleAction{quit: true}
	case "/help", "/?":
		return consoleAction{reply: consoleHelp}
	}
	return consoleAction{reply: fmt.Sprintf("unknown command %q\n%s", name, consoleHelp)}
}

// readConsole sends each line of r to lines until r ends or stop is closed,
// then closes lines.
func readConsole(r io.Reader, lines chan<- string, stop <-chan struct{}) {
	defer close(lines)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		select {
		case lines <- sc.Text():
		case <-stop:
			return
		}
	}
}

// roster is the headless server's view of who is connected, for /users.
type roster map[string]server.UserJoined

func (r roster) apply(ev server.Event) {
	switch ev := ev.(type) {
	case server.UserJoined:
		r[ev.Nick] = ev
	case server.UserLeft:
		delete(r, ev.Nick)
	case server.Stopped:
		clear(r)
	}
}

func (r roster) String() string {
	if len(r) == 0 {
		return "nobody is connected"
	}
	nicks := make([]string, 0, len(r))
	for n := range r {
		nicks = append(nicks, n)
	}
	sort.Slice(nicks, func(i, j int) bool { return strings.ToLower(nicks[i]) < strings.ToLower(nicks[j]) })
	var b strings.Builder
	fmt.Fprintf(&b, "%d connected:", len(nicks))
	for _, n := range nicks {
		u := r[n]
		where := u.Addr.String()
		if u.Server != "" {
			where = "on " + u.Server // a user of another server of the cluster
		}
		fmt.Fprintf(&b, "\n  %-20s %-22s since %s", n, where, u.Since.Format(time.TimeOnly))
	}
	return b.String()
}
