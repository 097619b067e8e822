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
	data := randomBytes(t, 5*wire.MaxChunk+123)
	path := tempFile(t, "사진.jpg", data)

	h.do(SendFile{ID: 9, Path: path})
	offer := expect[wire.FileOffer](p)
	equal(t, "offer", offer, wire.FileOffer{Ref: offer.Ref, Room: "lobby", Name: "사진.jpg", Size: uint64(len(data))})
	p.send(wire.FileOffered{ID: 77, Time: 1, From: "alice", Room: "lobby", Name: "사진.jpg", Size: uint64(len(data)), Ref: offer.Ref})
	equal(t, "offered", nextIs[FileOffered](h), FileOffered{Transfer: 77, From: "alice", Room: "lobby", Name: "사진.jpg",
		Size: int64(len(data)), Mine: true, ID: 9})

	var got []byte
	for range 4 {
		c := expect[wire.FileChunk](p)
		if c.ID != 77 || len(c.Data) != wire.MaxChunk {
			t.Fatalf("chunk: id %d, %d bytes", c.ID, len(c.Data))
		}
		got = append(got, c.Data...)
	}
	p.nothing(100 * time.Millisecond) // the window is full
	p.send(wire.FileAck{ID: 77, Bytes: 2 * wire.MaxChunk})
	got = append(got, expect[wire.FileChunk](p).Data...)
	got = append(got, expect[wire.FileChunk](p).Data...)
	end := expect[wire.FileEnd](p)
	if !bytes.Equal(got, data) || end.ID != 77 || end.SHA256 != sha256.Sum256(data) {
		t.Fatal("the file arrived different from what was sent")
	}
	p.send(wire.FileAck{ID: 77, Bytes: uint64(len(data))})
	var progress []FileProgress
	for {
		switch ev := h.next().(type) {
		case FileProgress:
			progress = append(progress, ev)
			continue
		case FileDone:
			equal(t, "done", ev, FileDone{Transfer: 77, Mine: true})
		default:
			t.Fatalf("unexpected %#v", ev)
		}
		break
	}
	if len(progress) == 0 || progress[len(progress)-1].Bytes != int64(len(data)) {
		t.Fatalf("progress: %#v", progress)
	}
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
	// Connection lost mid-transfer.
	h.do(SendFile{ID: 4, Path: path})
	offer = expect[wire.FileOffer](p)
	p.send(wire.FileOffered{ID: 5, From: "alice", Room: "lobby", Name: "big.iso", Size: offer.Size, Ref: offer.Ref})
	nextIs[FileOffered](h)
	expect[wire.FileChunk](p)
	p.close()
	if d, _ := waitFor[FileDone](h); d.Transfer != 5 || d.Err == nil || !d.Mine {
		t.Fatalf("done: %#v", d)
	}
}

func TestReceiveFile(t *testing.T) {
	f := newFakeServer(t)
	dir := t.TempDir()
	h := startClient(t, WithDownloadDir(dir))
	p, _ := connect(h, f, "alice")
	data := randomBytes(t, 2*wire.MaxChunk+7)

	receive := func(id uint64, name string, data []byte, sum [32]byte) FileDone {
		t.Helper()
		p.send(wire.FileOffered{ID: id, From: "bob", Room: "lobby", Name: name, Size: uint64(len(data))})
		equal(t, "offered", nextIs[FileOffered](h), FileOffered{Transfer: id, From: "bob", Room: "lobby", Name: name, Size: int64(len(data))})
		for off := 0; off < len(data); off += wire.MaxChunk {
			p.send(wire.FileChunk{ID: id, Data: data[off:min(off+wire.MaxChunk, len(data))]})
		}
		p.send(wire.FileEnd{ID: id, SHA256: sum})
		d, _ := waitFor[FileDone](h)
		return d
	}
	d := receive(1, "보고서.pdf", data, sha256.Sum256(data))
	equal(t, "done", d, FileDone{Transfer: 1, Path: filepath.Join(dir, "보고서.pdf")})
	if b, err := os.ReadFile(d.Path); err != nil || !bytes.Equal(b, data) {
		t.Fatalf("saved file differs (%v)", err)
	}
	// The same name again does not clobber it.
	d = receive(2, "보고서.pdf", []byte("second"), sha256.Sum256([]byte("second")))
	equal(t, "done", d, FileDone{Transfer: 2, Path: filepath.Join(dir, "보고서 (1).pdf")})
	// A hostile name stays inside the folder.
	d = receive(3, "../../.bashrc", []byte("x"), sha256.Sum256([]byte("x")))
	equal(t, "done", d, FileDone{Transfer: 3, Path: filepath.Join(dir, "bashrc")})
	// Corrupted: no file is left behind.
	d = receive(4, "bad.bin", data, sha256.Sum256([]byte("something else")))
	if d.Err == nil || !strings.Contains(d.Err.Error(), "SHA-256") {
		t.Fatalf("corrupted: %#v", d)
	}
	// Abandoned by the sender.
	p.send(wire.FileOffered{ID: 5, From: "bob", To: "alice", Name: "half.bin", Size: 100},
		wire.FileChunk{ID: 5, Data: []byte("partial")}, wire.FileAbort{ID: 5, Reason: "sender left"})
	nextIs[FileOffered](h)
	if d, _ := waitFor[FileDone](h); d.Err == nil || !strings.Contains(d.Err.Error(), "sender left") {
		t.Fatalf("aborted: %#v", d)
	}
	// More data than announced: declined, and the server is told.
	p.send(wire.FileOffered{ID: 6, From: "bob", Room: "lobby", Name: "liar.bin", Size: 3},
		wire.FileChunk{ID: 6, Data: []byte("four")})
	nextIs[FileOffered](h)
	if d, _ := waitFor[FileDone](h); d.Err == nil {
		t.Fatalf("liar: %#v", d)
	}
	if a := expect[wire.FileAbort](p); a.ID != 6 {
		t.Fatalf("abort: %#v", a)
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
