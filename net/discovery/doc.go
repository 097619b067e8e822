// Package discovery finds MultiChat servers on the LAN without anyone typing
// an address: a running server is announced with DNS-SD over multicast DNS
// as a _multichat._tcp service (RFC 6762/6763), and clients browse for it.
//
// Advertise answers for one server until Stop. The TXT record carries the
// server's name, port, protocol version, TLS fingerprint (empty without TLS),
// whether a password is needed and the people online; SetPeople and the
// other setters change what is answered at once, without re-registering.
// The interfaces and their addresses are re-read every 2 s, so a DHCP change
// or a network that comes up later is picked up by itself.
//
// Browse runs a goroutine that owns the view of the network and reports
// Found, Updated and Lost events on a channel, merged by instance name: one
// server seen on several interfaces or over IPv4 and IPv6 is one Server, and
// one that comes back at another address is Updated with it (Moved tells a
// client it should reconnect there; see client.Redirect). List is the
// connect form's widget-free model of those events.
//
// # Library
//
// The mDNS wire work is github.com/hashicorp/mdns v1.0.7, chosen over
// github.com/grandcat/zeroconf v1.0.0 after reading both:
//
//   - Maintenance: hashicorp/mdns is released and kept current (Go 1.25,
//     current miekg/dns); zeroconf v1.0.0 dates from 2019 (pkg/errors,
//     cenkalti/backoff v2, miekg/dns 1.1.27) and its own fork moved on.
//   - Updates without re-registering: hashicorp/mdns answers from a Zone
//     interface, so the advertiser publishes a new record with one atomic
//     store and the responders' goroutines never see a half-written one.
//     zeroconf's Server.SetText writes the record its responder goroutines
//     read, with no lock (a data race), and its Shutdown does not wait for
//     its announcing goroutine.
//   - Browsing: neither has a live browser. zeroconf's Browse reports each
//     instance once and never reports a change or a removal; hashicorp's
//     QueryContext reports what answers one query. Browse here runs a query
//     per interface each second and keeps the view itself.
//   - Interfaces and IPv6: zeroconf binds every interface in one socket;
//     hashicorp/mdns one interface per Server or query, so Advertise runs a
//     responder per interface and Browse a query per interface. Both speak
//     IPv4 and IPv6; hashicorp/mdns gives a link-local IPv6 address its zone.
//   - Withdrawal: zeroconf sends goodbye packets (TTL 0) on Shutdown;
//     hashicorp/mdns does not announce at all, it only answers. A stopped
//     server is therefore dropped when it stops answering: Lost 2.5–3.5 s
//     after Stop (the target is 5 s), which also covers a server that
//     crashed or lost its network, where no goodbye is ever sent.
//
// Limits: a host with IPv4 addresses on two networks announces both, but
// hashicorp/mdns's client keeps the last A record (and the last AAAA), so a
// client on the other network may be given an address it cannot reach; the
// connect form's typed address remains the way out. Two servers with the
// same name are one row that flips between them. Queries go out every
// second while someone browses (RFC 6762 §5.2 asks continuous queriers to
// slow down); the connect form browses only while it is shown.
package discovery
