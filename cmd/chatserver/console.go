package main

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/wire"
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
  /ban NICK|ADDRESS [FOR] [reason]
                          ban a user's device and address (or an address); FOR is 10m, 1h,
                          today, forever (the default) or any duration like 2h30m
  /ban -n NICK [FOR] [reason]
                          the same, and the nickname (and its look-alikes) too
  /bans                   the bans in force, with their numbers
  /unban N|NICK|ADDRESS   lift a ban
  /mute NICK [FOR] [reason]
                          NICK reads but cannot send (FOR as for /ban; default: until /unmute)
  /unmute NICK            end a mute early
  /lecture on|off [ROOM]  lecture mode: only announcements are posted (every room, or ROOM)
  /topic [#ROOM] [TEXT]   pin TEXT under the lobby's (or ROOM's) title; without TEXT, unpin
  /log [N]                the last N admin actions (20), earlier runs included
  /cluster                the other servers of the cluster: up or down, people on each
  /stop                   stop the server and exit (as Ctrl-C)
  /help                   this list
Korean names work too: /강퇴 kick, /차단 ban, /차단해제 unban, /차단목록 bans, /공지 announce,
/접속인원 users, /음소거 mute, /음소거해제 unmute, /강의 lecture, /주제 topic, /기록 log,
/닉네임해제 release, /비밀번호 password, /종료 stop`

// consoleAction is what one console line asks for.
type consoleAction struct {
	cmd         server.Command // to send to the server, or nil
	reply       string         // to print, or ""
	users       bool           // print the user list
	quit        bool           // stop and exit
	fingerprint bool           // print the fingerprint
	bans        bool           // print the bans
	log         int            // print the last log admin actions (0: none)
	unban       string         // lift the ban this names (a number, nickname or address)
	cluster     bool           // print the cluster's servers
}

// parseConsole turns one line into an action. It never returns a command for
// a line it does not understand: that gets help.
func parseConsole(line string) consoleAction { return parseConsoleAt(line, time.Now()) }

// parseConsoleAt is parseConsole at time now (a ban "for 1h" ends an hour
// after now).
func parseConsoleAt(line string, now time.Time) consoleAction {
	line = strings.TrimSpace(line)
	if line == "" {
		return consoleAction{}
	}
	name, rest, _ := strings.Cut(line, " ")
	rest = strings.TrimSpace(rest)
	if !strings.HasPrefix(name, "/") {
		return consoleAction{reply: fmt.Sprintf("unknown command %q\n%s", name, consoleHelp)}
	}
	switch "/" + wire.CommandName(name[1:]) {
	case "/ban":
		byNick := false
		if f, r, _ := strings.Cut(rest, " "); f == "-n" {
			byNick, rest = true, strings.TrimSpace(r)
		}
		target, until, reason, ok := targetFor(rest, now, false)
		if !ok {
			return consoleAction{reply: "usage: /ban [-n] NICK|ADDRESS [10m|1h|today|forever|DURATION] [reason]"}
		}
		b := server.Ban{Until: until, Reason: reason, ByNick: byNick}
		if a, err := netip.ParseAddr(target); err == nil {
			b.Addr = a
		} else {
			b.Nick = target
		}
		return consoleAction{cmd: b}
	case "/unban":
		if rest == "" || strings.Contains(rest, " ") {
			return consoleAction{reply: "usage: /unban N|NICK|ADDRESS (see /bans)"}
		}
		return consoleAction{unban: rest}
	case "/bans":
		return consoleAction{bans: true}
	case "/mute":
		nick, until, reason, ok := targetFor(rest, now, true)
		if !ok {
			return consoleAction{reply: "usage: /mute NICK [10m|1h|today|forever|DURATION] [reason]"}
		}
		return consoleAction{cmd: server.Mute{Nick: nick, Until: until, Reason: reason}}
	case "/unmute":
		if rest == "" || strings.Contains(rest, " ") {
			return consoleAction{reply: "usage: /unmute NICK"}
		}
		return consoleAction{cmd: server.Unmute{Nick: rest}}
	case "/lecture":
		state, room, _ := strings.Cut(rest, " ")
		room = strings.TrimPrefix(strings.TrimSpace(room), "#")
		switch strings.ToLower(state) {
		case "on", "켜기":
			return consoleAction{cmd: server.Lecture{Room: room, On: true}}
		case "off", "끄기":
			return consoleAction{cmd: server.Lecture{Room: room}}
		}
		return consoleAction{reply: "usage: /lecture on|off [ROOM]"}
	case "/topic":
		room := ""
		if strings.HasPrefix(rest, "#") {
			room, rest, _ = strings.Cut(rest[1:], " ")
			rest = strings.TrimSpace(rest)
		}
		return consoleAction{cmd: server.SetTopic{Room: room, Text: rest}}
	case "/log":
		n := 20
		if rest != "" {
			v, err := strconv.Atoi(rest)
			if err != nil || v < 1 {
				return consoleAction{reply: "usage: /log [N]"}
			}
			n = v
		}
		return consoleAction{log: n}
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
	case "/announce", "/say", "/notice":
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

// targetFor parses "TARGET [FOR] [reason]": FOR is 10m, 1h, today, forever
// (or 영구, 오늘) or a Go duration; without it a ban is for good and a mute
// lasts until /unmute (both: a zero until).
func targetFor(rest string, now time.Time, mute bool) (target string, until time.Time, reason string, ok bool) {
	target, rest, _ = strings.Cut(rest, " ")
	if target == "" {
		return "", time.Time{}, "", false
	}
	rest = strings.TrimSpace(rest)
	first, after, _ := strings.Cut(rest, " ")
	switch strings.ToLower(first) {
	case "forever", "permanent", "permanently", "영구":
		rest = after
	case "today", "오늘":
		until, rest = server.EndOfDay(now), after
	default:
		if d, err := time.ParseDuration(first); err == nil && d > 0 {
			until, rest = now.Add(d), after
		}
	}
	return target, until, strings.TrimSpace(rest), true
}

// moderationView is the headless console's copy of the bans and the audit
// log, from the server's events, for /bans, /unban and /log.
type moderationView struct {
	bans  []server.BanInfo
	audit []server.Audit
}

const consoleAuditKept = 10000

func (v *moderationView) apply(ev server.Event) {
	switch ev := ev.(type) {
	case server.Bans:
		v.bans = ev.List
	case server.AuditLog:
		v.audit = append(ev.Entries, v.audit...)
	case server.Audited:
		v.audit = append(v.audit, ev.Entry)
		if len(v.audit) > consoleAuditKept+consoleAuditKept/10 {
			v.audit = append([]server.Audit(nil), v.audit[len(v.audit)-consoleAuditKept:]...)
		}
	}
}

// find returns the id of the ban arg names: its number, nickname, name or
// address.
func (v *moderationView) find(arg string) (int64, bool) {
	if id, err := strconv.ParseInt(arg, 10, 64); err == nil {
		return id, true
	}
	for i := len(v.bans) - 1; i >= 0; i-- {
		b := v.bans[i]
		if strings.EqualFold(b.Name, arg) || strings.EqualFold(b.Nick, arg) ||
			b.Addr.IsValid() && b.Addr.String() == arg {
			return b.ID, true
		}
	}
	return 0, false
}

func (v *moderationView) bansText(now time.Time) string {
	if len(v.bans) == 0 {
		return "no bans"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d bans:", len(v.bans))
	for _, ban := range v.bans {
		fmt.Fprintf(&b, "\n  %3d  %-20s %-16s %s — %s", ban.ID, ban.Name, server.UntilText(ban.Until, now),
			ban.What(), ban.Reason)
	}
	return b.String()
}

func (v *moderationView) logText(n int) string {
	if len(v.audit) == 0 {
		return "no admin actions recorded"
	}
	es := v.audit[max(0, len(v.audit)-n):]
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		rest := strings.TrimPrefix(strings.TrimPrefix(e.Text(), string(e.Action)), " ")
		fmt.Fprintf(&b, "%s  %-9s %s", e.Time.Format("2006-01-02 15:04:05"), e.Action, rest)
	}
	return b.String()
}
