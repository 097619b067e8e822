package server

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/multichat/multichat/net/wire"
)

// accept makes rcpt accept transfer id from offset and returns the leg the
// sender is asked to stream (the sender's next frame must be that file-send).
func accept(t *testing.T, rcpt, sender *client, id, offset uint64, key [wire.FileKeySize]byte) uint64 {
	t.Helper()
	rcpt.send(wire.FileAccept{ID: id, Offset: offset, Key: key})
	fs := until[wire.FileSend](sender)
	if fs.ID != id || fs.Offset != offset || fs.To != rcpt.nick || fs.Leg == 0 {
		t.Fatalf("%s got %+v", sender.nick, fs)
	}
	return fs.Leg
}

// sendFile streams data[from:] as leg, keeping at most 4 chunks
// unacknowledged, and returns the acknowledgements it saw. Frames other
// than FileAck that reach the sender meanwhile are returned as well.
func sendFile(t *testing.T, c *client, leg uint64, data []byte, from uint64) (acks []uint64, other []wire.Message) {
	t.Helper()
	sent, acked := from, from
	for sent < uint64(len(data)) || acked < uint64(len(data)) {
		if sent < uint64(len(data)) && sent-acked < 4*wire.MaxChunk {
			n := min(uint64(wire.MaxChunk), uint64(len(data))-sent)
			c.send(wire.FileChunk{ID: leg, Data: data[sent : sent+n]})
			sent += n
			continue
		}
		switch m := c.next().(type) {
		case wire.FileAck:
			if m.ID != leg || m.Bytes <= acked || m.Bytes > sent {
				t.Fatalf("ack %+v after %d acked, %d sent", m, acked, sent)
			}
			acked = m.Bytes
			acks = append(acks, m.Bytes)
		default:
			other = append(other, m)
		}
	}
	c.send(wire.FileEnd{ID: leg, SHA256: sha256.Sum256(data)})
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
	key := [wire.FileKeySize]byte{9, 9}
	alice.send(wire.FileOffer{Ref: 11, To: "Bob", Name: "photo.jpg", Size: uint64(len(data)), Key: key})
	mine := expect[wire.FileOffered](alice)
	theirs := expect[wire.FileOffered](bob)
	if mine.Ref != 11 || mine.ID == 0 || mine.To != "bob" || mine.From != "alice" || mine.Key != key {
		t.Fatalf("alice got %+v", mine)
	}
	if theirs.ID != mine.ID || theirs.From != "alice" || theirs.Name != "photo.jpg" || theirs.Size != uint64(len(data)) || theirs.Key != key {
		t.Fatalf("bob got %+v", theirs)
	}
	// Nothing flows before bob says yes: a chunk for the transfer is not a
	// leg, and is dropped.
	alice.send(wire.FileChunk{ID: mine.ID, Data: data[:10]})
	bob.quiet()
	alice.quiet()

	leg := accept(t, bob, alice, mine.ID, 0, key)
	got, sum, acks, other := relayFile(t, alice, bob, leg, mine.ID, data)
	if len(other) != 0 {
		t.Fatalf("alice got %+v", other)
	}
	if !bytes.Equal(got, data) || sum != sha256.Sum256(data) {
		t.Fatalf("bob got %d bytes, want %d identical", len(got), len(data))
	}
	if acks[len(acks)-1] != uint64(len(data)) {
		t.Fatalf("acks %v", acks)
	}
	if st := until[wire.FileStatus](alice); st.ID != mine.ID || st.Nick != "bob" || st.State != wire.RecipientReceived {
		t.Fatalf("alice got %+v", st)
	}
	if c := expect[wire.FileClosed](alice); c.ID != mine.ID {
		t.Fatalf("alice got %+v", c)
	}
	carol.quiet()
	h.waitFor(0, func(e Event) bool {
		n, ok := e.(Notice)
		return ok && n.Text == `alice's file "photo.jpg" (300000 bytes) relayed to bob` &&
			n.News == FileRelayNews{From: "alice", Name: "photo.jpg", Size: 300000, To: "bob"}
	}, "relayed notice with its facts")
	h.inspect(func(hb *hub) {
		if len(hb.files) != 0 || len(hb.legs) != 0 {
			t.Errorf("%d transfers, %d legs left", len(hb.files), len(hb.legs))
		}
	})
}

// A room offer: bob accepts, carol declines (alice is told), dave (not in
// the room) sees nothing; bob's copy arrives whole, then the transfer closes.
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
	h.waitFor(0, func(e Event) bool {
		n, ok := e.(Notice)
		return ok && n.News == FileOfferNews{From: "alice", Name: "data.bin", Size: uint64(len(data)), Room: "share"}
	}, "the offer's notice with its facts")
	for _, c := range []*client{bob, carol} {
		if o := expect[wire.FileOffered](c); o.ID != id || o.Room != "share" {
			t.Fatalf("%s got %+v", c.nick, o)
		}
	}
	carol.send(wire.FileAbort{ID: id, Reason: "no thanks"})
	if st := expect[wire.FileStatus](alice); st.Nick != "carol" || st.State != wire.RecipientDeclined || st.Reason != "no thanks" {
		t.Fatalf("alice got %+v", st)
	}
	leg := accept(t, bob, alice, id, 0, [wire.FileKeySize]byte{})
	done := make(chan error, 1)
	var got []byte
	go func() {
		var err error
		got, _, err = receiveFile(bob, id)
		done <- err
	}()
	sendFile(t, alice, leg, data, 0)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("bob got %d bytes, want %d identical", len(got), len(data))
	}
	if c := until[wire.FileClosed](alice); c.ID != id {
		t.Fatalf("alice got %+v", c)
	}
	carol.quiet()
	dave.quiet()
}

// A recipient whose connection drops mid-transfer comes back under the same
// nickname and resumes from what it holds; the transfer stays open for it.
func TestFileResumeAfterRecipientDrops(t *testing.T) {
	h := startServer(t, testConfig())
	cs := joinAll(t, h.addr, "alice", "bob")
	alice, bob := cs[0], cs[1]
	data := make([]byte, 10*wire.MaxChunk+99)
	rand.NewChaCha8([32]byte{3}).Read(data)
	key := [wire.FileKeySize]byte{7}
	alice.send(wire.FileOffer{Ref: 1, To: "bob", Name: "movie.mkv", Size: uint64(len(data)), Key: key})
	id := expect[wire.FileOffered](alice).ID
	expect[wire.FileOffered](bob)
	leg := accept(t, bob, alice, id, 0, key)
	alice.send(wire.FileChunk{ID: leg, Data: data[:wire.MaxChunk]}, wire.FileChunk{ID: leg, Data: data[wire.MaxChunk : 2*wire.MaxChunk]})
	var held []byte
	for range 2 {
		held = append(held, expect[wire.FileChunk](bob).Data...)
	}
	bob.nc.Close()
	st := until[wire.FileStatus](alice)
	if st.ID != id || st.Leg != leg || st.Nick != "bob" || st.State != wire.RecipientAway {
		t.Fatalf("alice got %+v", st)
	}
	alice.send(wire.FileChunk{ID: leg, Data: data[:10]}) // in flight: dropped quietly
	alice.sync()

	bob = join(t, h.addr, "bob")
	// A wrong key or an offset past the end is refused.
	bob.send(wire.FileAccept{ID: id, Offset: 0, Key: [wire.FileKeySize]byte{1}})
	if e := expect[wire.Error](bob); e.Code != wire.CodeFileOffset {
		t.Fatalf("bob got %+v", e)
	}
	bob.send(wire.FileAccept{ID: id, Offset: uint64(len(data)) + 1, Key: key})
	if e := expect[wire.Error](bob); e.Code != wire.CodeFileOffset {
		t.Fatalf("bob got %+v", e)
	}
	leg2 := accept(t, bob, alice, id, uint64(len(held)), key)
	if leg2 == leg {
		t.Fatal("the resumed leg has the old leg's id")
	}
	done := make(chan error, 1)
	var rest []byte
	var sum [32]byte
	go func() {
		var err error
		rest, sum, err = receiveFile(bob, id)
		done <- err
	}()
	sendFile(t, alice, leg2, data, uint64(len(held)))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(append(held, rest...), data) || sum != sha256.Sum256(data) {
		t.Fatal("the resumed file differs")
	}
	if c := until[wire.FileClosed](alice); c.ID != id {
		t.Fatalf("alice got %+v", c)
	}
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
	alice.send(wire.FileAbort{ID: 999})
	if e := expect[wire.Error](alice); e.Code != wire.CodeNoTransfer {
		t.Fatalf("got %+v", e)
	}
	bob.send(wire.FileAccept{ID: 999})
	if e := expect[wire.Error](bob); e.Code != wire.CodeNoTransfer {
		t.Fatalf("got %+v", e)
	}

	// Bob may not feed alice's leg; more data than offered aborts it.
	alice.send(wire.FileOffer{Ref: 7, To: "bob", Name: "a.txt", Size: 3})
	id := expect[wire.FileOffered](alice).ID
	expect[wire.FileOffered](bob)
	leg := accept(t, bob, alice, id, 0, [wire.FileKeySize]byte{})
	bob.send(wire.FileChunk{ID: leg, Data: []byte("evil")})
	bob.quiet()
	alice.send(wire.FileChunk{ID: leg, Data: []byte("four")})
	if st := expect[wire.FileStatus](alice); st.ID != id || st.State != wire.RecipientCanceled {
		t.Fatalf("got %+v", st)
	}
	expect[wire.FileClosed](alice)
	if a := expect[wire.FileAbort](bob); a.ID != id {
		t.Fatalf("got %+v", a)
	}

	// The sender canceling tells the recipient.
	alice.send(wire.FileOffer{Ref: 8, To: "bob", Name: "c.txt", Size: 100})
	id = expect[wire.FileOffered](alice).ID
	expect[wire.FileOffered](bob)
	alice.send(wire.FileAbort{ID: id})
	if a := expect[wire.FileAbort](bob); a.ID != id || a.Reason != "canceled by the sender" {
		t.Fatalf("got %+v", a)
	}

	// The sender leaving interrupts the transfer for the recipient.
	alice.send(wire.FileOffer{Ref: 9, To: "bob", Name: "b.txt", Size: 100})
	id = expect[wire.FileOffered](alice).ID
	expect[wire.FileOffered](bob)
	leg = accept(t, bob, alice, id, 0, [wire.FileKeySize]byte{})
	alice.send(wire.FileChunk{ID: leg, Data: []byte("partial")})
	expect[wire.FileChunk](bob)
	alice.send(wire.Quit{})
	if a := expect[wire.FileInterrupted](bob); a.ID != id {
		t.Fatalf("got %+v", a)
	}
	if l := expect[wire.Left](bob); l.User != "alice" {
		t.Fatalf("got %+v", l)
	}

	// With files off, offers are refused; back on, they are taken.
	carol := join(t, h.addr, "carol")
	bob.sync()
	h.send(SetFiles{Off: true})
	h.inspect(func(*hub) {}) // the policy is in force before the next frame
	carol.send(wire.FileOffer{Ref: 10, To: "bob", Name: "c.txt", Size: 10})
	if e := expect[wire.Error](carol); e.Code != wire.CodeFilesOff || e.Ref != 10 {
		t.Fatalf("got %+v", e)
	}
	h.send(SetFiles{MaxSize: 5})
	h.inspect(func(*hub) {}) // the policy is in force before the next frame
	carol.send(wire.FileOffer{Ref: 11, To: "bob", Name: "c.txt", Size: 10})
	if e := expect[wire.Error](carol); e.Code != wire.CodeFileRejected || e.Ref != 11 {
		t.Fatalf("got %+v", e)
	}
	carol.send(wire.FileOffer{Ref: 12, To: "bob", Name: "c.txt", Size: 5})
	id = expect[wire.FileOffered](carol).ID
	expect[wire.FileOffered](bob)
	bob.send(wire.FileAbort{ID: id, Reason: "no thanks"})
	if st := expect[wire.FileStatus](carol); st.ID != id || st.State != wire.RecipientDeclined || st.Nick != "bob" {
		t.Fatalf("got %+v", st)
	}
	if c := expect[wire.FileClosed](carol); c.ID != id {
		t.Fatalf("got %+v", c)
	}
	h.inspect(func(hb *hub) {
		if len(hb.files) != 0 || len(hb.legs) != 0 {
			t.Errorf("%d transfers, %d legs left", len(hb.files), len(hb.legs))
		}
	})
}

// TestFileRelayThroughput relays 64 MiB from one client to another through
// a real server on loopback (TLS), the sender keeping 4 or 8 chunks
// unacknowledged (the client keeps 8), and logs the rates side by side. (For profiling: go test
// -run FileRelayThroughput -cpuprofile.)
func TestFileRelayThroughput(t *testing.T) {
	if testing.Short() {
		t.Skip("relays 256 MiB")
	}
	h := startServer(t, testConfig())
	cs := joinAll(t, h.addr, "alice", "bob")
	alice, bob := cs[0], cs[1]
	relay := func(window uint64) float64 {
		const size = 64 << 20
		alice.send(wire.FileOffer{Ref: 1, To: "bob", Name: "bench.bin", Size: size})
		id := until[wire.FileOffered](alice).ID
		until[wire.FileOffered](bob)
		bob.send(wire.FileAccept{ID: id})
		leg := until[wire.FileSend](alice).Leg
		chunk := wire.Encode(wire.FileChunk{ID: leg, Data: make([]byte, wire.MaxChunk)})
		done := make(chan error, 1)
		start := time.Now()
		go func() {
			var got uint64
			for got < size {
				m, err := bob.read(wait)
				if err != nil {
					done <- err
					return
				}
				if c, ok := m.(wire.FileChunk); ok {
					got += uint64(len(c.Data))
				}
			}
			done <- nil
		}()
		var sent, acked uint64
		for sent < size {
			for sent-acked >= window {
				if a, ok := alice.next().(wire.FileAck); ok && a.ID == leg {
					acked = a.Bytes
				}
			}
			alice.write(chunk)
			sent += wire.MaxChunk
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		alice.send(wire.FileAbort{ID: id})
		return 64 / time.Since(start).Seconds()
	}
	for range 2 {
		for _, w := range []uint64{4, 8} {
			t.Logf("window %2d chunks: %4.0f MiB/s", w, relay(w*wire.MaxChunk))
		}
	}
}

// TestOutboxBulkAfterChat: file chunks queued to a connection do not hold up
// what comes after them: the writer gets other frames first and at most
// bulkTake bytes of chunks per take, is woken again for the rest, and a
// leg's end goes behind its chunks. What is owed counts both.
func TestOutboxBulkAfterChat(t *testing.T) {
	acct := &budget{}
	o := newOutbox(1<<20, nil, 0, acct)
	chunk := func(i byte) outFrame {
		b := make([]byte, wire.HeaderSize+8+wire.MaxChunk)
		b[len(b)-1] = i
		l := &leg{tr: &transfer{from: &conn{out: newOutbox(1<<20, nil, 0, nil)}}}
		tk := &ticket{l: l, buf: &b}
		tk.n.Store(1)
		return outFrame{b: b, t: tk}
	}
	for i := range byte(5) {
		o.pushBulk(chunk(i))
	}
	if !o.pushBehindBulk(outFrame{b: []byte("end")}) {
		t.Fatal("the end did not go behind the chunks")
	}
	o.stage(outFrame{b: []byte("chat")}, false)
	if r := o.handover(false); r != pushed {
		t.Fatalf("handover: %v", r)
	}
	owed, _ := o.owed()
	if want := int64(5*cost(chunk(0)) + cost(outFrame{b: []byte("end")}) + cost(outFrame{b: []byte("chat")})); owed != want || acct.used.Load() != want {
		t.Fatalf("owed %d, account %d, want %d", owed, acct.used.Load(), want)
	}
	var got []string
	for takes := 0; ; takes++ {
		select {
		case <-o.wake:
		default:
			if n, _ := o.owed(); n != 0 {
				t.Fatalf("%d bytes owed and the writer not woken", n)
			}
			if want := "chat 0 1 | 2 3 | 4 end |"; strings.Join(got, " ") != want {
				t.Fatalf("writes %q, want %q", strings.Join(got, " "), want)
			}
			return
		}
		frames, _, _, _ := o.take(nil)
		size := 0
		for _, f := range frames {
			if f.t != nil {
				got = append(got, fmt.Sprint(f.b[len(f.b)-1]))
				size += len(f.b)
			} else {
				got = append(got, string(f.b))
			}
			o.sent(int64(cost(f)))
		}
		if size > bulkTake {
			t.Fatalf("one take of %d bytes of chunks", size)
		}
		got = append(got, "|")
	}
}
