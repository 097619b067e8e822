package servermodel

import (
	"net"
	"strings"

	"fyne.io/fyne/v2/lang"
)

// Gateways is what the admin has switched on: classic (seed-001) clients on
// the MultiChat port, and IRC clients on the IRC ports.
type Gateways struct {
	Classic bool
	IRC     bool
	// Host is the MultiChat listen host: IRC listens on it too, unless its
	// address names a host of its own ("" or 0.0.0.0: every interface).
	Host string
}

// GatewayStatus is what the gateways serve once switched: which are on and
// the addresses IRC clients connect to ("" for a listener that is off).
// Problem, when set, says in plain English why one is off or only partly
// on; Why names it for the window to say in its own language.
type GatewayStatus struct {
	Classic  bool
	IRC      bool
	IRCPlain string // host:port of plain IRC
	IRCTLS   string // host:port of IRC over TLS
	Problem  string
	Why      GatewayProblem
}

// GatewayProblem is why a gateway is off or only partly on.
type GatewayProblem uint8

const (
	GatewayFailed         GatewayProblem = iota // only Problem says it
	ClassicNeedsPlaintext                       // classic clients need plaintext to be allowed
	PlainIRCOff                                 // plain IRC is off: plaintext clients are not allowed
	IRCTLSOff                                   // IRC over TLS is off: the server has no certificate
	IRCNoPort                                   // IRC has no port to listen on
	IRCPortInUse                                // another program listens on an IRC port
)

// gatewayProblem says st's problem in the interface's language.
func gatewayProblem(st GatewayStatus) string {
	switch st.Why {
	case ClassicNeedsPlaintext:
		return lang.L("classic clients need plaintext to be allowed")
	case PlainIRCOff:
		return lang.L("plain IRC is off: plaintext clients are not allowed")
	case IRCTLSOff:
		return lang.L("IRC over TLS is off: the server has no certificate")
	case IRCNoPort:
		return lang.L("IRC has no port to listen on")
	case IRCPortInUse:
		return lang.L("IRC is off: another program uses its port")
	}
	return st.Problem
}

// GatewayText describes, for the server window, the port each kind of
// client should use. nativePort is the MultiChat port (classic clients share
// it), in the interface's language.
func GatewayText(st GatewayStatus, nativePort string) string {
	var parts []string
	if st.Classic {
		parts = append(parts, lang.L("Classic clients: port")+" "+nativePort+" "+lang.L("(the MultiChat port, unencrypted)"))
	}
	if st.IRC {
		var ports []string
		if p := portOf(st.IRCPlain); p != "" {
			ports = append(ports, p+" "+lang.L("(plain)"))
		}
		if p := portOf(st.IRCTLS); p != "" {
			ports = append(ports, p+" "+lang.L("(TLS)"))
		}
		if len(ports) > 0 {
			parts = append(parts, lang.L("IRC: port")+" "+strings.Join(ports, ", "))
		}
	}
	if len(parts) == 0 && st.Problem == "" {
		return lang.L("Only MultiChat clients can join.")
	}
	if st.Problem != "" {
		parts = append(parts, gatewayProblem(st))
	}
	return strings.Join(parts, " · ")
}

// portOf is the port of host:port, or addr itself when it has none.
func portOf(addr string) string {
	if addr == "" {
		return ""
	}
	if _, p, err := net.SplitHostPort(addr); err == nil {
		return p
	}
	return addr
}
