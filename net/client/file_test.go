package client

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/multichat/multichat/net/wire"
)

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSendFileWindowAndHash(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t)
	p, _ := connect(h, f, "alice")
	data := randomBytes(t, 10*wire.MaxChunk+123)
	path := tempFile(t, "사진.jpg", data)

	h.do(SendFile{ID: 9, Path: path})
	offer := expect[wire.FileOffer](p)
	if offer.Key == ([wire.FileKeySize]byte{}) {
		t.Fatal("the offer has no key")
	}
	equal(t, "offer", offer, wire.FileOffer{Ref: offer.Ref, Room: "lobby", Name: "사진.jpg", Size: uint64(len(data)), Key: offer.Key})
	p.send(wire.FileOffered{ID: 77, Time: 1, From: "alice", Room: "lobby", Name: "사진.jpg", Size: uint64(len(data)), Ref: offer.Ref, Key: offer.Key})
	key := keyString(offer.Key)
	equal(t, "offered", nextIs[FileOffered](h), FileOffered{Transfer: 77, Key: key, From: "alice", Room: "lobby", Name: "사진.jpg",
		Size: int64(len(data)), Mine: true, ID: 9})
	p.nothing(50 * time.Millisecond) // nobody has accepted yet

	p.send(wire.FileSend{ID: 77, Leg: 78, To: "bob"})
	var got []byte
	for range window / wire.MaxChunk {
		c := expect[wire.FileChunk](p)
		if c.ID != 78 || len(c.Data) != wire.MaxChunk {
			t.Fatalf("chunk: id %d, %d bytes", c.ID, len(c.Data))
		}
		got = append(got, c.Data...)
	}
	p.nothing(50 * time.Millisecond) // the window is full
	p.send(wire.FileAck{ID: 78, Bytes: 3 * wire.MaxChunk})
	for range 3 {
		got = append(got, expect[wire.FileChunk](p).Data...)
	}
	end := expect[wire.FileEnd](p)
	if !bytes.Equal(got, data) || end.ID != 78 || end.SHA256 != sha256.Sum256(data) {
		t.Fatal("the file arrived different from what was sent")
	}
	p.send(wire.FileAck{ID: 78, Bytes: uint64(len(data))})

	// A second recipient resumes from an offset: the rest, and the hash
	// of the whole file.
	p.send(wire.FileSend{ID: 77, Leg: 79, Offset: 7 * wire.MaxChunk, To: "carol"})
	got = nil
	for range 4 {
		got = append(got, expect[wire.FileChunk](p).Data...)
	}
	end = expect[wire.FileEnd](p)
	if !bytes.Equal(got, data[7*wire.MaxChunk:]) || end.ID != 79 || end.SHA256 != sha256.Sum256(data) {
		t.Fatal("the resumed leg differs")
	}
	p.send(wire.FileStatus{ID: 77, Leg: 78, Nick: "bob", State: wire.RecipientReceived},
		wire.FileStatus{ID: 77, Leg: 79, Nick: "carol", State: wire.RecipientCanceled, Reason: "disk full"},
		wire.FileClosed{ID: 77})
	var progress []FileProgress
	var status []FileStatus
	for {
		switch ev := h.next().(type) {
		case FileProgress:
			progress = append(progress, ev)
			continue
		case FileStatus:
			status = append(status, ev)
			continue
		case FileDone:
			equal(t, "done", ev, FileDone{Transfer: 77, Key: key, Mine: true})
		default:
			t.Fatalf("unexpected %#v", ev)
		}
		break
	}
	if len(progress) == 0 || progress[len(progress)-1].Bytes != int64(len(data)) || progress[0].To != "bob" {
		t.Fatalf("progress: %#v", progress)
	}
	equal(t, "status", status, []FileStatus{{Key: key, Nick: "bob", State: wire.RecipientReceived},
		{Key: key, Nick: "carol", State: wire.RecipientCanceled, Reason: "disk full"}})
}

func TestSendFileErrors(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t)
	h.do(SendFile{ID: 1, Path: "/nowhere/report.pdf"})
	if e := nextIs[Error](h); !errors.Is(e.Err, ErrNotConnected) && !strings.Contains(e.Err.Error(), "not connected") {
		t.Fatalf("not connected: %#v", e)
	}
	p, _ := connect(h, f, "alice")
	h.do(SendFile{ID: 1, Path: filepath.Join(t.TempDir(), "report.pdf")})
	equal(t, "missing", nextIs[Error](h).Err.Error(), "cannot send report.pdf: no such file")
	h.do(SendFile{ID: 2, Path: t.TempDir()})
	if e := nextIs[Error](h); !strings.Contains(e.Err.Error(), "not a regular file") {
		t.Fatalf("directory: %#v", e)
	}
	// The server refuses the offer.
	path := tempFile(t, "big.iso", []byte("pretend this is big"))
	h.do(SendFile{ID: 3, Path: path, To: "bob"})
	offer := expect[wire.FileOffer](p)
	if offer.To != "bob" || offer.Room != "" {
		t.Fatalf("offer: %#v", offer)
	}
	p.send(wire.Error{Code: wire.CodeFileRejected, Ref: offer.Ref, Text: "file too large"})
	e := nextIs[Error](h)
	if e.Code != wire.CodeFileRejected || e.Err.Error() != "cannot send big.iso: file too large" {
		t.Fatalf("refused: %#v", e)
	}
	// Connection lost mid-transfer: interrupted, offered again (same key)
	// once the connection is back.
	h.do(SendFile{ID: 4, Path: path})
	offer = expect[wire.FileOffer](p)
	p.send(wire.FileOffered{ID: 5, From: "alice", Room: "lobby", Name: "big.iso", Size: offer.Size, Ref: offer.Ref},
		wire.FileSend{ID: 5, Leg: 6, To: "bob"})
	nextIs[FileOffered](h)
	expect[wire.FileChunk](p)
	p.close()
	if d, _ := waitFor[FileInterrupted](h); d.Key != keyString(offer.Key) || !d.Mine {
		t.Fatalf("interrupted: %#v", d)
	}
	nextIs[Disconnected](h)
	nextIs[Reconnecting](h)
	p = f.accept()
	p.welcome(wire.Welcome{Nick: "alice"})
	if again := expect[wire.FileOffer](p); again.Key != offer.Key || again.Name != "big.iso" {
		t.Fatalf("offered again: %#v", again)
	}
	// Canceled by the sender before anyone accepted.
	h.do(CancelFile{Key: keyString(offer.Key)})
	if d, _ := waitFor[FileDone](h); d.Key != keyString(offer.Key) || d.Err == nil || !d.Mine {
		t.Fatalf("canceled: %#v", d)
	}
}

func TestReceiveFile(t *testing.T) {
	f := newFakeServer(t)
	dir := t.TempDir()
	h := startClient(t, WithDownloadDir(dir))
	p, _ := connect(h, f, "alice")
	data := randomBytes(t, 2*wire.MaxChunk+7)

	offered := func(id uint64, name string, size int) FileOffered {
		t.Helper()
		key := [wire.FileKeySize]byte{byte(id)}
		p.send(wire.FileOffered{ID: id, From: "bob", Room: "lobby", Name: name, Size: uint64(size), Key: key})
		o := nextIs[FileOffered](h)
		equal(t, "offered", o, FileOffered{Transfer: id, Key: keyString(key), From: "bob", Room: "lobby", Name: name,
			Size: int64(size), Free: o.Free})
		if o.Free <= 0 {
			t.Fatalf("free space: %d", o.Free)
		}
		noParts(t, dir) // nothing on disk before Accept
		h.do(AcceptFile{Key: o.Key})
		if a := expect[wire.FileAccept](p); a.ID != id || a.Offset != 0 || a.Key != key {
			t.Fatalf("accept: %#v", a)
		}
		return o
	}
	receive := func(id uint64, name string, data []byte, sum [32]byte) FileDone {
		t.Helper()
		offered(id, name, len(data))
		for off := 0; off < len(data); off += wire.MaxChunk {
			p.send(wire.FileChunk{ID: id, Data: data[off:min(off+wire.MaxChunk, len(data))]})
		}
		p.send(wire.FileEnd{ID: id, SHA256: sum})
		d, _ := waitFor[FileDone](h)
		return d
	}
	d := receive(1, "보고서.pdf", data, sha256.Sum256(data))
	equal(t, "done", d, FileDone{Transfer: 1, Key: d.Key, Path: filepath.Join(dir, "보고서.pdf")})
	if b, err := os.ReadFile(d.Path); err != nil || !bytes.Equal(b, data) {
		t.Fatalf("saved file differs (%v)", err)
	}
	// Offered again (the sender reconnected): answered without asking.
	p.send(wire.FileOffered{ID: 9, From: "bob", Room: "lobby", Name: "보고서.pdf", Size: uint64(len(data)), Key: [wire.FileKeySize]byte{1}})
	if a := expect[wire.FileAbort](p); a.ID != 9 || a.Reason != "already received" {
		t.Fatalf("abort: %#v", a)
	}
	// The same name again does not clobber it.
	d = receive(2, "보고서.pdf", []byte("second"), sha256.Sum256([]byte("second")))
	equal(t, "done", d, FileDone{Transfer: 2, Key: d.Key, Path: filepath.Join(dir, "보고서 (1).pdf")})
	// A hostile name stays inside the folder.
	d = receive(3, "../../.bashrc", []byte("x"), sha256.Sum256([]byte("x")))
	equal(t, "done", d, FileDone{Transfer: 3, Key: d.Key, Path: filepath.Join(dir, "bashrc")})
	// Corrupted: no file is left behind, and the sender is told.
	d = receive(4, "bad.bin", data, sha256.Sum256([]byte("something else")))
	if d.Err == nil || !strings.Contains(d.Err.Error(), "SHA-256") {
		t.Fatalf("corrupted: %#v", d)
	}
	if a := expect[wire.FileAbort](p); a.ID != 4 || !strings.Contains(a.Reason, "SHA-256") {
		t.Fatalf("abort: %#v", a)
	}
	// Abandoned by the sender.
	offered(5, "half.bin", 100)
	p.send(wire.FileChunk{ID: 5, Data: []byte("partial")}, wire.FileAbort{ID: 5, Reason: "canceled by the sender"})
	if d, _ := waitFor[FileDone](h); d.Err == nil || !strings.Contains(d.Err.Error(), "canceled by the sender") {
		t.Fatalf("aborted: %#v", d)
	}
	// More data than announced: the server is told.
	offered(6, "liar.bin", 3)
	p.send(wire.FileChunk{ID: 6, Data: []byte("four")})
	if d, _ := waitFor[FileDone](h); d.Err == nil {
		t.Fatalf("liar: %#v", d)
	}
	if a := expect[wire.FileAbort](p); a.ID != 6 {
		t.Fatalf("abort: %#v", a)
	}
	// Declined: the server is told, nothing is written.
	p.send(wire.FileOffered{ID: 7, From: "bob", To: "alice", Name: "spam.exe", Size: 10, Key: [wire.FileKeySize]byte{7}})
	o := nextIs[FileOffered](h)
	h.do(CancelFile{Key: o.Key})
	if a := expect[wire.FileAbort](p); a.ID != 7 || a.Reason != "declined" {
		t.Fatalf("decline: %#v", a)
	}
	if d := nextIs[FileDone](h); d.Key != o.Key || d.Err == nil {
		t.Fatalf("declined: %#v", d)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	equal(t, "download folder", names, []string{"bashrc", "보고서 (1).pdf", "보고서.pdf"})
}

func TestSanitizeFileName(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf":           "report.pdf",
		"../../etc/passwd":     "passwd",
		`C:\Windows\win.ini`:   "win.ini",
		"..":                   "file",
		".hidden":              "hidden",
		"a<b>c:d\"e|f?g*h.txt": "a_b_c_d_e_f_g_h.txt",
		"CON.txt":              "_CON.txt",
		"nul":                  "_nul",
		"trailing. . ":         "trailing",
		"bell\a\u202e.txt":     "bell.txt",
		"":                     "file",
		"한글 파일.hwp":            "한글 파일.hwp",
	} {
		if got := sanitizeFileName(in); got != want {
			t.Errorf("sanitizeFileName(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("가", 100) + ".txt"
	if got := sanitizeFileName(long); len(got) > 200 || !strings.HasSuffix(got, ".txt") || !utf8.ValidString(got) {
		t.Errorf("long name: %q", got)
	}
}

// noParts asserts that dir holds no partial download.
func noParts(t *testing.T, dir string) {
	t.Helper()
	parts, _ := filepath.Glob(filepath.Join(dir, ".multichat-*"))
	if len(parts) != 0 {
		t.Fatalf("%s holds %v", dir, parts)
	}
}

// Accepting an offer whose sender is gone waits: the sender's new offer of
// the same file starts it without asking again.
func TestAcceptWhileSenderAway(t *testing.T) {
	f := newFakeServer(t)
	dir := t.TempDir()
	h := startClient(t, WithDownloadDir(dir))
	p, _ := connect(h, f, "alice")
	key := [wire.FileKeySize]byte{4, 2}
	p.send(wire.FileOffered{ID: 3, From: "bob", To: "alice", Name: "a.bin", Size: 10, Key: key},
		wire.FileInterrupted{ID: 3, Reason: "bob's connection ended"})
	o := nextIs[FileOffered](h)
	nextIs[FileInterrupted](h)
	h.do(AcceptFile{Key: o.Key})
	if in := nextIs[FileInterrupted](h); in.Key != o.Key {
		t.Fatalf("accepted while away: %#v", in)
	}
	noParts(t, dir)
	p.send(wire.FileOffered{ID: 8, From: "bob", To: "alice", Name: "a.bin", Size: 10, Key: key})
	if again := nextIs[FileOffered](h); !again.Resumed || again.Key != o.Key {
		t.Fatalf("offered again: %#v", again)
	}
	if a := expect[wire.FileAccept](p); a.ID != 8 || a.Offset != 0 || a.Key != key {
		t.Fatalf("accept: %#v", a)
	}
}
