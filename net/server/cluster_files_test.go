package server

import (
	"bytes"
	"crypto/sha256"
	"math/rand/v2"
	"testing"

	"github.com/multichat/multichat/net/wire"
)

// relayFile streams data as leg from sender while rcpt reads it as transfer id
// (on another goroutine), and returns what rcpt got and what sendFile saw.
func relayFile(t *testing.T, sender, rcpt *client, leg, id uint64, data []byte) (got []byte, sum [32]byte, acks []uint64, other []wire.Message) {
	t.Helper()
	done := make(chan struct{})
	var rerr error
	go func() {
		defer close(done)
		got, sum, rerr = receiveFile(rcpt, id)
	}()
	acks, other = sendFile(t, sender, leg, data, 0)
	<-done
	if rerr != nil {
		t.Fatal(rerr)
	}
	return got, sum, acks, other
}

// TestClusterFiles: a file offered to the lobby from server 0 reaches a user
// on server 1 whole (acknowledged chunk by chunk across the servers), a
// user on server 2 declines it and the sender is told; then a private
// offer to server 2 is interrupted when its sender leaves.
func TestClusterFiles(t *testing.T) {
	ms := startCluster(t, 3)
	alice := join(t, ms[0].addr, "alice")
	bob := join(t, ms[1].addr, "bob")
	carol := join(t, ms[2].addr, "carol")
	for _, c := range []*client{alice, bob, carol} {
		c.seeUsers(wire.Lobby, "alice", "bob", "carol")
	}

	data := make([]byte, 700_000)
	rand.NewChaCha8([32]byte{7}).Read(data)
	key := [wire.FileKeySize]byte{4, 2}
	alice.send(wire.FileOffer{Ref: 1, Room: wire.Lobby, Name: "사진.jpg", Size: uint64(len(data)), Key: key})
	mine := until[wire.FileOffered](alice)
	toBob, toCarol := until[wire.FileOffered](bob), until[wire.FileOffered](carol)
	for _, o := range []wire.FileOffered{toBob, toCarol} {
		if o.From != "alice" || o.Name != "사진.jpg" || o.Size != uint64(len(data)) || o.Key != key || o.Room != wire.Lobby {
			t.Fatalf("offer %+v", o)
		}
	}
	carol.send(wire.FileAbort{ID: toCarol.ID, Reason: "no thanks"})
	if st := until[wire.FileStatus](alice); st.Nick != "carol" || st.State != wire.RecipientDeclined || st.Reason != "no thanks" {
		t.Fatalf("alice: %+v, want carol declining", st)
	}

	bob.send(wire.FileAccept{ID: toBob.ID, Key: key})
	fs := until[wire.FileSend](alice)
	if fs.ID != mine.ID || fs.To != "bob" || fs.Offset != 0 {
		t.Fatalf("alice: %+v", fs)
	}
	got, sum, acks, _ := relayFile(t, alice, bob, fs.Leg, toBob.ID, data)
	if !bytes.Equal(got, data) || sum != sha256.Sum256(data) {
		t.Fatalf("bob got %d bytes, want %d identical", len(got), len(data))
	}
	if len(acks) == 0 || acks[len(acks)-1] != uint64(len(data)) {
		t.Fatalf("acks %v", acks)
	}
	if st := until[wire.FileStatus](alice); st.Nick != "bob" || st.State != wire.RecipientReceived {
		t.Fatalf("alice: %+v, want bob's copy received", st)
	}
	if c := until[wire.FileClosed](alice); c.ID != mine.ID {
		t.Fatalf("alice: %+v", c)
	}

	// A private offer to carol ends when alice leaves.
	alice.send(wire.FileOffer{Ref: 2, To: "carol", Name: "b.txt", Size: 10})
	offer := until[wire.FileOffered](carol)
	if offer.To != "carol" || offer.From != "alice" {
		t.Fatalf("carol: %+v", offer)
	}
	alice.send(wire.Quit{})
	alice.closed()
	if in := until[wire.FileInterrupted](carol); in.ID != offer.ID {
		t.Fatalf("carol: %+v", in)
	}
	for _, m := range ms {
		m.inspect(func(h *hub) {
			if len(h.files) != 0 || h.cl.rfiles != nil && len(h.cl.rfiles.byID) != 0 {
				t.Errorf("%s: transfers left: %d here, %+v from others", h.cfg.Name, len(h.files), h.cl.rfiles.byID)
			}
		})
	}
}

// TestClusterFileRecipientServerDies: when the recipient's server dies in
// the middle of a transfer, the sender is told the recipient is away (as
// when a recipient of its own server drops).
func TestClusterFileRecipientServerDies(t *testing.T) {
	ms := startCluster(t, 2)
	alice := join(t, ms[0].addr, "alice")
	bob := join(t, ms[1].addr, "bob")
	alice.seeUsers(wire.Lobby, "alice", "bob")
	alice.send(wire.FileOffer{Ref: 1, To: "bob", Name: "big.bin", Size: 1 << 20})
	mine := until[wire.FileOffered](alice)
	offer := until[wire.FileOffered](bob)
	bob.send(wire.FileAccept{ID: offer.ID})
	fs := until[wire.FileSend](alice)
	alice.send(wire.FileChunk{ID: fs.Leg, Data: make([]byte, wire.MaxChunk)})
	if c := until[wire.FileChunk](bob); c.ID != offer.ID || len(c.Data) != wire.MaxChunk {
		t.Fatalf("bob: chunk %d of %d bytes", c.ID, len(c.Data))
	}
	ms[1].node.Kill()
	ms[1].close()
	bob.closed()
	st := until[wire.FileStatus](alice)
	if st.ID != mine.ID || st.Nick != "bob" || st.State != wire.RecipientAway {
		t.Fatalf("alice: %+v, want bob away", st)
	}
}
