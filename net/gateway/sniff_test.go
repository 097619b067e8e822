package gateway

import (
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"

	"github.com/multichat/multichat/net/gateway/gatewaytest"
	"github.com/multichat/multichat/net/wire"
)

func TestClassify(t *testing.T) {
	hello := wire.Encode(wire.Hello{Version: wire.Version, Nick: "bob"})
	tests := []struct {
		name string
		in   []byte
		kind Kind
		more bool
	}{
		{"nothing yet", nil, KindNative, true},
		{"TLS first byte", []byte{0x16}, KindTLS, true},
		{"TLS ClientHello", []byte{0x16, 0x03, 0x01, 0x02, 0x00}, KindTLS, false},
		{"0x16 without a TLS version", []byte{0x16, 0x40}, KindNative, false},
		{"half a header", []byte{0, 0, 0}, KindNative, true},
		{"MultiChat hello", hello, KindNative, false},
		{"seed JOIN", []byte{0, 0, 0, 6, 0x03, 'a', 'l', 'i', 'c', 'e'}, KindClassic, false},
		{"seed TEXT first", []byte{0, 0, 0, 3, 0x01, 'h', 'i'}, KindNative, false},
		{"IRC", []byte("NICK bob\r\n"), KindNative, false},
	}
	for _, tt := range tests {
		if k, more := Classify(tt.in); k != tt.kind || more != tt.more {
			t.Errorf("%s: Classify = %v, %v; want %v, %v", tt.name, k, more, tt.kind, tt.more)
		}
	}
}

func TestSniffRoutesEachKind(t *testing.T) {
	cert, pool := gatewaytest.SelfSigned(t)
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	classic := make(chan net.Conn, 1)
	ln := Sniff(raw, SniffConfig{
		Classic: func(nc net.Conn) { classic <- nc },
		TLS:     &tls.Config{Certificates: []tls.Certificate{cert}},
		Timeout: 200 * time.Millisecond,
	})
	defer ln.Close()
	addr := ln.Addr().String()
	dial := func() net.Conn {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		return nc
	}
	accept := func() net.Conn {
		nc, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		return nc
	}

	// A silent client does not hold up a MultiChat client behind it; it is
	// passed on once the timeout passes. (Accepted conns are told apart by
	// address: under load the silent one may come first.)
	silent := dial()
	hello := wire.Encode(wire.Hello{Version: wire.Version, Nick: "bob"})
	talker := dial()
	talker.Write(hello)
	for range 2 {
		nc := accept()
		if KindOf(nc) != KindNative {
			t.Errorf("kind %v, want native", KindOf(nc))
		}
		if nc.RemoteAddr().String() != talker.LocalAddr().String() {
			continue // the silent one
		}
		got := make([]byte, len(hello))
		nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadFull(nc, got); err != nil || string(got) != string(hello) {
			t.Errorf("hello read back as %x, %v", got, err)
		}
	}
	_ = silent

	// A seed JOIN goes to the classic handler, with its bytes intact.
	join := []byte{0, 0, 0, 4, 0x03, 'b', 'o', 'b'}
	dial().Write(join)
	select {
	case c := <-classic:
		defer c.Close()
		got := make([]byte, len(join))
		if _, err := io.ReadFull(c, got); err != nil || string(got) != string(join) {
			t.Errorf("classic read back %x, %v", got, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("classic client not handed over")
	}

	// TLS is handshaken with the configured certificate.
	done := make(chan error, 1)
	go func() {
		c := tls.Client(dial(), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
		_, err := c.Write([]byte("ping"))
		done <- err
	}()
	tc := accept()
	if KindOf(tc) != KindTLS {
		t.Fatalf("TLS client: kind %v", KindOf(tc))
	}
	buf := make([]byte, 4)
	tc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(tc, buf); err != nil || string(buf) != "ping" {
		t.Errorf("over TLS: %q, %v", buf, err)
	}
	if err := <-done; err != nil {
		t.Errorf("client: %v", err)
	}
}

func TestSniffCloseEndsPendingClients(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := Sniff(raw, SniffConfig{Timeout: time.Hour})
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Write([]byte{0, 0}) // half a header: still being sniffed
	closed := make(chan struct{})
	go func() { ln.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end the sniffing goroutine")
	}
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := nc.Read(make([]byte, 1)); err == nil {
		t.Error("the pending client's connection is still open")
	}
	if _, err := ln.Accept(); err == nil {
		t.Error("Accept after Close succeeded")
	}
}
