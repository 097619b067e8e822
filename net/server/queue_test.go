package server

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"
)

func TestGatewayConnQueue(t *testing.T) {
	remote := net.TCPAddrFromAddrPort(netip.MustParseAddrPort("192.0.2.1:5"))
	hubSide, gw := gatewayConn(remote, 8)
	defer hubSide.Close()
	if hubSide.RemoteAddr().String() != "192.0.2.1:5" {
		t.Errorf("remote %v", hubSide.RemoteAddr())
	}
	// Writes do not wait for the reader, up to the limit.
	if n, err := hubSide.Write([]byte("0123456789")); n != 10 || err != nil {
		t.Fatalf("write: %d, %v", n, err)
	}
	// Past it, a write waits for room, until its deadline.
	hubSide.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := hubSide.Write([]byte("x")); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write over the limit: %v, want a deadline error", err)
	}
	hubSide.SetWriteDeadline(time.Time{})
	done := make(chan error, 1)
	go func() { _, err := hubSide.Write([]byte("ab")); done <- err }()
	buf := make([]byte, 64)
	n, err := gw.Read(buf)
	if string(buf[:n]) != "0123456789" || err != nil {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
	if err := <-done; err != nil {
		t.Fatalf("write after room was made: %v", err)
	}
	// The hub closing: what was written is read, then EOF.
	hubSide.Close()
	if b, err := io.ReadAll(gw); string(b) != "ab" || err != nil {
		t.Fatalf("after close: %q, %v", b, err)
	}
	// A read waits until its deadline.
	_, gw2 := gatewayConn(remote, 8)
	defer gw2.Close()
	gw2.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := gw2.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("idle read: %v", err)
	}
	// The gateway's frames reach the hub through the pipe.
	h3, g3 := gatewayConn(remote, 8)
	defer h3.Close()
	go g3.Write([]byte("hi"))
	if n, err := h3.Read(buf); string(buf[:n]) != "hi" || err != nil {
		t.Fatalf("hub read %q, %v", buf[:n], err)
	}
	g3.Close()
	if _, err := h3.Write([]byte("x")); err == nil {
		t.Error("write after the gateway closed succeeded")
	}
}
