package clientmodel

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

func TestFileOfferAcceptDecline(t *testing.T) {
	r := newRec(t)
	online(t, r, "127.0.0.1:5000", "alice", "bob")
	r.take()
	r.Apply([]client.Event{client.FileOffered{Transfer: 3, Key: "k1", From: "bob", To: "alice", Name: "사진.JPG", Size: 2 << 20, Free: 1 << 30}})
	tr := r.Transfer("k1")
	if tr == nil || tr.State != TransferAsking || tr.Conv != r.PrivateConv("bob") || tr.Type != "image/jpeg" {
		t.Fatalf("card: %#v", tr)
	}
	if len(r.sent) != 0 {
		t.Fatalf("sent %#v before the user answered", r.sent)
	}
	if !r.Take().Files {
		t.Fatal("no Files change")
	}
	r.AcceptFile("k1")
	if a := last[client.AcceptFile](t, r); a.Key != "k1" || tr.State != TransferRunning {
		t.Fatalf("accept: %#v, %v", a, tr.State)
	}
	// Progress: speed and time left from the model's clock.
	now := time.Date(2026, 3, 4, 14, 2, 0, 0, time.Local)
	r.SetClock(func() time.Time { return now })
	r.Apply([]client.Event{client.FileProgress{Key: "k1", Bytes: 0, Size: 2 << 20}})
	now = now.Add(time.Second)
	r.Apply([]client.Event{client.FileProgress{Key: "k1", Bytes: 512 << 10, Size: 2 << 20}})
	if tr.Speed != 512<<10 || tr.Left() != 3*time.Second || tr.Fraction() != 0.25 {
		t.Fatalf("speed %v, left %v, fraction %v", tr.Speed, tr.Left(), tr.Fraction())
	}
	r.Apply([]client.Event{client.FileInterrupted{Key: "k1", Bytes: 600 << 10, Size: 2 << 20, Reason: "bob's connection ended"}})
	if tr.State != TransferPaused || tr.Bytes != 600<<10 || tr.Why == "" {
		t.Fatalf("paused: %#v", tr)
	}
	r.Apply([]client.Event{client.FileOffered{Transfer: 9, Key: "k1", From: "bob", To: "alice", Name: "사진.JPG", Size: 2 << 20, Resumed: true}})
	if tr.State != TransferRunning || len(r.Transfers) != 1 {
		t.Fatalf("resumed: %#v (%d cards)", tr, len(r.Transfers))
	}
	r.Apply([]client.Event{client.FileDone{Key: "k1", Path: "/home/alice/다운로드/사진.JPG"}})
	if tr.State != TransferDone || tr.Path == "" {
		t.Fatalf("done: %#v", tr)
	}
	r.DismissFile("k1")
	if len(r.Transfers) != 0 {
		t.Fatal("the card stayed")
	}

	// Decline.
	r.Apply([]client.Event{client.FileOffered{Transfer: 4, Key: "k2", From: "bob", Room: "lobby", Name: "x.bin", Size: 10, Free: -1}})
	r.CancelFile("k2")
	if c := last[client.CancelFile](t, r); c.Key != "k2" {
		t.Fatalf("cancel: %#v", c)
	}
	r.Apply([]client.Event{client.FileDone{Key: "k2", Err: errors.New("declined")}})
	if tr := r.Transfer("k2"); tr.State != TransferFailed || tr.Conv != r.lobby() {
		t.Fatalf("declined: %#v", tr)
	}
}

// An offer that does not fit says so and is not accepted.
func TestFileOfferDoesNotFit(t *testing.T) {
	r := newRec(t)
	online(t, r, "127.0.0.1:5000", "alice", "bob")
	r.take()
	r.Apply([]client.Event{client.FileOffered{Transfer: 3, Key: "k", From: "bob", To: "alice", Name: "big.iso", Size: 5 << 30, Free: 1 << 30}})
	tr := r.Transfer("k")
	if tr.Fits() {
		t.Fatal("5 GiB fits in 1 GiB")
	}
	r.AcceptFile("k")
	if len(r.sent) != 0 || tr.State != TransferAsking || tr.Why == "" {
		t.Fatalf("sent %#v; card %#v", r.sent, tr)
	}
}

// Auto-accept: off by default; on, only from people I have a private chat
// with, only private offers, only up to the size chosen.
func TestFileAutoAccept(t *testing.T) {
	r := newRec(t)
	online(t, r, "127.0.0.1:5000", "alice", "bob", "carol")
	r.take()
	offer := func(key, from, to string, size int64) {
		r.Apply([]client.Event{client.FileOffered{Key: key, From: from, To: to, Name: "a.txt", Size: size, Free: -1}})
	}
	r.PrivateConv("bob")
	offer("1", "bob", "alice", 10)
	if len(r.sent) != 0 {
		t.Fatalf("off by default, sent %#v", r.sent)
	}
	r.AutoAcceptMax = 1 << 20
	offer("2", "bob", "alice", 10)
	if a := last[client.AcceptFile](t, r); a.Key != "2" {
		t.Fatalf("accept: %#v", a)
	}
	offer("3", "bob", "alice", 2<<20) // too big
	offer("4", "carol", "alice", 10)  // no private chat with carol
	offer("5", "bob", "", 10)         // to the lobby
	if len(r.sent) != 0 {
		t.Fatalf("sent %#v", r.sent)
	}
}

// /send takes quotes, spaces and ~.
func TestSendFilePaths(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home)
	path := filepath.Join(home, "My Files", "보고서 최종.pdf")
	os.MkdirAll(filepath.Dir(path), 0o755)
	os.WriteFile(path, []byte("pdf"), 0o644)
	r := newRec(t)
	online(t, r, "127.0.0.1:5000", "alice", "bob")
	r.take()
	for _, in := range []string{"/send ~/My Files/보고서 최종.pdf", `/send "~/My Files/보고서 최종.pdf"`, "/send '" + path + "'", "/send " + path} {
		r.Submit(in)
		if s := last[client.SendFile](t, r); s.Path != path || s.Room != "lobby" {
			t.Fatalf("%s: %#v", in, s)
		}
	}
	r.Submit("/send ~/nothing.txt")
	if len(r.sent) != 0 || r.Hint == "" {
		t.Fatalf("missing file: sent %#v, hint %q", r.sent, r.Hint)
	}
	if n := r.SendFiles([]string{path, path, filepath.Join(home, "My Files")}); n != 2 {
		t.Fatalf("SendFiles offered %d", n)
	}
}

// The sender's card collects what became of each recipient.
func TestFileSenderNotes(t *testing.T) {
	r := newRec(t)
	online(t, r, "127.0.0.1:5000", "alice", "bob", "carol")
	r.Apply([]client.Event{client.FileOffered{Key: "k", Mine: true, From: "alice", Room: "lobby", Name: "a.txt", Size: 10, ID: 1}})
	tr := r.Transfer("k")
	if tr.State != TransferWaiting {
		t.Fatalf("card: %#v", tr)
	}
	r.Apply([]client.Event{client.FileStatus{Key: "k", Nick: "carol", State: wire.RecipientDeclined, Reason: "declined"},
		client.FileProgress{Key: "k", Mine: true, To: "bob", Bytes: 10, Size: 10},
		client.FileStatus{Key: "k", Nick: "bob", State: wire.RecipientReceived},
		client.FileDone{Key: "k", Mine: true}})
	if tr.State != TransferDone || len(tr.Notes) != 2 || tr.Notes[0] != "carol: declined" || tr.Notes[1] != "bob: received" {
		t.Fatalf("card: %#v", tr)
	}
}

// TestFileRoomSenderBars: a file I offer to a room has a bar per recipient
// that accepted, each moving on its own; what became of each stays on its
// line, and a decline adds none.
func TestFileRoomSenderBars(t *testing.T) {
	r := newRec(t)
	online(t, r, "127.0.0.1:5000", "alice", "bob", "carol", "dave")
	r.Apply([]client.Event{client.FileOffered{Key: "k", Mine: true, From: "alice", Room: "lobby", Name: "a.bin", Size: 1000, ID: 1}})
	r.Apply([]client.Event{client.FileStatus{Key: "k", Nick: "dave", State: wire.RecipientDeclined, Reason: "declined"},
		client.FileProgress{Key: "k", Mine: true, To: "bob", Bytes: 800, Size: 1000},
		client.FileProgress{Key: "k", Mine: true, To: "carol", Bytes: 100, Size: 1000}})
	tr := r.Transfer("k")
	if len(tr.Rcpts) != 2 || tr.Rcpts[0].Nick != "bob" || tr.Rcpts[0].Bytes != 800 || tr.Rcpts[1].Nick != "carol" || tr.Rcpts[1].Bytes != 100 {
		t.Fatalf("recipients: %+v", tr.Rcpts)
	}
	if tr.Bytes != 800 {
		t.Fatalf("the card follows the furthest ahead: %d", tr.Bytes)
	}
	r.Apply([]client.Event{client.FileStatus{Key: "k", Nick: "bob", State: wire.RecipientReceived},
		client.FileStatus{Key: "k", Nick: "carol", State: wire.RecipientAway, Reason: "carol's connection ended"}})
	if b, c := tr.Rcpts[0], tr.Rcpts[1]; b.Bytes != 1000 || b.Note != "received" || !b.Done || c.Bytes != 100 || c.Done || c.Note == "" {
		t.Fatalf("recipients: %+v %+v", *b, *c)
	}
	r.Apply([]client.Event{client.FileProgress{Key: "k", Mine: true, To: "carol", Bytes: 300, Size: 1000}})
	if c := tr.Rcpts[1]; c.Bytes != 300 || c.Note != "" || tr.State != TransferRunning {
		t.Fatalf("carol back: %+v, state %v", *c, tr.State)
	}
	// A private offer has one bar, the card's own.
	r.Apply([]client.Event{client.FileOffered{Key: "p", Mine: true, From: "alice", To: "bob", Name: "b.bin", Size: 10, ID: 2},
		client.FileProgress{Key: "p", Mine: true, To: "bob", Bytes: 5, Size: 10}})
	if p := r.Transfer("p"); len(p.Rcpts) != 0 || p.Bytes != 5 {
		t.Fatalf("private: %+v", p)
	}
}
