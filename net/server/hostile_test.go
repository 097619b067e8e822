package server

import (
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
)

// hostileFrame returns one frame a hostile client might send: random bytes,
// a random type with a random payload, or a decodable frame with hostile
// fields (huge names, control and bidi characters, ids that are not theirs,
// server-only types).
func hostileFrame(rng *rand.Rand) []byte {
	long := strings.Repeat("ř", 32767) // 65 534 bytes: as long as a string field can be
	odd := []string{"", " ", "lobby", "LOBBY", long, "a\u202Eb", "\x00", "tab\there", "새 방", "../..", "victim"}
	pick := func() string { return odd[rng.IntN(len(odd))] }
	switch rng.IntN(6) {
	case 0:
		b := make([]byte, rng.IntN(64))
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		return b
	case 1:
		p := make([]byte, rng.IntN(300))
		for i := range p {
			p[i] = byte(rng.UintN(256))
		}
		return frame(wire.Type(rng.IntN(0x40)), p)
	}
	var m wire.Message
	switch rng.IntN(21) {
	case 0:
		m = wire.Hello{Version: uint16(rng.IntN(3)), Nick: pick()}
	case 1:
		m = wire.Say{Ref: rng.Uint32(), Room: pick(), Text: pick()}
	case 2:
		m = wire.Private{Ref: rng.Uint32(), To: pick(), Text: pick()}
	case 3:
		m = wire.Join{Room: pick()}
	case 4:
		m = wire.Part{Room: pick()}
	case 5:
		m = wire.ListRooms{}
	case 6:
		m = wire.FileOffer{Ref: 1, Room: pick(), To: pick(), Name: pick(), Size: rng.Uint64()}
	case 7:
		m = wire.FileChunk{ID: uint64(rng.IntN(5)), Data: []byte(pick())}
	case 8:
		m = wire.FileEnd{ID: uint64(rng.IntN(5))}
	case 9:
		m = wire.FileAbort{ID: uint64(rng.IntN(5)), Reason: pick()}
	case 10:
		m = wire.Chat{From: "watcher", Room: wire.Lobby, Text: "forged"}
	case 11:
		m = wire.Kicked{Reason: "you are kicked", By: "admin"}
	case 12:
		m = wire.Ping{Token: rng.Uint64()}
	case 13:
		m = wire.Pong{Token: rng.Uint64()}
	case 14:
		m = wire.Quit{}
	case 15:
		m = wire.FileAccept{ID: uint64(rng.IntN(5)), Offset: rng.Uint64N(1 << 20)}
	case 16:
		m = wire.SetTopic{Room: pick(), Text: pick()}
	case 17:
		m = wire.RoomKick{Room: pick(), User: pick(), Reason: pick()}
	case 18:
		m = wire.RoomOp{Room: pick(), User: pick(), On: rng.IntN(2) == 0}
	case 19:
		m = wire.Oper{Name: pick(), Password: pick()}
	default:
		m = wire.FileAck{ID: 1, Bytes: 1}
	}
	return wire.Encode(m)
}

// TestHostileClients: hundreds of hostile connections; the server never
// panics, and a well-behaved client is served throughout.
func TestHostileClients(t *testing.T) {
	cfg := testConfig()
	cfg.MaxFrame = 256 << 10            // room for names longer than an error text may be
	cfg.HandshakeTime = 2 * time.Second // TLS handshakes under -race on a busy machine
	h := startServer(t, cfg)
	watcher := join(t, h.addr, "watcher")
	const conns, workers = 400, 4
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for i := w; i < conns; i += workers {
				nc, _, ch, fp, err := tlsDial(h.addr)
				if err != nil {
					t.Errorf("dial: %v", err)
					return
				}
				var b []byte
				if rng.IntN(2) == 0 {
					b = wire.Encode(provenHello(fmt.Sprintf("h%d", i), ch, fp))
				}
				for range 1 + rng.IntN(8) {
					b = append(b, hostileFrame(rng)...)
				}
				nc.SetDeadline(time.Now().Add(wait))
				nc.Write(b)
				if rng.IntN(4) == 0 { // read a little of the answers
					nc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
					var buf [4096]byte
					for {
						if _, err := nc.Read(buf[:]); err != nil {
							break
						}
					}
				}
				nc.Close()
			}
		})
	}
	// The watcher keeps chatting while the storm goes on.
	for i := range 20 {
		watcher.send(wire.Say{Ref: uint32(i), Room: wire.Lobby, Text: "still here"})
		for {
			if ch, ok := watcher.next().(wire.Chat); ok && ch.From == "watcher" {
				if ch.Ref != uint32(i) || ch.Text != "still here" {
					t.Fatalf("watcher got %+v", ch)
				}
				break
			}
		}
	}
	wg.Wait()
	h.waitCounts(1, 1)
	for _, m := range watcher.sync() {
		switch m := m.(type) {
		case wire.Joined, wire.Left, wire.Removed:
		case wire.Chat:
			if m.Text == "forged" {
				t.Fatalf("a forged chat got through: %+v", m)
			}
		case wire.PrivMsg, wire.FileOffered:
		default:
			t.Fatalf("watcher got %+v", m)
		}
	}
}

// remoteConn is one end of a net.Pipe that claims to come from addr.
type remoteConn struct {
	net.Conn
	addr *net.TCPAddr
}

func (c remoteConn) RemoteAddr() net.Addr { return c.addr }

// TestPerIPLimit: connections from one non-loopback address beyond MaxPerIP
// are refused; others and loopback are not.
func TestPerIPLimit(t *testing.T) {
	cfg := testConfig()
	cfg.MaxPerIP = 2
	h := startServer(t, cfg)
	from := func(ip string) (*client, net.Conn) {
		srv, cli := net.Pipe()
		t.Cleanup(func() { cli.Close() })
		rc := remoteConn{Conn: srv, addr: &net.TCPAddr{IP: net.ParseIP(ip), Port: 40000}}
		h.inspect(func(hb *hub) { hb.accept(rc) })
		return &client{t: t, nc: cli, r: wire.NewReader(cli, 0), dev: trust.NewDeviceKey()}, cli
	}
	a, _ := from("10.1.2.3")
	b, _ := from("10.1.2.3")
	c, _ := from("10.1.2.3")
	if r := expect[wire.Refused](c); r.Code != wire.RefuseTooManyFrom {
		t.Fatalf("third from 10.1.2.3 got %+v", r)
	}
	for i, x := range []*client{a, b} {
		expectWelcome(t, x.secure(), fmt.Sprintf("remote%d", i))
	}
	d, _ := from("10.9.9.9")
	expectWelcome(t, d.secure(), "other")
	for i := range 3 {
		join(t, h.addr, fmt.Sprintf("local%d", i)) // loopback is exempt
	}
	// A slot frees when a connection from the address closes.
	a.send(wire.Quit{})
	a.closed()
	h.waitCounts(5, 5)
	e, _ := from("10.1.2.3")
	expectWelcome(t, e.secure(), "again")
}

// TestSlowUI: a UI that never reads its events does not slow the server,
// and Run still returns when told to.
func TestSlowUI(t *testing.T) {
	cmds := make(chan Command, 1)
	events := make(chan Event) // never read until the end
	done := make(chan error, 1)
	go func() { done <- Run(t.Context(), testConfig(), cmds, events) }()
	ln, err := net.Listen("tcp", "127.0.0.1:0") // find a free port
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmds <- Start{Addr: addr}
	var a *client
	for deadline := time.Now().Add(wait); ; {
		nc, err := net.DialTimeout("tcp", addr, wait)
		if err == nil {
			nc.Close()
			a = join(t, addr, "alice")
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond) // waiting for the listener; no event can be read here
	}
	b := join(t, addr, "bob")
	a.sync()
	for i := range 500 {
		a.send(wire.Say{Ref: uint32(i), Room: wire.Lobby, Text: "hello"})
	}
	for i := range 500 {
		if ch := expect[wire.Chat](b); ch.Ref != uint32(i) {
			t.Fatalf("bob got %+v", ch)
		}
	}
	close(cmds)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return with an unread event channel")
	}
	until[wire.Stopping](a) // after her own 500 echoes
	for range events {      // closed after whatever was handed over
	}
}
