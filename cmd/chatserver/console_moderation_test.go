package main

import (
	"context"
	"flag"
	"io"
	"net/netip"
	"strings"
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
	run := func() (io.WriteCloser, *syncBuffer, string, chan int) {
		o, err := configFromFlags(flag.NewFlagSet("test", flag.ContinueOnError),
			[]string{"-headless", "-addr", "127.0.0.1:0", "-data", dir, "-announce=false"})
		if err != nil {
			t.Fatal(err)
		}
		stdinR, stdinW := io.Pipe()
		t.Cleanup(func() { stdinW.Close() })
		stdout, stderr := &syncBuffer{}, &syncBuffer{}
		exited := make(chan int, 1)
		go func() { exited <- runHeadless(context.Background(), o, stdinR, stdout, stderr) }()
		return stdinW, stdout, waitServing(t, stdout, exited), exited
	}
	stop := func(in io.Writer, exited chan int) {
		io.WriteString(in, "/stop\n")
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			t.Fatal("/stop did not end runHeadless")
		}
	}
	refused := func(addr string) wire.Refused {
		_, r := helloTLS(t, addr, "mallory")
		m, err := r.ReadMessage()
		ref, ok := m.(wire.Refused)
		if err != nil || !ok || ref.Code != wire.RefuseBanned {
			t.Fatalf("got %+v, %v; want refused banned", m, err)
		}
		return ref
	}

	in, out, addr, exited := run()
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
	stop(in, exited)

	in, out, addr, exited = run()
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
	stop(in, exited)
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
