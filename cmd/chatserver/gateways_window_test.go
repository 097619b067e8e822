package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/trust"
)

// find returns the first widget of type T under o (through containers)
// for which ok holds.
func find[T fyne.CanvasObject](o fyne.CanvasObject, ok func(T) bool) (T, bool) {
	if w, is := o.(T); is && ok(w) {
		return w, true
	}
	if c, is := o.(*fyne.Container); is {
		for _, k := range c.Objects {
			if w, found := find(k, ok); found {
				return w, true
			}
		}
	}
	var zero T
	return zero, false
}

// ircRegister registers nick on addr and returns the reader after 001.
func ircRegister(t *testing.T, nc net.Conn, nick string) *bufio.Reader {
	t.Helper()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(nc, "NICK "+nick+"\r\nUSER "+nick+" 0 * :"+nick+"\r\n")
	br := bufio.NewReader(nc)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("IRC registration of %s: %v", nick, err)
		}
		if strings.Contains(line, " 001 "+nick+" ") {
			return br
		}
	}
}

// TestWindowGatewaySwitches runs a real server with the server window's
// gateway switches (Fyne's test driver): ticking IRC opens the IRC ports the
// window names, a raw IRC client registers on the plain one and on the TLS
// one; unticking ends its session and closes the port; ticking classic lets
// a seed-001 client in on the MultiChat port; the switches are remembered.
func TestWindowGatewaySwitches(t *testing.T) {
	dir := t.TempDir()
	o := gatewayOptions{IRCAddr: "127.0.0.1:0", IRCSAddr: "127.0.0.1:0", Plaintext: true}
	cfg := server.Config{DataDir: dir, Name: "Test", Logger: slog.New(slog.DiscardHandler)}
	gws := newGateways(o, &cfg, cfg.Logger)
	defer gws.Close()
	cmds, events := make(chan server.Command, 4), make(chan server.Event, 64)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- server.Run(ctx, cfg, cmds, events) }()
	defer func() { cancel(); <-ran }()
	cmds <- server.Start{Addr: "127.0.0.1:0"}
	var addr string
	var fp trust.Fingerprint
	for addr == "" {
		select {
		case ev := <-events:
			if s, ok := ev.(server.Started); ok {
				addr, fp = s.Addr, s.Fingerprint
			}
		case <-time.After(10 * time.Second):
			t.Fatal("server did not start")
		}
	}
	go func() { // the test watches the server through its clients; drain
		for range events {
		}
	}()

	a := test.NewTempApp(t)
	w := a.NewWindow("server")
	sw := gui.NewServerWindow(a, w, make(chan server.Command, 8), make(chan server.Event))
	_ = sw.SetListenAddress(addr)
	sw.ShowGateways(gws)
	check := func(text string) *widget.Check {
		c, ok := find(w.Content(), func(c *widget.Check) bool { return c.Text == text })
		if !ok {
			t.Fatalf("no %q switch", text)
		}
		return c
	}
	ports := func() string {
		l, ok := find(w.Content(), func(l *widget.Label) bool {
			for _, p := range []string{"Only MultiChat", "Classic clients:", "IRC"} {
				if strings.HasPrefix(l.Text, p) {
					return true
				}
			}
			return false
		})
		if !ok {
			t.Fatal("no gateway ports line")
		}
		return l.Text
	}
	classicBox, ircBox := check("Classic (seed) clients, unencrypted"), check("IRC clients")
	if classicBox.Checked || ircBox.Checked || ports() != "Only MultiChat clients can join." {
		t.Fatalf("first run: classic %v, IRC %v, %q; want both off", classicBox.Checked, ircBox.Checked, ports())
	}

	test.Tap(ircBox)
	m := regexp.MustCompile(`IRC: port (\d+) \(plain\), (\d+) \(TLS\)`).FindStringSubmatch(ports())
	if m == nil {
		t.Fatalf("IRC on: ports line %q", ports())
	}
	plainAddr, tlsAddr := "127.0.0.1:"+m[1], "127.0.0.1:"+m[2]
	ic, err := net.Dial("tcp", plainAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer ic.Close()
	br := ircRegister(t, ic, "ann")
	tc, err := tls.Dial("tcp", tlsAddr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("IRC over TLS on the port shown: %v", err)
	}
	defer tc.Close()
	ircRegister(t, tc, "tom")
	if got := trust.FingerprintOf(tc.ConnectionState().PeerCertificates[0].Raw); got != fp {
		t.Errorf("IRC over TLS shows certificate %s; MultiChat clients pin %s", got, fp)
	}

	test.Tap(ircBox) // off: ann's session ends, the port closes
	for {
		if _, err := br.ReadString('\n'); err != nil {
			break
		}
	}
	if nc, err := net.Dial("tcp", plainAddr); err == nil {
		nc.Close()
		t.Fatal("the IRC port still accepts with IRC switched off")
	}
	if ports() != "Only MultiChat clients can join." {
		t.Fatalf("IRC off: ports line %q", ports())
	}

	test.Tap(classicBox)
	_, port, _ := net.SplitHostPort(addr)
	if want := "Classic clients: port " + port + " (the MultiChat port, unencrypted)"; ports() != want {
		t.Fatalf("classic on: %q, want %q", ports(), want)
	}
	if hdr, err := seedJoin(t, addr, "bob"); err != nil || hdr[4] != 0x03 {
		t.Fatalf("classic client: %x, %v; want a JOIN frame", hdr, err)
	}
	test.Tap(classicBox) // off: the next seed client is not let in
	if hdr, err := seedJoin(t, addr, "dan"); err == nil && hdr[4] == 0x03 {
		t.Fatalf("classic switched off, yet a seed client got %x", hdr)
	}
	test.Tap(classicBox)

	// A window opened later shows the switches as they were left.
	w2 := a.NewWindow("again")
	sw2 := gui.NewServerWindow(a, w2, make(chan server.Command, 8), make(chan server.Event))
	gws2 := newGateways(gatewayOptions{Plaintext: true}, &server.Config{DataDir: dir, Plaintext: true, Logger: cfg.Logger}, cfg.Logger)
	defer gws2.Close()
	sw2.ShowGateways(gws2)
	if got := sw2.Gateways(); !got.Classic || got.IRC {
		t.Fatalf("remembered switches: %+v, want classic only", got)
	}
}
