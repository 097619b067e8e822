package cluster

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/multichat/multichat/net/trust"
)

// RouteTLS returns the TLS configuration of the routes between embedded
// servers: each server presents its own MultiChat certificate (self-signed,
// as clients see it) on both ends of a route, and accepts a peer whose
// certificate's fingerprint is in peers. With no peers listed any
// certificate is accepted: the routes are encrypted but a machine on the
// network that speaks NATS could join the cluster (the server logs a
// warning; list the fingerprints, or use NATS's own TLS options with a
// certificate authority through Config.TLS).
func RouteTLS(id *trust.Identity, peers []trust.Fingerprint) *tls.Config {
	allowed := make(map[trust.Fingerprint]bool, len(peers)+1)
	allowed[id.Fingerprint] = true // a server's routes to itself (NATS does that while discovering)
	for _, p := range peers {
		allowed[p] = true
	}
	check := func(raw [][]byte) error {
		if len(raw) == 0 {
			return errors.New("the cluster peer sent no certificate")
		}
		if len(peers) == 0 {
			return nil
		}
		if fp := trust.FingerprintOf(raw[0]); !allowed[fp] {
			return fmt.Errorf("the cluster peer's certificate %s is not among the trusted ones", fp)
		}
		return nil
	}
	return &tls.Config{
		Certificates: []tls.Certificate{id.Cert},
		MinVersion:   tls.VersionTLS13,
		ClientAuth:   tls.RequireAnyClientCert,
		// Self-signed certificates are checked by fingerprint, not by an
		// authority.
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			return check(raw)
		},
	}
}
