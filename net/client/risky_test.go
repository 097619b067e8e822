package client

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/multichat/multichat/net/wire"
)

// The session's risky paths: handshakes that fail, cancelling while
// dialling, declining a download, and the server stopping during transfers.

// TestHandshakeFailures: a handshake that goes wrong is a failed attempt
// (Disconnected, not final, then Reconnecting), and the next attempt can
// succeed.
func TestHandshakeFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		server func(p *peer) // the server's side, after reading Hello
		want   string        // in Disconnected's error
		is     error
	}{
		{name: "closed before welcome", server: func(p *peer) { p.close() }, is: io.EOF},
		{name: "not a welcome", server: func(p *peer) { p.send(wire.Notice{Text: "hi"}) }, want: "expected welcome, got"},
		{name: "frame too large", server: func(p *peer) { p.nc.Write([]byte{0x7f, 0xff, 0xff, 0xff, 1}) }, is: wire.ErrTooLarge},
		{name: "silent", server: func(p *peer) {}, is: os.ErrDeadlineExceeded},
		{name: "closed during the lobby list", server: func(p *peer) {
			p.send(wire.Welcome{Version: wire.Version, Nick: "alice", Lobby: wire.Lobby},
				wire.UserList{Room: wire.Lobby, Flags: wire.ListFirst, Users: []string{"alice"}})
			p.close()
		}, is: io.EOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeServer(t)
			h := startClient(t, WithHandshakeTimeout(300*time.Millisecond))
			h.do(Connect{Addr: f.addr, Nick: "alice"})
			p := f.accept()
			expect[wire.Hello](p)
			tc.server(p)
			d := nextIs[Disconnected](h)
			if d.Final || d.Err == nil || !strings.Contains(d.Err.Error(), "handshake") ||
				(tc.is != nil && !errors.Is(d.Err, tc.is)) || !strings.Contains(d.Err.Error(), tc.want) {
				t.Fatalf("disconnected: %#v (%v)", d, d.Err)
			}
			if r := nextIs[Reconnecting](h); r.Attempt != 1 || r.Err != d.Err {
				t.Fatalf("reconnecting: %#v", r)
			}
			f.accept().welcome(wire.Welcome{})
			if c := nextIs[Connected](h); c.Nick != "alice" || c.Rejoin {
				t.Fatalf("connected: %#v", c)
			}
		})
	}
	t.Run("refused during the lobby list", func(t *testing.T) {
		f := newFakeServer(t)
		h := startClient(t)
		h.do(Connect{Addr: f.addr, Nick: "alice"})
		p := f.accept()
		expect[wire.Hello](p)
		p.send(wire.Welcome{Version: wire.Version, Nick: "alice", Lobby: wire.Lobby},
			wire.Refused{Code: wire.RefuseServerFull, Text: "full"})
		if r := nextIs[Refused](h); r.Code != wire.RefuseServerFull {
			t.Fatalf("refused: %#v", r)
		}
		if d := nextIs[Disconnected](h); !d.Final {
			t.Fatalf("disconnected: %#v", d)
		}
		f.noConnection(100 * time.Millisecond)
	})
}

// stuckAddr returns an address whose TCP connect hangs: a listener with a
// backlog of 0 that never accepts, its queue already filled, so that the
// kernel drops further SYNs.
func stuckAddr(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := (&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sa.(*syscall.SockaddrInet4).Port}).String()
	for i := 0; ; i++ { // fill the accept queue
		nc, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return addr
		}
		t.Cleanup(func() { nc.Close() })
		if i == 8 {
			t.Skip("this kernel accepts connections beyond the listen backlog")
		}
	}
}

// TestCancelWhileDialling: Disconnect, or the end of Run's context, while a
// connection attempt hangs (in TCP connect, or waiting for Welcome) ends the
// attempt at once, without a reconnect.
func TestCancelWhileDialling(t *testing.T) {
	t.Run("Disconnect during connect", func(t *testing.T) {
		addr := stuckAddr(t)
		h := startClient(t) // dial timeout 10 s
		h.do(Connect{Addr: addr, Nick: "alice"})
		h.quiet(100 * time.Millisecond) // still dialling
		start := time.Now()
		h.do(Disconnect{})
		equal(t, "disconnected", nextIs[Disconnected](h), Disconnected{Final: true})
		if d := time.Since(start); d > time.Second {
			t.Errorf("Disconnect took %v while dialling", d)
		}
		h.quiet(100 * time.Millisecond)
	})
	t.Run("Disconnect during the handshake", func(t *testing.T) {
		f := newFakeServer(t)
		h := startClient(t) // handshake timeout 10 s
		h.do(Connect{Addr: f.addr, Nick: "alice"})
		p := f.accept()
		expect[wire.Hello](p)
		start := time.Now()
		h.do(Disconnect{})
		equal(t, "disconnected", nextIs[Disconnected](h), Disconnected{Final: true})
		if d := time.Since(start); d > time.Second {
			t.Errorf("Disconnect took %v during the handshake", d)
		}
		p.expectEOF(false)
		f.noConnection(100 * time.Millisecond)
		connect(h, f, "alice") // and the session connects again
	})
	t.Run("context ends during connect", func(t *testing.T) {
		addr := stuckAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cmds, events := make(chan Command), make(chan Event, 16)
		done := make(chan error, 1)
		go func() { done <- Run(ctx, cmds, events, WithLogger(testLogger(t))) }()
		cmds <- Connect{Addr: addr, Nick: "alice"}
		start := time.Now()
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Run returned %v", err)
			}
		case <-time.After(waitLimit):
			t.Fatal("Run did not return")
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Run took %v to end while dialling", d)
		}
		var got []Event
		for ev := range events {
			got = append(got, ev)
		}
		equal(t, "events", got, []Event{Disconnected{Final: true}})
	})
}

// TestDeclineDownload: offers the session cannot take are declined: the
// server is told (FileAbort with the reason) and the UI gets FileDone with
// the same reason; no file is left behind.
func TestDeclineDownload(t *testing.T) {
	declined := func(t *testing.T, h *harness, p *peer, id uint64, why string) {
		t.Helper()
		if o := nextIs[FileOffered](h); o.Transfer != id {
			t.Fatalf("offered: %#v", o)
		}
		if d := nextIs[FileDone](h); d.Transfer != id || d.Err == nil || !strings.Contains(d.Err.Error(), why) {
			t.Fatalf("done: %#v", d)
		}
		if a := expect[wire.FileAbort](p); a.ID != id || !strings.Contains(a.Reason, why) {
			t.Fatalf("abort: %#v", a)
		}
	}
	t.Run("implausible size", func(t *testing.T) {
		f := newFakeServer(t)
		dir := t.TempDir()
		h := startClient(t, WithDownloadDir(dir))
		p, _ := connect(h, f, "alice")
		p.send(wire.FileOffered{ID: 7, From: "bob", To: "alice", Name: "huge.bin", Size: 1 << 63})
		declined(t, h, p, 7, "not plausible")
		empty(t, dir)
	})
	t.Run("no download folder", func(t *testing.T) {
		f := newFakeServer(t)
		notDir := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(notDir, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		h := startClient(t, WithDownloadDir(filepath.Join(notDir, "downloads")))
		p, _ := connect(h, f, "alice")
		p.send(wire.FileOffered{ID: 8, From: "bob", To: "alice", Name: "a.txt", Size: 1})
		h.do(AcceptFile{Key: nextIs[FileOffered](h).Key})
		if d := nextIs[FileDone](h); d.Transfer != 8 || d.Err == nil || !strings.Contains(d.Err.Error(), "cannot create the download folder") {
			t.Fatalf("done: %#v", d)
		}
		if a := expect[wire.FileAbort](p); a.ID != 8 {
			t.Fatalf("abort: %#v", a)
		}
	})
	t.Run("too many at once", func(t *testing.T) {
		f := newFakeServer(t)
		dir := t.TempDir()
		h := startClient(t, WithDownloadDir(dir))
		p, _ := connect(h, f, "alice")
		for id := uint64(1); id <= maxDownloads; id++ {
			p.send(wire.FileOffered{ID: id, From: "bob", Room: wire.Lobby, Name: "a.txt", Size: 10})
			nextIs[FileOffered](h)
		}
		p.send(wire.FileOffered{ID: 100, From: "bob", Room: wire.Lobby, Name: "a.txt", Size: 10})
		declined(t, h, p, 100, "too many files")
		// The connection lost, the offers still wait for an answer.
		p.close()
		nextIs[Disconnected](h)
		empty(t, dir)
	})
}

// empty asserts that dir holds no file.
func empty(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Fatalf("%s holds %v", dir, entries)
	}
}

// TestServerStopsDuringTransfers: the server stopping while a file goes each
// way interrupts both (the partial download kept), the session reconnects as
// for any lost connection, then offers the upload again under the same key
// and asks for the rest of the download.
func TestServerStopsDuringTransfers(t *testing.T) {
	f := newFakeServer(t)
	dir := t.TempDir()
	h := startClient(t, WithDownloadDir(dir))
	p, _ := connect(h, f, "alice")

	// Incoming: an offer, accepted, and one chunk of it.
	inKey := [wire.FileKeySize]byte{8}
	p.send(wire.FileOffered{ID: 8, From: "bob", To: "alice", Name: "in.bin", Size: 3 * wire.MaxChunk, Key: inKey})
	h.do(AcceptFile{Key: nextIs[FileOffered](h).Key})
	expect[wire.FileAccept](p)
	p.send(wire.FileChunk{ID: 8, Data: make([]byte, wire.MaxChunk)})
	// Outgoing: the session streams up to its window and waits for acks.
	h.do(SendFile{ID: 5, Path: tempFile(t, "out.bin", randomBytes(t, 10*wire.MaxChunk)), To: "bob"})
	o := expect[wire.FileOffer](p)
	p.send(wire.FileOffered{Ref: o.Ref, ID: 9, From: "alice", To: "bob", Name: o.Name, Size: o.Size, Key: o.Key},
		wire.FileSend{ID: 9, Leg: 10, To: "bob"})
	for range window / wire.MaxChunk { // read it all: unread data would make the close a reset
		expect[wire.FileChunk](p)
	}
	if o, _ := waitFor[FileOffered](h); !o.Mine || o.Transfer != 9 { // after the download's progress
		t.Fatalf("offered: %#v", o)
	}

	p.send(wire.Stopping{Reason: "server is stopping"})
	p.close()
	paused := map[bool]FileInterrupted{}
	for range 2 {
		d, skipped := waitFor[FileInterrupted](h)
		for _, ev := range skipped {
			if _, ok := ev.(FileProgress); !ok {
				t.Fatalf("before FileInterrupted: %#v", ev)
			}
		}
		paused[d.Mine] = d
	}
	if d := paused[false]; d.Bytes != wire.MaxChunk || d.Key != keyString(inKey) {
		t.Errorf("download: %#v", d)
	}
	if d := paused[true]; d.Key != keyString(o.Key) {
		t.Errorf("upload: %#v", d)
	}
	if d := nextIs[Disconnected](h); d.Final || !errors.Is(d.Err, ErrServerStopping) {
		t.Fatalf("disconnected: %#v", d)
	}
	nextIs[Reconnecting](h)
	p = f.accept()
	p.welcome(wire.Welcome{Nick: "alice"})
	if again := expect[wire.FileOffer](p); again.Key != o.Key {
		t.Fatalf("offered again: %#v", again)
	}
	if a := expect[wire.FileAccept](p); a.ID != 8 || a.Offset != wire.MaxChunk || a.Key != inKey {
		t.Fatalf("resume: %#v", a)
	}
}
