package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/wire"
)

func TestParseConsoleModeration(t *testing.T) {
	now := time.Date(2026, 12, 2, 14, 0, 0, 0, time.Local)
	cases := []struct {
		line string
		want server.Command
	}{
		{"/ban bob", server.Ban{Nick: "bob"}},
		{"/ban bob 10m 도배", server.Ban{Nick: "bob", Until: now.Add(10 * time.Minute), Reason: "도배"}},
		{"/차단 -n bob 1h spam and more", server.Ban{Nick: "bob", Until: now.Add(time.Hour), Reason: "spam and more", ByNick: true}},
		{"/ban 192.0.2.7 today", server.Ban{Addr: mustAddr("192.0.2.7"), Until: server.EndOfDay(now)}},
		{"/ban bob forever rude", server.Ban{Nick: "bob", Reason: "rude"}},
		{"/ban bob rude words", server.Ban{Nick: "bob", Reason: "rude words"}},
		{"/mute bob 5m 잠깐", server.Mute{Nick: "bob", Until: now.Add(5 * time.Minute), Reason: "잠깐"}},
		{"/음소거 bob", server.Mute{Nick: "bob"}},
		{"/unmute bob", server.Unmute{Nick: "bob"}},
		{"/lecture on", server.Lecture{On: true}},
		{"/강의 off #math", server.Lecture{Room: "math"}},
		{"/topic 시험은 3시", server.SetTopic{Text: "시험은 3시"}},
		{"/주제 #math chapter 4", server.SetTopic{Room: "math", Text: "chapter 4"}},
		{"/topic", server.SetTopic{}},
		{"/강퇴 bob 그만", server.Kick{Nick: "bob", Reason: "그만"}},
		{"/공지 점심시간", server.Announce{Text: "점심시간"}},
		{"/닉네임해제 bob", server.Release{Nick: "bob"}},
	}
	for _, c := range cases {
		if got := parseConsoleAt(c.line, now); got.cmd != c.want {
			t.Errorf("%q: %+v, want %+v", c.line, got.cmd, c.want)
		}
	}
	if a := parseConsoleAt("/접속인원", now); !a.users {
		t.Errorf("/접속인원: %+v", a)
	}
	if a := parseConsoleAt("/차단목록", now); !a.bans {
		t.Errorf("/차단목록: %+v", a)
	}
	if a := parseConsoleAt("/unban 3", now); a.unban != "3" {
		t.Errorf("/unban: %+v", a)
	}
	if a := parseConsoleAt("/기록 5", now); a.log != 5 {
		t.Errorf("/기록 5: %+v", a)
	}
	for _, bad := range []string{"/ban", "/mute", "/unban", "/lecture", "/lecture maybe", "/log x", "/unmute"} {
		if a := parseConsoleAt(bad, now); a.cmd != nil || a.reply == "" {
			t.Errorf("%q: %+v, want a usage line", bad, a)
		}
	}
}

// The console bans a nickname; the ban is refused with its reason, listed,
// and still there after a restart, whose /log shows the earlier run.
func TestHeadlessConsoleBanAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	refused := func(addr string) wire.Refused {
		_, r := helloTLS(t, addr, "mallory")
		m, err := r.ReadMessage()
		ref, ok := m.(wire.Refused)
		if err != nil || !ok || ref.Code != wire.RefuseBanned {
			t.Fatalf("got %+v, %v; want refused banned", m, err)
		}
		return ref
	}

	h := startHeadlessIn(t, dir)
	in, out, addr := h.in, &h.stdout, h.addr
	_, r := helloTLS(t, addr, "mallory")
	if m, err := r.ReadMessage(); err != nil || m.Type() != wire.TypeWelcome {
		t.Fatalf("got %+v, %v", m, err)
	}
	waitFor(t, out, `msg="user joined" nick=mallory`)
	io.WriteString(in, "/차단 -n mallory 1h flooding\n")
	for {
		m, err := r.ReadMessage()
		if err != nil {
			t.Fatalf("no kick before %v", err)
		}
		if k, ok := m.(wire.Kicked); ok {
			if !strings.Contains(k.Reason, "flooding") {
				t.Fatalf("kick %+v", k)
			}
			break
		}
	}
	if ref := refused(addr); ref.Text != "flooding" || ref.Until == 0 {
		t.Fatalf("refused %+v", ref)
	}
	io.WriteString(in, "/bans\n")
	waitFor(t, out, "1 bans:")
	waitFor(t, out, "nickname mallory — flooding")
	stop(t, h)

	h = startHeadlessIn(t, dir)
	in, out, addr = h.in, &h.stdout, h.addr
	refused(addr)
	io.WriteString(in, "/log\n")
	waitFor(t, out, "ban       mallory — flooding")
	io.WriteString(in, "/unban mallory\n")
	waitFor(t, out, "unbanned mallory")
	io.WriteString(in, "/release mallory\n") // still reserved for the device that left
	waitFor(t, out, "released the nickname mallory")
	if _, r := helloTLS(t, addr, "mallory"); true {
		if m, err := r.ReadMessage(); err != nil || m.Type() != wire.TypeWelcome {
			t.Fatalf("after /unban: %+v, %v", m, err)
		}
	}
	stop(t, h)
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// The audit log and the bans survive kill -9: a child process serves, the
// console bans and starts lecture mode, /log shows both (the console shows
// an action once it is on disk), the child is killed; the next server has
// them.
func TestAuditAndBansSurviveKill(t *testing.T) {
	if dir := os.Getenv("CHATSERVER_KILL_DIR"); dir != "" {
		o, err := configFromFlags(flag.NewFlagSet("child", flag.ContinueOnError),
			[]string{"-headless", "-addr", "127.0.0.1:0", "-data", dir, "-announce=false"})
		if err != nil {
			fmt.Println(err)
			os.Exit(2)
		}
		os.Exit(runHeadless(context.Background(), o, os.Stdin, os.Stdout, os.Stderr))
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestAuditAndBansSurviveKill$")
	cmd.Env = append(os.Environ(), "CHATSERVER_KILL_DIR="+dir)
	in, _ := cmd.StdinPipe()
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	exited := make(chan int, 1)
	go func() { cmd.Wait(); exited <- -1 }()
	waitServing(t, &out, exited)
	io.WriteString(in, "/ban -n eve 1h spam\n/lecture on\n")
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "lecture   every room"); {
		if time.Now().After(deadline) {
			t.Fatalf("/log never showed the lecture:\n%s", &out)
		}
		io.WriteString(in, "/log\n")
		time.Sleep(50 * time.Millisecond) // polling the child's output
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-exited

	h := startHeadlessIn(t, dir)
	io.WriteString(h.in, "/log\n")
	waitFor(t, &h.stdout, "ban       eve — spam")
	waitFor(t, &h.stdout, "lecture   every room")
	_, r := helloTLS(t, h.addr, "eve")
	if m, err := r.ReadMessage(); err != nil || m.Type() != wire.TypeRefused || m.(wire.Refused).Code != wire.RefuseBanned {
		t.Fatalf("eve after the restart: %+v, %v", m, err)
	}
	stop(t, h)
}

type consoleRun struct {
	in     io.WriteCloser
	stdout syncBuffer
	addr   string
	exited chan int
}

// startHeadlessIn runs runHeadless on data directory dir with a console.
func startHeadlessIn(t *testing.T, dir string) *consoleRun {
	t.Helper()
	o, err := configFromFlags(flag.NewFlagSet("test", flag.ContinueOnError),
		[]string{"-headless", "-addr", "127.0.0.1:0", "-data", dir, "-announce=false"})
	if err != nil {
		t.Fatal(err)
	}
	stdinR, stdinW := io.Pipe()
	t.Cleanup(func() { stdinW.Close() })
	h := &consoleRun{in: stdinW, exited: make(chan int, 1)}
	go func() { h.exited <- runHeadless(context.Background(), o, stdinR, &h.stdout, &h.stdout) }()
	h.addr = waitServing(t, &h.stdout, h.exited)
	return h
}

// stop types /stop and waits for runHeadless to return.
func stop(t *testing.T, h *consoleRun) {
	t.Helper()
	io.WriteString(h.in, "/stop\n")
	select {
	case <-h.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("/stop did not end runHeadless")
	}
}
