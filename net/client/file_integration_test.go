package client

import (
	"bytes"
	"crypto/sha256"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/multichat/multichat/net/wire"
)

// proxy forwards TCP connections to a server. cut drops them all and stops
// accepting until restore, so a client can be cut off while others carry
// on. With limits (newCapProxy) it lets at most up bytes go client to server
// and down bytes server to client on each connection, holding back the rest,
// so that a transfer can be cut at a known point however fast the machine;
// rate slows the server to client direction to that many bytes a second.
// restore listens again without limits.
type proxy struct {
	t        *testing.T
	addr     string
	target   string
	up, down int64
	rate     int64
	mu       sync.Mutex
	ln       net.Listener
	conns    []net.Conn
	wg       sync.WaitGroup
}

func newProxy(t *testing.T, target string) *proxy { return newCapProxy(t, target, 0, 0, 0) }

func newCapProxy(t *testing.T, target string, up, down, rate int64) *proxy {
	p := &proxy{t: t, target: target, up: up, down: down, rate: rate}
	p.listen("127.0.0.1:0")
	t.Cleanup(func() { p.cut(); p.wg.Wait() })
	return p
}

func (p *proxy) listen(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	up, down, rate := p.up, p.down, p.rate
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", p.target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			p.wg.Go(func() { relay(out, in, up, 0) })
			p.wg.Go(func() { relay(in, out, down, rate) })
		}
	})
}

// relay copies src to dst: at most limit bytes (0: all), at rate bytes a
// second (0: as fast as it goes).
func relay(dst, src net.Conn, limit, rate int64) {
	defer dst.Close()
	if limit > 0 {
		io.CopyN(dst, src, limit)
		io.Copy(io.Discard, src) // held back: nothing more reaches dst
		return
	}
	if rate == 0 {
		io.Copy(dst, src)
		return
	}
	buf := make([]byte, 16<<10)
	start, total := time.Now(), int64(0)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
			total += int64(n)
			// A slow link: data leaves no faster than rate.
			time.Sleep(time.Until(start.Add(time.Duration(total * int64(time.Second) / rate))))
		}
		if err != nil {
			return
		}
	}
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// restore listens again on the same address, without limits.
func (p *proxy) restore() {
	p.mu.Lock()
	p.up, p.down, p.rate = 0, 0, 0
	p.mu.Unlock()
	p.listen(p.addr)
}

// offerTo sends path from alice to bob and returns bob's FileOffered.
func offerTo(t *testing.T, alice, bob *harness, path, to string) FileOffered {
	t.Helper()
	alice.do(SendFile{ID: 7, Path: path, To: to})
	if o, _ := waitFor[FileOffered](alice); !o.Mine || o.ID != 7 {
		t.Fatalf("offered: %#v", o)
	}
	o, _ := waitFor[FileOffered](bob)
	if o.Mine || o.From != "alice" || o.Key == "" {
		t.Fatalf("offered to bob: %#v", o)
	}
	return o
}

// waitProgress waits until h reports at least n bytes of a transfer.
func waitProgress(h *harness, n int64) {
	h.t.Helper()
	for {
		if p, _ := waitFor[FileProgress](h); p.Bytes >= n {
			return
		}
	}
}

func sameFile(t *testing.T, path string, data []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(b, data) || sha256.Sum256(b) != sha256.Sum256(data) {
		t.Fatalf("%s differs from what was sent (%v)", path, err)
	}
}

func TestRealServerFileTransfer(t *testing.T) {
	s := startServer(t, noFlood)
	dir := t.TempDir()
	alice := join(t, s, "alice")
	bob := join(t, s, "bob", WithDownloadDir(dir))
	data := randomBytes(t, 300<<10+17)
	path := tempFile(t, "데이터 파일.bin", data)

	o := offerTo(t, alice, bob, path, "bob")
	if o.Name != "데이터 파일.bin" || o.To != "bob" || o.Size != int64(len(data)) || o.Free <= 0 {
		t.Fatalf("offered to bob: %#v", o)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("before Accept the folder holds %v", entries)
	}
	bob.do(AcceptFile{Key: o.Key})
	done, _ := waitFor[FileDone](bob)
	if done.Err != nil {
		t.Fatal(done.Err)
	}
	sameFile(t, done.Path, data)
	if st, _ := waitFor[FileStatus](alice); st.Nick != "bob" || st.State != wire.RecipientReceived {
		t.Fatalf("status: %#v", st)
	}
	if d, _ := waitFor[FileDone](alice); !d.Mine || d.Err != nil || d.Key != o.Key {
		t.Fatalf("sender done: %#v", d)
	}
}

// Declining tells the sender and writes nothing; canceling from either side
// mid-transfer tells the other side why and leaves no partial file.
func TestRealServerFileDeclineAndCancel(t *testing.T) {
	s := startServer(t, noFlood)
	dir := t.TempDir()
	alice := join(t, s, "alice")
	// bob's link is slow (4 MiB/s) so that the transfer is still under
	// way when someone cancels.
	p := newCapProxy(t, s.Addr, 0, 0, 4<<20)
	bob := startClient(t, WithDownloadDir(dir))
	bob.do(Connect{Addr: p.addr, Nick: "bob"})
	waitFor[Connected](bob)
	data := randomBytes(t, 16<<20)
	path := tempFile(t, "big.bin", data)

	o := offerTo(t, alice, bob, path, "bob")
	bob.do(CancelFile{Key: o.Key})
	if d, _ := waitFor[FileDone](bob); d.Err == nil || d.Key != o.Key {
		t.Fatalf("declined: %#v", d)
	}
	if st, _ := waitFor[FileStatus](alice); st.Nick != "bob" || st.State != wire.RecipientDeclined || st.Reason != "declined" {
		t.Fatalf("status: %#v", st)
	}
	waitFor[FileDone](alice)

	// The sender cancels mid-transfer.
	o = offerTo(t, alice, bob, path, "bob")
	bob.do(AcceptFile{Key: o.Key})
	waitProgress(alice, wire.MaxChunk)
	alice.do(CancelFile{Key: o.Key})
	if d, _ := waitFor[FileDone](alice); d.Err == nil || !d.Mine {
		t.Fatalf("sender canceled: %#v", d)
	}
	if d, _ := waitFor[FileDone](bob); d.Err == nil || !strings.Contains(d.Err.Error(), "canceled by the sender") {
		t.Fatalf("recipient told: %#v", d)
	}
	noParts(t, dir)
}

// The recipient cancels mid-transfer: the sender is told.
func TestRealServerFileRecipientCancels(t *testing.T) {
	s := startServer(t, noFlood)
	dir := t.TempDir()
	bob := join(t, s, "bob", WithDownloadDir(dir))
	// carol's uploads are held back after 256 KiB.
	p := newCapProxy(t, s.Addr, 256<<10, 0, 0)
	carol := startClient(t)
	carol.do(Connect{Addr: p.addr, Nick: "carol"})
	waitFor[Connected](carol)
	data := randomBytes(t, 4<<20)
	path := tempFile(t, "big.bin", data)
	carol.do(SendFile{ID: 1, Path: path, To: "bob"})
	o, _ := waitFor[FileOffered](bob)
	bob.do(AcceptFile{Key: o.Key})
	waitProgress(bob, wire.MaxChunk)
	bob.do(CancelFile{Key: o.Key, Reason: "changed my mind"})
	if d, _ := waitFor[FileDone](bob); d.Err == nil {
		t.Fatalf("canceled: %#v", d)
	}
	noParts(t, dir)
	if st, _ := waitFor[FileStatus](carol); st.Nick != "bob" || st.State != wire.RecipientCanceled || st.Reason != "changed my mind" {
		t.Fatalf("sender told: %#v", st)
	}
}

// A recipient cut off mid-transfer gets the rest when it is back, from
// where it stopped; the file's SHA-256 matches.
func TestRealServerFileResumeRecipientCut(t *testing.T) { resumeAfterCut(t, false) }

// A sender cut off mid-transfer offers the file again when it is back; the
// recipient carries on from what it holds, without being asked again.
func TestRealServerFileResumeSenderCut(t *testing.T) { resumeAfterCut(t, true) }

// resumeAfterCut sends 8 MiB from alice to bob, one of them (the sender
// when cutSender) connected through a proxy that holds data back after
// 1 MiB, cuts that connection once bob holds 512 KiB, restores it, and
// checks that the transfer ends whole, with no part file left.
func resumeAfterCut(t *testing.T, cutSender bool) {
	s := startServer(t, noFlood)
	dir := t.TempDir()
	var up, down int64 = 0, 1 << 20
	if cutSender {
		up, down = 1<<20, 0
	}
	p := newCapProxy(t, s.Addr, up, down, 0)
	viaProxy := func(nick string, opts ...Option) *harness {
		h := startClient(t, append(opts, WithBackoff(20*time.Millisecond, 50*time.Millisecond))...)
		h.do(Connect{Addr: p.addr, Nick: nick})
		waitFor[Connected](h)
		return h
	}
	var alice, bob *harness
	if cutSender {
		bob = join(t, s, "bob", WithDownloadDir(dir))
		alice = viaProxy("alice")
	} else {
		alice = join(t, s, "alice")
		bob = viaProxy("bob", WithDownloadDir(dir))
	}
	data := randomBytes(t, 8<<20+5)
	path := tempFile(t, "movie.mkv", data)

	o := offerTo(t, alice, bob, path, "bob")
	bob.do(AcceptFile{Key: o.Key})
	waitProgress(bob, 512<<10)
	p.cut()
	in, _ := waitFor[FileInterrupted](bob)
	if in.Key != o.Key || in.Bytes < 512<<10 || in.Bytes >= int64(len(data)) {
		t.Fatalf("interrupted: %#v", in)
	}
	if part, _ := filepath.Glob(filepath.Join(dir, ".multichat-*.part")); len(part) != 1 {
		t.Fatalf("part files: %v", part)
	}
	if !cutSender {
		if st, _ := waitFor[FileStatus](alice); st.State != wire.RecipientAway || st.Nick != "bob" {
			t.Fatalf("status: %#v", st)
		}
	}
	p.restore()
	if cutSender {
		if again, _ := waitFor[FileOffered](bob); again.Key != o.Key || !again.Resumed {
			t.Fatalf("offered again: %#v", again)
		}
	}
	done, _ := waitFor[FileDone](bob)
	if done.Err != nil {
		t.Fatal(done.Err)
	}
	sameFile(t, done.Path, data)
	if d, _ := waitFor[FileDone](alice); d.Err != nil || d.Key != o.Key {
		t.Fatalf("sender: %#v", d)
	}
	noParts(t, dir)
}

// A room offer: each member answers for themselves.
func TestRealServerFileRoom(t *testing.T) {
	s := startServer(t, noFlood)
	alice := join(t, s, "alice")
	dirB, dirC := t.TempDir(), t.TempDir()
	bob := join(t, s, "bob", WithDownloadDir(dirB))
	carol := join(t, s, "carol", WithDownloadDir(dirC))
	data := randomBytes(t, 200<<10)
	path := tempFile(t, "notes.txt", data)
	alice.do(SendFile{ID: 1, Path: path})
	ob, _ := waitFor[FileOffered](bob)
	oc, _ := waitFor[FileOffered](carol)
	bob.do(AcceptFile{Key: ob.Key})
	carol.do(CancelFile{Key: oc.Key})
	done, _ := waitFor[FileDone](bob)
	sameFile(t, done.Path, data)
	if d, _ := waitFor[FileDone](alice); d.Err != nil {
		t.Fatalf("sender: %#v", d)
	}
	if entries, _ := os.ReadDir(dirC); len(entries) != 0 {
		t.Fatalf("carol's folder: %v", entries)
	}
}
