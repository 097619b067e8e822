package gui

import (
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// reachable lists what clients should type to reach the bound address: the
// machine's LAN IPv4 addresses when listening on every interface.
func (m *serverModel) reachable() []string {
	ap, err := netip.ParseAddrPort(m.bound)
	if err != nil {
		if m.bound == "" {
			return nil
		}
		return []string{m.bound}
	}
	port := strconv.Itoa(int(ap.Port()))
	a := ap.Addr().Unmap()
	switch {
	case a.IsUnspecified():
		var out []string
		for _, ip := range m.lanAddrs() {
			out = append(out, net.JoinHostPort(ip.String(), port))
		}
		if len(out) == 0 {
			out = []string{net.JoinHostPort("127.0.0.1", port) + " (no network found: this computer only)"}
		}
		return out
	case a.IsLoopback():
		return []string{net.JoinHostPort(a.String(), port) + " (this computer only)"}
	}
	return []string{net.JoinHostPort(a.String(), port)}
}

var hostnameRE = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$`)

// listenAddr checks the host and port typed by the user and joins them. An
// empty host means every interface.
func listenAddr(host, port string) (string, error) {
	host = strings.TrimSpace(host)
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" {
		host = DefaultListenHost
	}
	if _, err := netip.ParseAddr(host); err != nil && !validHostname(host) {
		return "", fmt.Errorf("%q is not an IP address or host name (use 0.0.0.0 for every network interface)", host)
	}
	port = strings.TrimSpace(port)
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return "", fmt.Errorf("the port must be a number from 1 to 65535, not %q", port)
	}
	return net.JoinHostPort(host, strconv.Itoa(p)), nil
}

// validHostname reports whether h is a DNS host name (RFC 1123); a name
// whose last label is all digits is a mistyped IP address, not a name.
func validHostname(h string) bool {
	if len(h) > 253 || !hostnameRE.MatchString(h) {
		return false
	}
	labels := strings.Split(strings.TrimSuffix(h, "."), ".")
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

// lanIPv4s lists the IPv4 addresses of the interfaces that are up, other
// than loopback and link-local ones.
func lanIPv4s() []netip.Addr {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip, ok := netip.AddrFromSlice(ipn.IP)
			if !ok {
				continue
			}
			ip = ip.Unmap()
			if ip.Is4() && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() && !slices.Contains(out, ip) {
				out = append(out, ip)
			}
		}
	}
	slices.SortFunc(out, func(a, b netip.Addr) int { return a.Compare(b) })
	return out
}

func formatAddr(ap netip.AddrPort) string {
	if !ap.IsValid() {
		return "?"
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()
}

// formatSince shows a time of day, with the date when it is not today.
func formatSince(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.Local()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04:05")
	}
	return t.Format("Jan 2 15:04")
}

// oneLine makes text fit one log line: control characters become spaces,
// newlines "↵", and it is cut after max characters.
func oneLine(text string, limit int) string {
	var b strings.Builder
	n := 0
	for _, r := range text {
		if n == limit {
			b.WriteString("…")
			break
		}
		switch {
		case r == '\n':
			b.WriteString(" ↵ ")
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
		n++
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// clipRunes cuts s after limit characters, marking the cut with "…".
func clipRunes(s string, limit int) string {
	n := 0
	for i := range s {
		if n == limit {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
