package servermodel

import (
	"fmt"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/trust"
)

func TestUsersRoomsAndLog(t *testing.T) {
	var m Model
	now := time.Date(2026, 3, 4, 14, 2, 0, 0, time.UTC)
	addr := netip.MustParseAddrPort("[::ffff:192.168.1.5]:51000")
	m.State = Starting
	m.Apply(server.Started{Addr: "0.0.0.0:7878", At: now})
	if m.State != Running || m.Bound != "0.0.0.0:7878" {
		t.Fatalf("started: %+v", m)
	}
	if ch := m.Apply(server.UserJoined{Nick: "민수", Addr: addr, Since: now}); !ch.Users || len(m.Users) != 1 {
		t.Fatalf("joined: %+v", m.Users)
	}
	m.Apply(server.UserJoined{Nick: "민수", Addr: addr, Since: now}) // again: not listed twice
	m.Apply(server.RoomChanged{Room: "dev", Members: []string{"민수"}})
	m.Apply(server.RoomChanged{Room: "Art", Members: []string{"민수"}})
	if len(m.Users) != 1 || len(m.Rooms) != 2 || m.Rooms[0].Name != "Art" {
		t.Fatalf("users %+v rooms %+v", m.Users, m.Rooms)
	}
	m.Apply(server.RoomChanged{Room: "dev"}) // emptied: gone
	m.Apply(server.Message{Room: "lobby", From: "민수", Text: "line\nbreak \x1b", At: now})
	m.Apply(server.Message{Private: true, From: "a", To: "b", Text: "secret", At: now})
	m.Apply(server.UserLeft{Nick: "민수", Reason: "kicked", At: now})
	if len(m.Users) != 0 || len(m.Rooms) != 1 {
		t.Fatalf("after leaving: users %+v rooms %+v", m.Users, m.Rooms)
	}
	var log []string
	for _, l := range m.Lines {
		log = append(log, l.Text)
	}
	want := []string{"Server started, listening on 0.0.0.0:7878", PlaintextWarning(), "민수 joined from 192.168.1.5:51000",
		"민수 joined from 192.168.1.5:51000", "[lobby] 민수: line ↵ break  ", "a → b: private message", "민수 left (kicked)"}
	if strings.Join(log, "\n") != strings.Join(want, "\n") {
		t.Errorf("log:\n%s\nwant:\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
	if m.Lines[len(m.Lines)-1].Kind != Warn || m.Lines[5].Kind != Private || m.Lines[1].Kind != Warn {
		t.Error("line kinds")
	}
	m.Apply(server.Stopped{At: now})
	if m.State != Stopped || m.Bound != "" || m.Users != nil || m.Rooms != nil {
		t.Errorf("stopped: %+v", m)
	}
}

// TestIdentityAndPassword: the status and the log show the fingerprint (or
// the plaintext warning) and whether a password is needed, never a password.
func TestIdentityAndPassword(t *testing.T) {
	var m Model
	if m.Security() != "" || m.Access() != "" {
		t.Errorf("stopped: %q %q", m.Security(), m.Access())
	}
	now := time.Date(2026, 3, 4, 14, 2, 0, 0, time.UTC)
	var fp trust.Fingerprint
	for i := range fp {
		fp[i] = byte(0xAB + i)
	}
	m.State = Starting
	m.Apply(server.Started{Addr: "0.0.0.0:7878", At: now, TLS: true, Fingerprint: fp})
	want := "Encrypted (TLS). Server fingerprint: " + fp.String()
	if !strings.HasPrefix(fp.String(), "ABAC ADAE ") || m.Security() != want || m.Access() != "No password" {
		t.Fatalf("running: %q %q", m.Security(), m.Access())
	}
	if l := m.Lines[len(m.Lines)-1]; l.Text != want || l.Kind != Info {
		t.Errorf("log %+v, want the fingerprint", l)
	}
	m.Apply(server.PasswordChanged{Required: true, At: now})
	if m.Access() != "Password required" {
		t.Errorf("after setting: %q", m.Access())
	}
	m.Apply(server.Stopped{At: now})
	if m.Security() != "" || m.Fingerprint != "" || m.Access() != "Password required" {
		t.Errorf("stopped: %q %q (the server keeps its password)", m.Security(), m.Access())
	}
	m.Apply(server.Started{Addr: "0.0.0.0:7878", At: now, Password: true})
	if m.Security() != PlaintextWarning() || m.Access() != "Password required" {
		t.Errorf("plaintext: %q %q", m.Security(), m.Access())
	}
	n := len(m.Lines)
	if m.Lines[n-2].Text != PlaintextWarning() || m.Lines[n-2].Kind != Warn || !strings.Contains(m.Lines[n-1].Text, "Password required") {
		t.Errorf("log %+v", m.Lines[n-2:])
	}
	m.Apply(server.PasswordChanged{At: now})
	if m.Access() != "No password" {
		t.Errorf("after removing: %q", m.Access())
	}
	m.Apply(server.Error{Op: "password", Err: fmt.Errorf("boom")})
	if len(m.Problems) != 1 || m.Problems[0].Title != "Could not change the server password" {
		t.Errorf("problems %+v", m.Problems)
	}
}

func TestErrorsBecomeProblemsAndFixTheState(t *testing.T) {
	var m Model
	m.State = Starting
	m.Apply(server.Error{Op: "start", Err: fmt.Errorf("listen: %w", syscall.EADDRINUSE)})
	if m.State != Stopped || len(m.Problems) != 1 || !strings.Contains(m.Problems[0].Err.Error(), "already in use") {
		t.Fatalf("start failed: state %v problems %+v", m.State, m.Problems)
	}
	m.State, m.Bound = Stopping, "127.0.0.1:1"
	m.Apply(server.Error{Op: "stop", Err: fmt.Errorf("boom")})
	if m.State != Running || m.Problems[1].Title != "Could not stop the server" {
		t.Errorf("stop failed: state %v problems %+v", m.State, m.Problems)
	}
}

func TestTrim(t *testing.T) {
	var m Model
	for i := range 25 {
		m.Log(time.Time{}, Info, fmt.Sprint(i))
	}
	if d := m.Trim(20, 10); d != 0 {
		t.Errorf("trimmed %d below the slack", d)
	}
	if d := m.Trim(10, 10); d != 15 || len(m.Lines) != 10 || m.Lines[0].Text != "15" || m.Lines[0].At.IsZero() {
		t.Errorf("trimmed %d, kept %d from %q", d, len(m.Lines), m.Lines[0].Text)
	}
}
