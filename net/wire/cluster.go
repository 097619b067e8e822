package wire

// Cluster frames (0x78–0x7B): several servers serving one chat (see
// PROTOCOL.md, "Clusters").
const (
	// TypeServers (server): the servers of the cluster, sent after Welcome
	// and whenever they change. A client that loses its server reconnects
	// to another one of them, trusting it by the fingerprint listed here
	// (the list came over a connection it already trusted).
	TypeServers Type = 0x78
)

// Cluster refusal and error codes.
const (
	// RefuseClusterBusy: the cluster cannot check the nickname right now
	// (too few of its servers are up); try again later, or another server.
	RefuseClusterBusy RefuseCode = 18
	// CodeRemoteUnavailable: the request needs another server of the
	// cluster, which cannot do it (files to users on another server).
	CodeRemoteUnavailable ErrorCode = 50
)

// ServerInfo is one server of a cluster: where clients connect, its display
// name and its certificate's fingerprint (zero without TLS).
type ServerInfo struct {
	Addr        string
	Name        string
	Fingerprint [32]byte
	Users       uint32 // people on it
}

// Servers lists the servers of the cluster, this one first.
type Servers struct {
	Servers []ServerInfo
}

func (Servers) Type() Type { return TypeServers }

func (m Servers) appendPayload(b []byte) []byte {
	if len(m.Servers) > 0xFFFF {
		panic("wire: more than 65535 servers")
	}
	b = appendU16(b, uint16(len(m.Servers)))
	for _, s := range m.Servers {
		b = appendStr(appendStr(b, s.Addr), s.Name)
		b = append(b, s.Fingerprint[:]...)
		b = appendU32(b, s.Users)
	}
	return b
}

func decodeServers(d *dec) Message {
	var m Servers
	n := int(d.u16("server", " count"))
	if d.err == nil && n*(2+2+32+4) > len(d.b) {
		d.fail(CodeMalformed, "server count %d exceeds the payload", n)
	}
	for i := 0; i < n && d.err == nil; i++ {
		s := ServerInfo{Addr: d.str("addr"), Name: d.str("name")}
		copy(s.Fingerprint[:], d.take(32, "fingerprint", ""))
		s.Users = d.u32("users")
		m.Servers = append(m.Servers, s)
	}
	return m
}

func init() {
	typeNames[TypeServers] = "servers"
	codeNames[CodeRemoteUnavailable] = "another server cannot do it"
}
