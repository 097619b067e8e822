// Package gatewaytest helps the gateways' tests: a native MultiChat client
// driven through net/client, with bounded waits for its events.
package gatewaytest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/store"
)

// Wait bounds every wait of a test.
const Wait = 10 * time.Second

// Native is a MultiChat client session for a test.
type Native struct {
	t      testing.TB
	cmds   chan client.Command
	events chan client.Event
	done   chan struct{}
	Nick   string
}

// Connect starts a native client and waits until it has joined addr as nick.
func Connect(t testing.TB, addr, nick string, opts ...client.Option) *Native {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	n := &Native{t: t, cmds: make(chan client.Command, 16), events: make(chan client.Event, 4096),
		done: make(chan struct{}), Nick: nick}
	go func() {
		defer close(n.done)
		client.Run(ctx, n.cmds, n.events, append([]client.Option{client.WithDataDir(t.TempDir())}, opts...)...)
	}()
	t.Cleanup(func() {
		cancel()
		for range n.events { // Run closes events when it returns
		}
		<-n.done
	})
	n.Do(client.Connect{Addr: addr, Nick: nick})
	for { // a new server: the user trusts it when asked
		select {
		case ev := <-n.events:
			switch ev := ev.(type) {
			case client.TrustNeeded:
				n.Do(client.TrustServer{Fingerprint: ev.Fingerprint})
				continue
			case client.Connected:
				return n
			}
			n.t.Fatalf("%s: got %#v while connecting", nick, ev)
		case <-time.After(Wait):
			n.t.Fatalf("%s: not connected within %v", nick, Wait)
		}
	}
}

// Do sends commands to the session.
func (n *Native) Do(cmds ...client.Command) {
	n.t.Helper()
	for _, c := range cmds {
		select {
		case n.cmds <- c:
		case <-time.After(Wait):
			n.t.Fatalf("%s: command %#v not taken", n.Nick, c)
		}
	}
}

// Next returns the session's next event of type E (skipping others).
func Next[E client.Event](n *Native) E {
	n.t.Helper()
	return Until(n, func(E) bool { return true })
}

// Until returns the next event of type E for which ok is true.
func Until[E client.Event](n *Native, ok func(E) bool) E {
	n.t.Helper()
	t := time.NewTimer(Wait)
	defer t.Stop()
	for {
		select {
		case ev, open := <-n.events:
			if !open {
				n.t.Fatalf("%s: session ended before %T", n.Nick, *new(E))
			}
			if e, is := ev.(E); is && ok(e) {
				return e
			}
		case <-t.C:
			n.t.Fatalf("%s: no %T within %v", n.Nick, *new(E), Wait)
		}
	}
}

// Text is a matcher for Until: a message with this text.
func Text(text string) func(client.Message) bool {
	return func(m client.Message) bool { return m.Text == text }
}

// SelfSigned returns a TLS certificate for 127.0.0.1, valid for an hour, and a
// pool that trusts it.
func SelfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// OpenStore opens a history database in a new directory, closed when the
// test ends.
func OpenStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), store.File), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
