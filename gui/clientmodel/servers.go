package clientmodel

import (
	"errors"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/discovery"
	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
)

// The connect form's servers: those found on the LAN right now (LAN, a
// discovery.List fed by ApplyLAN while the form browses) and those connected
// to before (Recent, which the window keeps in the app's preferences). A
// row fills the form; connecting to a server found on the LAN remembers its
// instance name, so that when it comes back at another address (a DHCP
// change) the session is redirected there.

// MaxRecent is how many servers the form remembers.
const MaxRecent = 8

// Recent is a server connected to before.
type Recent struct {
	Addr      string    `json:"addr"`
	Name      string    `json:"name,omitempty"`
	Nick      string    `json:"nick,omitempty"`
	Plaintext bool      `json:"plaintext,omitempty"`
	Instance  string    `json:"instance,omitempty"`
	When      time.Time `json:"when"`
}

// ServerRow is one row of the connect form's server list.
type ServerRow struct {
	Title       string
	Detail      string
	Addr        string
	Nick        string // the nickname used last time there ("" if never)
	Instance    string // the LAN instance name ("" for a recent server not seen now)
	Fingerprint string // announced on the LAN ("" when none or not found now)
	Found       bool   // on the network now
	Recent      bool   // connected to before
	Locked      bool   // a password is needed
	Plaintext   bool   // not encrypted (announced without TLS, or connected without it)
	Other       bool   // speaks another protocol version
}

// ResetLAN forgets the servers found: a new search starts.
func (m *Model) ResetLAN() {
	m.LAN = discovery.List{}
	m.ch.Servers = true
}

// ApplyLAN folds the browser's events into the server list, and redirects
// the session when the server it is connected (or reconnecting) to was
// picked from the list and now answers at another address.
func (m *Model) ApplyLAN(evs []discovery.Event) {
	for _, ev := range evs {
		if m.LAN.Apply(ev) {
			m.ch.Servers = true
		}
		if m.Instance == "" || m.Phase != Chat || m.Link == Ended || m.Link == Rejoining {
			continue
		}
		if addr, ok := discovery.Moved(ev, m.Instance, m.Addr); ok {
			m.Send(client.Redirect{Addr: addr})
			m.system(m.Cur, time.Time{}, m.movedText(addr))
			// The same server: its conversations continue there.
			m.Addr, m.keptAddr = addr, addr
		}
	}
}

// movedText says that the server now answers at addr.
func (m *Model) movedText(addr string) string {
	if m.Server != "" {
		return lang.L("{{.Server}} now answers at {{.Addr}}; connecting there.", vars{"Server": m.Server, "Addr": addr})
	}
	return lang.L("The server now answers at {{.Addr}}; connecting there.", vars{"Addr": addr})
}

// LANStatus is the line above the server list, in the interface's
// language.
func (m *Model) LANStatus() string {
	st := m.LAN.Status()
	switch st.Kind {
	case discovery.Listed:
		return lang.N("{{.Count}} servers found on this network", st.Count, vars{"Count": st.Count})
	case discovery.Searching:
		return lang.L("Looking for servers on this network…")
	case discovery.NotFound:
		return lang.L("No servers found on this network; type the address the admin shows")
	}
	if errors.Is(st.Err, discovery.ErrNoInterface) {
		return lang.L("Cannot search for servers: no network connection is up; type the address the admin shows")
	}
	if English() {
		return st.String() // with the reason, which is in English
	}
	return lang.L("Cannot search this network for servers; type the address the admin shows")
}

// lanDetail is a found server's second line: address and people online,
// and a warning when it speaks another protocol version.
func lanDetail(s discovery.Server) string {
	d := s.Addr + " · "
	if s.People == 0 {
		d += lang.L("nobody online")
	} else {
		d += lang.N("{{.Count}} people online", s.People, vars{"Count": s.People})
	}
	if s.Cluster != "" && s.Servers > 1 {
		d += " · " + lang.L("one of {{.Count}} servers of the same chat", vars{"Count": s.Servers})
	}
	if s.OtherVersion() {
		d += " · " + lang.L("another MultiChat version (protocol {{.Theirs}}, this app speaks {{.Ours}})",
			vars{"Theirs": s.Version, "Ours": wire.Version})
	}
	return d
}

// ServerRows lists the servers found on the network (by name), then the
// recent ones not found now (most recent first).
func (m *Model) ServerRows() []ServerRow {
	rows := make([]ServerRow, 0, m.LAN.Len()+len(m.Recent))
	used := map[string]bool{}
	for i := range m.LAN.Len() {
		s := m.LAN.At(i)
		r := ServerRow{Title: s.Title(), Detail: lanDetail(s), Addr: s.Addr, Instance: s.Instance,
			Fingerprint: s.Fingerprint, Found: true, Locked: s.Locked(), Plaintext: s.Fingerprint == "",
			Other: s.OtherVersion()}
		for _, rc := range m.Recent { // newest first: its nickname wins
			if rc.Instance != "" && rc.Instance == s.Instance || slices.Contains(s.Addrs, rc.Addr) {
				if !r.Recent {
					r.Recent, r.Nick = true, rc.Nick
				}
				used[rc.Addr] = true
			}
		}
		rows = append(rows, r)
	}
	for _, rc := range m.Recent {
		if used[rc.Addr] {
			continue
		}
		title := rc.Name
		if title == "" {
			title = rc.Addr
		}
		rows = append(rows, ServerRow{Title: title, Detail: rc.Addr + lastUsed(rc.When, m.now()),
			Addr: rc.Addr, Nick: rc.Nick, Recent: true, Plaintext: rc.Plaintext})
	}
	return rows
}

// lastUsed says when a recent server was last used, after its address
// ("" when not known).
func lastUsed(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	y1, m1, d1 := t.Date()
	y2, m2, d2 := now.Date()
	switch {
	case t.IsZero():
		return ""
	case y1 == y2 && m1 == m2 && d1 == d2:
		return " · " + lang.L("last used today at {{.Time}}", vars{"Time": t.Format("15:04")})
	case now.AddDate(0, 0, -1).Format(time.DateOnly) == t.Format(time.DateOnly):
		return " · " + lang.L("last used yesterday at {{.Time}}", vars{"Time": t.Format("15:04")})
	}
	return " · " + lang.L("last used on {{.Date}}", vars{"Date": t.Format("2006-01-02")})
}

// instanceAt returns the LAN instance answering at addr, or "".
func (m *Model) instanceAt(addr string) string {
	for i := range m.LAN.Len() {
		if s := m.LAN.At(i); s.Addr == addr || slices.Contains(s.Addrs, addr) {
			return s.Instance
		}
	}
	return ""
}

// remember puts the server just connected to first among the recent ones.
func (m *Model) remember() {
	r := Recent{Addr: m.Addr, Name: m.Server, Nick: m.Me, Plaintext: !m.Encrypted, Instance: m.Instance, When: m.now()}
	m.Recent = slices.DeleteFunc(m.Recent, func(o Recent) bool {
		return o.Addr == r.Addr || r.Instance != "" && o.Instance == r.Instance // the same server, moved
	})
	m.Recent = slices.Insert(m.Recent, 0, r)
	if len(m.Recent) > MaxRecent {
		m.Recent = m.Recent[:MaxRecent]
	}
	m.ch.Servers, m.ch.Recent = true, true
}

// ForgetRecent removes addr from the recent servers.
func (m *Model) ForgetRecent(addr string) {
	n := len(m.Recent)
	m.Recent = slices.DeleteFunc(m.Recent, func(o Recent) bool { return o.Addr == addr })
	if len(m.Recent) != n {
		m.ch.Servers, m.ch.Recent = true, true
	}
}

// announced compares the fingerprint a server presents with the one
// announced on the LAN by the server found at addr: the text to show beside
// the trust prompt (never instead of it), and whether they match.
func (m *Model) announced(addr string, fp trust.Fingerprint) (text string, match bool) {
	inst := m.instanceAt(addr)
	if inst == "" {
		return "", false
	}
	s, _ := m.LAN.Find(inst)
	if s.Fingerprint == "" {
		return lang.L("“{{.Server}}” announced itself on this network without a fingerprint.", vars{"Server": s.Title()}), false
	}
	a, err := trust.ParseFingerprint(s.Fingerprint)
	if err == nil && a == fp {
		return lang.L("“{{.Server}}” announced the same fingerprint on this network.", vars{"Server": s.Title()}), true
	}
	return lang.L("Careful: “{{.Server}}” announced another fingerprint on this network:", vars{"Server": s.Title()}) + "\n" +
		strings.TrimSpace(s.Fingerprint) + "\n" + lang.L("Do not trust this server unless its admin confirms the fingerprint above."), false
}
