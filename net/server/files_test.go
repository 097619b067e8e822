package server

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/multichat/multichat/net/wire"
)

// sendFile streams data as transfer id, keeping at most 4 chunks
// unacknowledged, and returns the acknowledgements it saw. Frames other
// than FileAck that reach the sender meanwhile are returned as well.
func sendFile(t *testing.T, c *client, id uint64, data []byte) (acks []uint64, other []wire.Message) {
	t.Helper()
	var sent uint64
	acked := uint64(0)
	for sent < uint64(len(data)) || acked < uint64(len(data)) {
		if sent < uint64(len(data)) && sent-acked < 4*wire.MaxChunk {
			n := min(uint64(wire.MaxChunk), uint64(len(data))-sent)
			c.send(wire.FileChunk{ID: id, Data: data[sent : sent+n]})
			sent += n
			continue
		}
		switch m := c.next().(type) {
		case wire.FileAck:
			if m.ID != id || m.Bytes <= acked || m.Bytes > sent {
				t.Fatalf("ack %+v after %d acked, %d sent", m, acked, sent)
			}
			acked = m.Bytes
			acks = append(acks, m.Bytes)
		default:
			other = append(other, m)
		}
	}
	c.send(wire.FileEnd{ID: id, SHA256: sha256.Sum256(data)})
	return acks, other
}

// receiveFile reads transfer id to its end (it runs on its own goroutine,
// so it reports instead of failing the test).
func receiveFile(c *client, id uint64) ([]byte, [32]byte, error) {
	var got []byte
	for {
		m, err := c.read(wait)
		if err != nil {
			return got, [32]byte{}, err
		}
		switch m := m.(type) {
		case wire.FileChunk:
			if m.ID != id {
				return got, [32]byte{}, fmt.Errorf("%s: chunk of transfer %d, want %d", c.nick, m.ID, id)
			}
			got = append(got, m.Data...)
		case wire.FileEnd:
			return got, m.SHA256, nil
		default:
			return got, [32]byte{}, fmt.Errorf("%s: got %+v during the transfer", c.nick, m)
		}
	}
}

func TestFilePrivate(t *testing.T) {
	h := startServer(t, testConfig())
	cs := joinAll(t, h.addr, "alice", "bob", "carol")
	alice, bob, carol := cs[0], cs[1], cs[2]

	data := make([]byte, 300_000)
	rand.NewChaCha8([32]byte{1, 2}).Read(data)
	alice.send(wire.FileOffer{Ref: 11, To: "Bob", Name: "photo.jpg", Size: uint64(len(data))})
	mine := expect[wire.FileOffered](alice)
	theirs := expect[wire.FileOffered](bob)
	if mine.Ref != 11 || mine.ID == 0 || mine.To != "bob" || mine.From != "alice" {
		t.Fatalf("alice got %+v", mine)
	}
	if theirs.ID != mine.ID || theirs.From != "alice" || theirs.Name != "photo.jpg" || theirs.Size != uint64(len(data)) {
		t.Fatalf("bob got %+v", theirs)
	}
	done := make(chan struct{})
	var got []byte
	var sum [32]byte
	var rerr error
	go func() {
		defer close(done)
		got, sum, rerr = receiveFile(bob, mine.ID)
	}()
	acks, other := sendFile(t, alice, mine.ID, data)
	<-done
	if rerr != nil {
		t.Fatal(rerr)
	}
	if len(other) != 0 {
		t.Fatalf("alice got %+v", other)
	}
	if !bytes.Equal(got, data) || sum != sha256.Sum256(data) {
		t.Fatalf("bob got %d bytes, want %d identical", len(got), len(data))
	}
	if acks[len(acks)-1] != uint64(len(data)) {
		t.Fatalf("acks %v", acks)
	}
	carol.quiet()
	h.waitFor(0, func(e Event) bool {
		n, ok := e.(Notice)
		return ok && n.Text == `alice's file "photo.jpg" (300000 bytes) relayed`
	}, "relayed notice")
	h.inspect(func(hb *hub) {
		if len(hb.files) != 0 {
			t.Errorf("%d transfers left", len(hb.files))
		}
	})
}

func TestFileRoom(t *testing.T) {
	h := startServer(t, testConfig())
	alice := join(t, h.addr, "alice")
	bob := join(t, h.addr, "bob")
	carol := join(t, h.addr, "carol")
	dave := join(t, h.addr, "dave") // not in the room
	for _, c := range []*client{alice, bob, carol} {
		c.sync()
		c.send(wire.Join{Room: "share"})
		c.readList("share")
	}
	for _, c := range []*client{alice, bob, carol, dave} {
		c.sync()
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 10_000) // 160 000 bytes
	alice.send(wire.FileOffer{Ref: 1, Room: "share", Name: "data.bin", Size: uint64(len(data))})
	id := expect[wire.FileOffered](alice).ID
	type result struct {
		data []byte
		sum  [32]byte
		err  error
	}
	results := make(chan result, 2)
	for _, c := range []*client{bob, carol} {
		if o := expect[wire.FileOffered](c); o.ID != id || o.Room != "share" {
			t.Fatalf("%s got %+v", c.nick, o)
		}
		go func() {
			d, s, err := receiveFile(c, id)
			results <- result{d, s, err}
		}()
	}
	sendFile(t, alice, id, data)
	for range 2 {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		if !bytes.Equal(r.data, data) || r.sum != sha256.Sum256(data) {
			t.Fatalf("a recipient got %d bytes, want %d identical", len(r.data), len(data))
		}
	}
	dave.quiet()
}

func TestFileErrors(t *testing.T) {
	cfg := testConfig()
	cfg.MaxFileSize = 1 << 20
	h := startServer(t, cfg)
	cs := joinAll(t, h.addr, "alice", "bob")
	alice, bob := cs[0], cs[1]
	for _, tc := range []struct {
		m    wire.FileOffer
		code wire.ErrorCode
	}{
		{wire.FileOffer{Ref: 1, To: "bob", Name: "../etc/passwd", Size: 1}, wire.CodeFileRejected},
		{wire.FileOffer{Ref: 2, To: "bob", Name: "big.iso", Size: 2 << 20}, wire.CodeFileRejected},
		{wire.FileOffer{Ref: 3, To: "nobody", Name: "a.txt", Size: 1}, wire.CodeNoSuchUser},
		{wire.FileOffer{Ref: 4, Room: "secret", Name: "a.txt", Size: 1}, wire.CodeNoSuchRoom},
		{wire.FileOffer{Ref: 5, Room: wire.Lobby, To: "bob", Name: "a.txt", Size: 1}, wire.CodeFileRejected},
		{wire.FileOffer{Ref: 6, To: "alice", Name: "a.txt", Size: 1}, wire.CodeFileRejected},
	} {
		alice.send(tc.m)
		if e := expect[wire.Error](alice); e.Code != tc.code || e.Ref != tc.m.Ref {
			t.Errorf("%+v: got %+v, want %v", tc.m, e, tc.code)
		}
	}
	alice.send(wire.FileChunk{ID: 999, Data: []byte("x")})
	if e := expect[wire.Error](alice); e.Code != wire.CodeNoTransfer {
		t.Fatalf("got %+v", e)
	}
	bob.quiet()

	// Bob may not feed alice's transfer; more data than offered aborts it.
	alice.send(wire.FileOffer{Ref: 7, To: "bob", Name: "a.txt", Size: 3})
	id := expect[wire.FileOffered](alice).ID
	expect[wire.FileOffered](bob)
	bob.send(wire.FileChunk{ID: id, Data: []byte("evil")})
	if e := expect[wire.Error](bob); e.Code != wire.CodeNoTransfer {
		t.Fatalf("got %+v", e)
	}
	alice.send(wire.FileChunk{ID: id, Data: []byte("four")})
	if a := expect[wire.FileAbort](alice); a.ID != id {
		t.Fatalf("got %+v", a)
	}
	if a := expect[wire.FileAbort](bob); a.ID != id {
		t.Fatalf("got %+v", a)
	}

	// The sender leaving aborts the transfer for the recipient.
	alice.send(wire.FileOffer{Ref: 8, To: "bob", Name: "b.txt", Size: 100})
	id = expect[wire.FileOffered](alice).ID
	expect[wire.FileOffered](bob)
	alice.send(wire.FileChunk{ID: id, Data: []byte("partial")})
	expect[wire.FileChunk](bob)
	alice.send(wire.Quit{})
	if a := expect[wire.FileAbort](bob); a.ID != id {
		t.Fatalf("got %+v", a)
	}
	if l := expect[wire.Left](bob); l.User != "alice" {
		t.Fatalf("got %+v", l)
	}

	// The recipient declining aborts a private transfer for the sender.
	carol := join(t, h.addr, "carol")
	bob.sync()
	carol.send(wire.FileOffer{Ref: 9, To: "bob", Name: "c.txt", Size: 10})
	id = expect[wire.FileOffered](carol).ID
	expect[wire.FileOffered](bob)
	bob.send(wire.FileAbort{ID: id, Reason: "no thanks"})
	if a := expect[wire.FileAbort](carol); a.ID != id {
		t.Fatalf("got %+v", a)
	}
	h.inspect(func(hb *hub) {
		if len(hb.files) != 0 {
			t.Errorf("%d transfers left", len(hb.files))
		}
	})
}
