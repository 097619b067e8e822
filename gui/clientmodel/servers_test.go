package clientmodel

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/discovery"
	"github.com/multichat/multichat/net/wire"
)

func found(name, addr string, people int, password bool, fingerprint string) discovery.Event {
	return discovery.Event{Kind: discovery.Found, Server: discovery.Server{Instance: name, Addr: addr, Addrs: []string{addr},
		Info: discovery.Info{Name: name, Version: wire.Version, People: people, Password: password, Fingerprint: fingerprint}}}
}

func TestServerRowsFoundAndRecent(t *testing.T) {
	r := newRec(t)
	if got := r.LANStatus(); !strings.Contains(got, "Looking for servers") {
		t.Errorf("status before a search: %q", got)
	}
	r.Recent = []Recent{
		{Addr: "10.0.0.9:7878", Name: "Library", Nick: "minsu", When: r.now().Add(-24 * time.Hour)},
		{Addr: "10.0.0.5:7878", Name: "Old name", Nick: "alice", Instance: "Room 7"},
	}
	r.ApplyLAN([]discovery.Event{{Kind: discovery.Searched}})
	if !r.Take().Servers || r.LANStatus() != "No servers found on this network; type the address the admin shows" {
		t.Errorf("nothing found: %q", r.LANStatus())
	}
	r.ApplyLAN([]discovery.Event{found("Room 7", "10.0.0.5:7878", 12, true, fp(1).String()), found("Lab", "10.0.0.7:7878", 1, false, "")})
	if !r.Take().Servers {
		t.Error("found servers not marked changed")
	}
	rows := r.ServerRows()
	if len(rows) != 3 {
		t.Fatalf("rows %+v", rows)
	}
	// Found ones first, by name; the recent one found now is one row that
	// keeps its nickname; the recent one not found comes last.
	if rows[0].Title != "Lab" || !rows[0].Found || !rows[0].Plaintext || rows[0].Locked || rows[0].Recent {
		t.Errorf("row 0 %+v", rows[0])
	}
	if rows[1].Title != "Room 7" || !rows[1].Locked || rows[1].Plaintext || !rows[1].Recent || rows[1].Nick != "alice" ||
		!strings.Contains(rows[1].Detail, "12 people online") || rows[1].Fingerprint != fp(1).String() {
		t.Errorf("row 1 %+v", rows[1])
	}
	if rows[2].Title != "Library" || rows[2].Found || !rows[2].Recent || rows[2].Nick != "minsu" ||
		!strings.Contains(rows[2].Detail, "last used yesterday at") {
		t.Errorf("row 2 %+v", rows[2])
	}
	// A server of a cluster says so on its row.
	c := found("Floor 2", "10.0.0.8:7878", 3, false, fp(2).String())
	c.Server.Cluster, c.Server.Servers = "c1", 3
	r.ApplyLAN([]discovery.Event{c})
	for _, row := range r.ServerRows() {
		if row.Title == "Floor 2" && !strings.Contains(row.Detail, "one of 3 servers of the same chat") {
			t.Errorf("cluster row %+v", row)
		}
	}
	r.ApplyLAN([]discovery.Event{{Kind: discovery.Lost, Server: discovery.Server{Instance: "Floor 2"}}})
	// Live: a server that stops is gone from the list.
	r.ApplyLAN([]discovery.Event{{Kind: discovery.Lost, Server: discovery.Server{Instance: "Lab"}}})
	if rows := r.ServerRows(); len(rows) != 2 || rows[0].Title != "Room 7" {
		t.Errorf("after Lost: %+v", rows)
	}
}

func TestConnectRemembersServer(t *testing.T) {
	r := newRec(t)
	r.ApplyLAN([]discovery.Event{found("Room 7", "10.0.0.5:7878", 3, false, fp(1).String())})
	for i := range MaxRecent + 2 {
		r.Recent = append(r.Recent, Recent{Addr: "10.0.1." + string(rune('0'+i)) + ":7878"})
	}
	c := connecting(t, r, "10.0.0.5", "alice")
	if r.Instance != "Room 7" {
		t.Errorf("instance %q", r.Instance)
	}
	r.Apply([]client.Event{client.Connected{Session: c.Session, Addr: c.Addr, Nick: "alice", Server: "Room 7", Lobby: "lobby"}})
	if !r.Take().Recent || len(r.Recent) != MaxRecent {
		t.Fatalf("recent %d %+v", len(r.Recent), r.Recent)
	}
	if got := r.Recent[0]; got.Addr != "10.0.0.5:7878" || got.Nick != "alice" || got.Name != "Room 7" ||
		!got.Plaintext || got.Instance != "Room 7" || !got.When.Equal(r.now()) {
		t.Errorf("remembered %+v", got)
	}
	r.ForgetRecent("10.0.0.5:7878")
	if !r.Take().Recent || len(r.Recent) != MaxRecent-1 || r.Recent[0].Addr == "10.0.0.5:7878" {
		t.Errorf("after Forget: %+v", r.Recent)
	}
}

func TestTrustPromptShowsAnnouncedFingerprint(t *testing.T) {
	for _, tc := range []struct {
		announced string
		want      string
		match     bool
	}{
		{fp(1).String(), "announced the same fingerprint", true},
		{fp(2).String(), "Careful: “Room 7” announced another fingerprint", false},
		{"", "without a fingerprint", false},
	} {
		r := newRec(t)
		r.ApplyLAN([]discovery.Event{found("Room 7", "10.0.0.5:7878", 3, false, tc.announced)})
		c := connecting(t, r, "10.0.0.5:7878", "alice")
		r.Apply([]client.Event{client.TrustNeeded{Addr: c.Addr, Server: "Room 7", Fingerprint: fp(1)}})
		p := r.Prompt
		if p == nil || p.Kind != AskTrust || p.Fingerprint != fp(1).String() {
			t.Fatalf("no trust prompt: %+v", p)
		}
		if !strings.Contains(p.Announced, tc.want) || p.Matches != tc.match {
			t.Errorf("announced %q: got %q match %v", tc.announced, p.Announced, p.Matches)
		}
		if tc.announced == fp(2).String() && !strings.Contains(p.Announced, fp(2).String()) {
			t.Errorf("the other fingerprint is not shown: %q", p.Announced)
		}
	}
	// A server typed by hand, not found on the network: nothing to compare.
	r := newRec(t)
	c := connecting(t, r, "10.0.0.8:7878", "alice")
	r.Apply([]client.Event{client.TrustNeeded{Addr: c.Addr, Fingerprint: fp(1)}})
	if r.Prompt == nil || r.Prompt.Announced != "" {
		t.Errorf("prompt %+v", r.Prompt)
	}
}

// A server picked from the list that comes back at another address (DHCP):
// the session is redirected there and the conversations continue.
func TestLANMoveRedirects(t *testing.T) {
	r := newRec(t)
	r.ApplyLAN([]discovery.Event{found("Room 7", "10.0.0.5:7878", 3, false, "")})
	online(t, r, "10.0.0.5:7878", "alice", "bob")
	lobby := r.Cur
	r.Apply([]client.Event{client.Message{MsgID: 1, Room: "lobby", From: "bob", Text: "hi"}})
	r.take()
	r.Apply([]client.Event{client.Disconnected{Session: r.Session, Err: errors.New("connection reset")}})
	moved := found("Room 7", "10.0.0.41:7878", 3, false, "")
	moved.Kind = discovery.Updated
	r.ApplyLAN([]discovery.Event{moved})
	if rd := last[client.Redirect](t, r); rd.Addr != "10.0.0.41:7878" {
		t.Errorf("redirect %+v", rd)
	}
	r.Apply([]client.Event{client.Connected{Session: r.Session, Addr: "10.0.0.41:7878", Nick: "alice", Lobby: "lobby", Rejoin: true, Encrypted: true}})
	if r.Cur != lobby || len(r.Convs) != 1 || !strings.Contains(strings.Join(texts(lobby), "\n"), "hi") ||
		!strings.Contains(strings.Join(texts(lobby), "\n"), "now answers at 10.0.0.41:7878") {
		t.Errorf("conversation not kept: %q", strings.Join(texts(lobby), "\n"))
	}
	// The server is remembered once, at its new address.
	if len(r.Recent) != 1 || r.Recent[0].Addr != "10.0.0.41:7878" {
		t.Errorf("recent %+v", r.Recent)
	}
	// Another server's news does nothing.
	r.ApplyLAN([]discovery.Event{found("Lab", "10.0.0.7:7878", 1, false, "")})
	if s := r.take(); len(s) != 0 {
		t.Errorf("sent %+v", s)
	}
}
