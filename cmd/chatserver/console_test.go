package main

import (
	"context"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/wire"
)

func TestParseConsole(t *testing.T) {
	cases := []struct {
		line string
		want consoleAction
	}{
		{"", consoleAction{}},
		{"/kick bob", consoleAction{cmd: server.Kick{Nick: "bob", Reason: "removed by the administrator"}}},
		{"/KICK 지민  please stop spamming ", consoleAction{cmd: server.Kick{Nick: "지민", Reason: "please stop spamming"}}},
		{"/announce lunch at 12", consoleAction{cmd: server.Announce{Text: "lunch at 12"}}},
		{"/users", consoleAction{users: true}},
		{"/stop", consoleAction{quit: true}},
		{"/fingerprint", consoleAction{fingerprint: true}},
		{"/cluster", consoleAction{cluster: true}},
		{"/password 반 코드", consoleAction{cmd: server.SetPassword{Password: "반 코드"}}},
		{"/password", consoleAction{cmd: server.SetPassword{}}},
		{"/release 지민", consoleAction{cmd: server.Release{Nick: "지민"}}},
	}
	for _, c := range cases {
		if got := parseConsole(c.line); got != c.want {
			t.Errorf("parseConsole(%q) = %+v, want %+v", c.line, got, c.want)
		}
	}
	for _, bad := range []string{"/kick", "/announce", "/frobnicate", "hello", "/release", "/release a b"} {
		got := parseConsole(bad)
		if got.cmd != nil || got.quit || got.reply == "" {
			t.Errorf("parseConsole(%q) = %+v, want a usage or help reply and no command", bad, got)
		}
	}
}

// TestHeadlessConsoleKick drives the admin console on stdin: /users lists a
// real client, /kick delivers [kick] with the reason before EOF, /stop exits 0.
func TestHeadlessConsoleKick(t *testing.T) {
	o, err := configFromFlags(flag.NewFlagSet("test", flag.ContinueOnError), []string{"-headless", "-addr", "127.0.0.1:0", "-data", t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	stdinR, stdinW := io.Pipe()
	defer stdinW.Close()
	var stdout, stderr syncBuffer
	exited := make(chan int, 1)
	go func() { exited <- runHeadless(context.Background(), o, stdinR, &stdout, &stderr) }()
	addr := waitServing(t, &stdout, exited)

	nc, r := helloTLS(t, addr, "mallory")
	io.WriteString(stdinW, "/fingerprint\n")
	waitFor(t, &stdout, "server fingerprint (users compare it with what their client shows): "+nc.fp.String()+"\n")
	if m, err := r.ReadMessage(); err != nil || m.Type() != wire.TypeWelcome {
		t.Fatalf("got %+v, %v", m, err)
	}

	waitFor(t, &stdout, `msg="user joined" nick=mallory`)
	// The console's roster follows the server's events, which reach it a
	// moment after the hub's log line: ask until it lists mallory.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(stdout.String(), "1 connected:\n  mallory"); {
		if time.Now().After(deadline) {
			t.Fatalf("/users never listed mallory:\n%s", &stdout)
		}
		io.WriteString(stdinW, "/users\n")
		time.Sleep(50 * time.Millisecond) // polling the process's output
	}
	io.WriteString(stdinW, "/kick mallory flooding the lobby\n")
	var kicked *wire.Kicked
	for kicked == nil {
		m, err := r.ReadMessage()
		if err != nil {
			t.Fatalf("no Kicked before %v", err)
		}
		if k, ok := m.(wire.Kicked); ok {
			kicked = &k
		}
	}
	if kicked.Reason != "flooding the lobby" {
		t.Fatalf("kick reason %q", kicked.Reason)
	}
	if _, err := r.ReadMessage(); err != io.EOF {
		t.Fatalf("want EOF after the kick, got %v", err)
	}
	// The kick notice is logged by the console's own loop after it has seen
	// the user leave, so /users from here on must list nobody.
	waitFor(t, &stdout, `msg="kicked mallory: flooding the lobby"`)
	io.WriteString(stdinW, "/users\n")
	waitFor(t, &stdout, "nobody is connected")
	io.WriteString(stdinW, "/stop\n")
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("exit code %d; stderr %s", code, &stderr)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("/stop did not end runHeadless")
	}
}

func waitFor(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("output lacks %q within 5 s:\n%s", want, out)
		}
		time.Sleep(10 * time.Millisecond) // polling the process's output
	}
}

func TestClusterText(t *testing.T) {
	if got := clusterText(nil, roster{}); !strings.Contains(got, "not in a cluster") {
		t.Errorf("no cluster: %q", got)
	}
	users := roster{}
	for _, ev := range []server.Event{server.UserJoined{Nick: "a"}, server.UserJoined{Nick: "b", Server: "floor 2"},
		server.UserJoined{Nick: "c", Server: "floor 2"}} {
		users.apply(ev)
	}
	got := clusterText(&server.ClusterChanged{ID: "floor1", Peers: []server.ClusterPeer{
		{ID: "floor2", Name: "floor 2", Addr: "10.0.0.2:7878", Up: true}, {ID: "floor3", Name: "floor 3"}}}, users)
	for _, want := range []string{"this server is floor1 (1 people); 2 other servers", `"floor 2"`, "up", "2 people", "DOWN"} {
		if !strings.Contains(got, want) {
			t.Errorf("/cluster lacks %q:\n%s", want, got)
		}
	}
}
