package irc_test

import (
	"bufio"
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"

	. "github.com/multichat/multichat/net/gateway/gatewaytest"
	"github.com/multichat/multichat/net/gateway/irc"
	"github.com/multichat/multichat/net/server"
)

// TestIRCOverTLS: Serve takes a TLS listener (6697) built with the server's
// certificate; an IRC client that verifies it registers and chats.
func TestIRCOverTLS(t *testing.T) {
	cert, pool := SelfSigned(t)
	port := server.NewPort()
	ts := server.NewTestServer(t, server.Config{Port: port})
	g := irc.New(irc.Config{Port: port})
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := tls.NewListener(raw, &tls.Config{Certificates: []tls.Certificate{cert}})
	go g.Serve(ln)
	t.Cleanup(g.Close)
	bob := Connect(t, ts.Addr, "bob")

	nc, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(Wait))
	nc.Write([]byte("NICK secure\r\nUSER s 0 * :S\r\nPRIVMSG #lobby :over tls\r\n"))
	br := bufio.NewReader(nc)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("no 001: %v", err)
		}
		if strings.Contains(line, " 001 secure ") {
			break
		}
	}
	if m := Until(bob, Text("over tls")); m.From != "secure" {
		t.Errorf("bob got %+v", m)
	}
}
