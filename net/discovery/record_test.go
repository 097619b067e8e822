package discovery

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/miekg/dns"
)

// roundTrip packs rrs into an mDNS message and unpacks it, as they travel.
func roundTrip(t *testing.T, rrs ...dns.RR) []dns.RR {
	t.Helper()
	m := &dns.Msg{Answer: rrs}
	m.Response = true
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	var got dns.Msg
	if err := got.Unpack(b); err != nil {
		t.Fatal(err)
	}
	return got.Answer
}

func TestTXTRoundTrip(t *testing.T) {
	for _, info := range []Info{
		{Name: "Room 101", Port: 7878, Version: 1, People: 0},
		{Name: `지민's "quoted" \ back=slash; semi`, Port: 65535, Version: 2, Fingerprint: `sha256:AB\CD"`, Password: true, People: 1234},
		{Name: strings.Repeat("가", 200), Port: 1, Version: 1, Fingerprint: strings.Repeat("f", 300)},
		{Name: "floor 2", Port: 7802, Version: 1, Cluster: "3f2a9c0d1e4b5a67", Servers: 3},
	} {
		rr := &dns.TXT{Hdr: dns.RR_Header{Name: "x.local.", Rrtype: dns.TypeTXT, Class: dns.ClassINET}, Txt: info.txt()}
		got, err := parseTXT(roundTrip(t, rr)[0].(*dns.TXT).Txt)
		if err != nil {
			t.Fatal(err)
		}
		want := info
		want.Name = cut(info.Name, maxTXT-len("name="))
		want.Fingerprint = cut(info.Fingerprint, maxTXT-len("fp="))
		if got != want {
			t.Errorf("round trip of %+v gave %+v", want, got)
		}
		if !utf8.ValidString(got.Name) {
			t.Errorf("name cut inside a character: %q", got.Name)
		}
	}
	if _, err := parseTXT([]string{"txtvers=9", "name=x"}); err == nil {
		t.Error("a TXT layout of another version was accepted")
	}
}

// TestInstanceNames: names with dots, spaces, backslashes and Hangul survive
// the trip through a PTR record and back to the instance label, which is
// cut to a DNS label's 63 bytes at a character boundary.
func TestInstanceNames(t *testing.T) {
	for _, name := range []string{"Room 101", "a.b c", `back\slash`, "지민의 서버 MultiChat", strings.Repeat("한", 30)} {
		inst := instance(name)
		if len(inst) > maxLabel || !utf8.ValidString(inst) || !strings.HasPrefix(name, inst) {
			t.Fatalf("instance(%q) = %q", name, inst)
		}
		full := escapeLabel(inst) + "." + ServiceType + "." + domain
		rr := &dns.PTR{Hdr: dns.RR_Header{Name: ServiceType + "." + domain, Rrtype: dns.TypePTR, Class: dns.ClassINET}, Ptr: full}
		got := roundTrip(t, rr)[0].(*dns.PTR).Ptr
		if back := instanceOf(got); back != inst {
			t.Errorf("%q: sent %q, received %q, instance %q", name, full, got, back)
		}
	}
	if got := instanceOf("Other._http._tcp.local."); got != "" {
		t.Errorf("another service's instance was taken: %q", got)
	}
	if n := DefaultName(); !strings.HasSuffix(n, "MultiChat") {
		t.Errorf("DefaultName() = %q", n)
	}
}
