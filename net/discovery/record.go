package discovery

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/miekg/dns"
)

// ServiceType is MultiChat's DNS-SD service type.
const ServiceType = "_multichat._tcp"

const (
	domain = "local."
	// maxLabel is the longest DNS label in bytes: an instance name longer
	// than this is cut (the full name travels in the TXT record).
	maxLabel = 63
	// maxTXT is the longest TXT string in bytes, "key=value" included.
	maxTXT = 255
	// txtVersion is the layout of the TXT record below; a browser ignores
	// records of another layout version it does not know.
	txtVersion = "1"
)

// Info is what a server announces. The TXT record carries every field; the
// SRV record carries the port too.
type Info struct {
	Name        string // shown to users; DefaultName() when empty
	Port        int    // the chat server's TCP port
	Version     int    // protocol version (wire.Version)
	Fingerprint string // TLS certificate fingerprint; "" when the server has none
	Password    bool   // a password is needed to join
	People      int    // people online now
	// Cluster is the id of the cluster the server is one of ("" : on its
	// own): every server of one chat announces the same id, so a client
	// can show them as one chat. Servers is how many of its servers are up.
	Cluster string
	Servers int
}

// DefaultName is the server name used when none is set: "<hostname>
// MultiChat", or "MultiChat" when the host name is unknown.
func DefaultName() string {
	h, err := os.Hostname()
	if h, _, _ = strings.Cut(h, "."); err != nil || h == "" {
		return "MultiChat"
	}
	return h + " MultiChat"
}

// instance is the DNS-SD instance name for a server name: the name cut to a
// DNS label (at a character boundary), which is also the key browsers know
// a server by.
func instance(name string) string {
	return cut(strings.TrimSpace(name), maxLabel)
}

// cut shortens s to at most n bytes without splitting a character.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// txt is the TXT record for info: key=value strings as RFC 6763 §6
// describes, values escaped for miekg/dns's presentation format (which
// treats a backslash as an escape).
func (info Info) txt() []string {
	pw := "0"
	if info.Password {
		pw = "1"
	}
	name := "name=" + cut(info.Name, maxTXT-len("name="))
	txt := []string{
		"txtvers=" + txtVersion,
		escapeTXT(name),
		"port=" + strconv.Itoa(info.Port),
		"proto=" + strconv.Itoa(info.Version),
		escapeTXT("fp=" + cut(info.Fingerprint, maxTXT-len("fp="))),
		"pw=" + pw,
		"people=" + strconv.Itoa(info.People),
	}
	if info.Cluster != "" { // absent on a server of its own (older browsers ignore both)
		txt = append(txt, escapeTXT("cluster="+cut(info.Cluster, maxTXT-len("cluster="))),
			"servers="+strconv.Itoa(info.Servers))
	}
	return txt
}

// parseTXT reads a TXT record as miekg/dns presents it (escaped). Keys it
// does not know are ignored, so a later server may add some.
func parseTXT(fields []string) (Info, error) {
	var info Info
	kv := map[string]string{}
	for _, f := range fields {
		k, v, _ := strings.Cut(unescapeTXT(f), "=")
		kv[strings.ToLower(k)] = v
	}
	if v := kv["txtvers"]; v != txtVersion {
		return info, fmt.Errorf("TXT record version %q is not %s", v, txtVersion)
	}
	info.Name = kv["name"]
	info.Fingerprint = kv["fp"]
	info.Password = kv["pw"] == "1"
	info.Port, _ = strconv.Atoi(kv["port"])
	info.Version, _ = strconv.Atoi(kv["proto"])
	info.People, _ = strconv.Atoi(kv["people"])
	if info.Cluster = kv["cluster"]; info.Cluster != "" {
		info.Servers, _ = strconv.Atoi(kv["servers"])
	}
	return info, nil
}

// escapeTXT escapes the backslash, which miekg/dns would otherwise read as
// the start of an escape when packing.
func escapeTXT(s string) string { return strings.ReplaceAll(s, `\`, `\\`) }

// unescapeTXT undoes miekg/dns's presentation escapes: \DDD (a byte in
// decimal, used for every byte outside printable ASCII, so for all UTF-8)
// and \c (c itself).
func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b = append(b, s[i])
			continue
		}
		i++
		if i+2 < len(s) && isDigit(s[i]) && isDigit(s[i+1]) && isDigit(s[i+2]) {
			n := int(s[i]-'0')*100 + int(s[i+1]-'0')*10 + int(s[i+2]-'0')
			if n < 256 {
				b = append(b, byte(n))
				i += 2
				continue
			}
		}
		b = append(b, s[i])
	}
	return string(b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// escapeLabel returns label in miekg/dns's presentation format (dots,
// spaces and non-ASCII bytes escaped), the form its question names take and
// the form mdns.MDNSService compares them with.
func escapeLabel(label string) string {
	wire := append([]byte{byte(len(label))}, label...)
	wire = append(wire, 0)
	name, _, err := dns.UnpackDomainName(wire, 0)
	if err != nil {
		return label
	}
	return strings.TrimSuffix(name, ".")
}

// instanceOf returns the raw instance label of a service instance name in
// presentation format ("My\ Server._multichat._tcp.local."), or "" when the
// name is not a MultiChat instance.
func instanceOf(name string) string {
	buf := make([]byte, 256)
	n, err := dns.PackDomainName(dns.Fqdn(name), buf, 0, nil, false)
	if err != nil || n < 1 {
		return ""
	}
	l := int(buf[0])
	if l == 0 || 1+l > n {
		return ""
	}
	rest, _, err := dns.UnpackDomainName(buf[:n], 1+l)
	if err != nil || !strings.EqualFold(rest, ServiceType+"."+domain) {
		return ""
	}
	return string(buf[1 : 1+l])
}

// hostLabel is a DNS host name for this machine: the host name reduced to
// letters, digits and hyphens.
func hostLabel() string {
	h, _ := os.Hostname()
	h, _, _ = strings.Cut(h, ".")
	var b strings.Builder
	for _, r := range h {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		}
	}
	s := cut(strings.Trim(b.String(), "-"), maxLabel)
	if s == "" {
		return "multichat"
	}
	return s
}
