package clientmodel

import (
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
)

func fp(b byte) trust.Fingerprint {
	var f trust.Fingerprint
	for i := range f {
		f[i] = b + byte(i)
	}
	return f
}

// connecting starts a Connect and returns it.
func connecting(t *testing.T, r *rec, addr, nick string) client.Connect {
	t.Helper()
	if r.Connect(addr, nick) == "" {
		t.Fatalf("Connect refused: %q", r.Form.Text)
	}
	return last[client.Connect](t, r)
}

func TestTrustPromptTrustAndCancel(t *testing.T) {
	r := newRec(t)
	c := connecting(t, r, "10.0.0.5:7878", "alice")
	r.Apply([]client.Event{client.TrustNeeded{Addr: c.Addr, Server: "Class 3B", Fingerprint: fp(1)}})
	if !r.Take().Prompt || r.Prompt == nil || r.Prompt.Kind != AskTrust {
		t.Fatalf("no trust prompt: %+v", r.Prompt)
	}
	want := fp(1).String()
	if !strings.Contains(r.Prompt.Text, "First connection to Class 3B at 10.0.0.5:7878") ||
		!strings.Contains(r.Prompt.Text, want) || r.Prompt.Fingerprint != want || !strings.Contains(want, " ") {
		t.Errorf("prompt %q / %q", r.Prompt.Text, r.Prompt.Fingerprint)
	}
	r.Trust()
	if ts := last[client.TrustServer](t, r); ts.Fingerprint != fp(1) {
		t.Errorf("trusted %v", ts.Fingerprint)
	}
	if r.Prompt != nil || !r.Take().Prompt || r.Phase != Connecting {
		t.Errorf("after Trust: prompt %v phase %v", r.Prompt, r.Phase)
	}
	r.Apply([]client.Event{client.Connected{Session: c.Session, Addr: c.Addr, Nick: "alice", Lobby: "lobby", Encrypted: true, Fingerprint: fp(1)}})
	if r.Phase != Chat || r.Banner.Text != "" {
		t.Errorf("connected: phase %v banner %q", r.Phase, r.Banner.Text)
	}

	// Cancel ends the attempt and keeps the form.
	r2 := newRec(t)
	c = connecting(t, r2, "10.0.0.6:7878", "bob")
	r2.Apply([]client.Event{client.TrustNeeded{Addr: c.Addr, Fingerprint: fp(2)}})
	r2.Decline()
	last[client.Disconnect](t, r2)
	if r2.Prompt != nil || r2.Phase != Idle || !strings.Contains(r2.Form.Text, "did not trust") || r2.Addr != c.Addr || r2.Nick != "bob" {
		t.Errorf("after Cancel: phase %v form %q", r2.Phase, r2.Form.Text)
	}
	// The session's final Disconnected (no error) changes nothing.
	r2.Apply([]client.Event{client.Disconnected{Session: c.Session, Final: true}})
	if !strings.Contains(r2.Form.Text, "did not trust") {
		t.Errorf("form %q", r2.Form.Text)
	}
	// The form's Cancel closes the prompt too.
	c = connecting(t, r2, "10.0.0.6:7878", "bob")
	r2.Apply([]client.Event{client.TrustNeeded{Addr: c.Addr, Fingerprint: fp(2)}})
	r2.Cancel()
	if r2.Prompt != nil || r2.Phase != Idle {
		t.Errorf("form Cancel left prompt %v", r2.Prompt)
	}
}

func TestIdentityChangedIsAnErrorWithBothFingerprints(t *testing.T) {
	r := newRec(t)
	c := connecting(t, r, "10.0.0.5:7878", "alice")
	r.Take()
	r.Apply([]client.Event{
		client.IdentityChanged{Addr: c.Addr, Trusted: fp(1), Presented: fp(9)},
		client.Disconnected{Session: c.Session, Final: true, Err: &client.IdentityChangedError{Addr: c.Addr, Trusted: fp(1), Presented: fp(9)}},
	})
	if r.Phase != Idle || !r.Form.Error || r.Prompt != nil {
		t.Fatalf("phase %v form %+v prompt %v", r.Phase, r.Form, r.Prompt)
	}
	for _, s := range []string{"identity changed", fp(1).String(), fp(9).String(), "Trusted servers"} {
		if !strings.Contains(r.Form.Text, s) {
			t.Errorf("form error lacks %q: %q", s, r.Form.Text)
		}
	}
	if len(r.Dialogs) != 1 || r.Dialogs[0].Title != "The server's identity changed" || !strings.Contains(r.Dialogs[0].Text, fp(9).String()) {
		t.Errorf("dialogs %+v", r.Dialogs)
	}
	for _, cmd := range r.take() {
		if _, ok := cmd.(client.TrustServer); ok {
			t.Error("an identity change must never be trusted by the window")
		}
	}

	// During a reconnect: the conversations end, kept, with the same error.
	r = newRec(t)
	c = online(t, r, "10.0.0.5:7878", "alice", "bob")
	r.Apply([]client.Event{client.Disconnected{Session: c.Session, Err: io.ErrUnexpectedEOF}})
	r.Apply([]client.Event{client.IdentityChanged{Addr: c.Addr, Trusted: fp(1), Presented: fp(9)},
		client.Disconnected{Session: c.Session, Final: true, Err: &client.IdentityChangedError{Addr: c.Addr}}})
	if r.Phase != Chat || r.Link != Ended || !strings.Contains(r.Banner.Text, "identity changed") {
		t.Errorf("link %v banner %q", r.Link, r.Banner.Text)
	}
	if got := texts(r.Cur); !strings.Contains(got[len(got)-1], fp(9).String()) {
		t.Errorf("log %q", got)
	}
}

func TestPasswordPrompt(t *testing.T) {
	r := newRec(t)
	c := connecting(t, r, "10.0.0.5:7878", "alice")
	r.Apply([]client.Event{client.PasswordNeeded{Addr: c.Addr, Code: wire.RefusePasswordNeeded, Text: "the server needs a password"}})
	if r.Prompt == nil || r.Prompt.Kind != AskPassword || r.Prompt.Wrong || !strings.Contains(r.Prompt.Text, "asks for its password") {
		t.Fatalf("prompt %+v", r.Prompt)
	}
	r.Password("s3cret")
	if sp := last[client.SendPassword](t, r); sp.Password != "s3cret" {
		t.Errorf("sent %q", sp.Password)
	}
	r.Apply([]client.Event{client.PasswordNeeded{Addr: c.Addr, Wrong: true, Code: wire.RefusePasswordWrong, Text: "wrong password"}})
	if r.Prompt == nil || !r.Prompt.Wrong || !strings.HasPrefix(r.Prompt.Text, "Wrong password, try again.") {
		t.Fatalf("prompt %+v", r.Prompt)
	}
	r.Password("again")
	r.Take()
	r.Apply([]client.Event{client.PasswordNeeded{Addr: c.Addr, Wrong: true, Code: wire.RefuseTooManyTries, Text: "wait 40 seconds"}})
	if !strings.Contains(r.Prompt.Text, "wait 40 seconds") {
		t.Errorf("throttled prompt %q", r.Prompt.Text)
	}
	r.Decline()
	last[client.Disconnect](t, r)
	if r.Phase != Idle || r.Addr != c.Addr || r.Nick != "alice" || !strings.Contains(r.Form.Text, "needs its password") {
		t.Errorf("after Cancel: phase %v form %q", r.Phase, r.Form.Text)
	}
}

func TestNickLostAsksAtOnceAndKeepsEverything(t *testing.T) {
	r := newRec(t)
	c := online(t, r, "10.0.0.5:7878", "alice", "bob")
	r.Join("dev")
	r.Apply([]client.Event{client.RoomJoined{Room: "dev", Users: []string{"alice"}}})
	r.Take()
	r.Apply([]client.Event{client.Disconnected{Session: c.Session, Err: io.ErrUnexpectedEOF}})
	if !r.Submit("still here") {
		t.Fatalf("typing while offline refused: %q", r.Hint)
	}
	r.Take()
	r.Apply([]client.Event{client.NickLost{Nick: "alice", Text: "nickname taken [아이디 중복]"}})
	if r.Prompt == nil || r.Prompt.Kind != AskNick || r.Link != Renaming {
		t.Fatalf("prompt %+v link %v", r.Prompt, r.Link)
	}
	if strings.Contains(strings.ToLower(r.Banner.Text), "reconnecting") || !strings.Contains(r.Banner.Text, "Choose another nickname") {
		t.Errorf("banner %q", r.Banner.Text)
	}
	// A Reconnecting meanwhile does not bring "reconnecting" back.
	r.Apply([]client.Event{client.Reconnecting{Session: c.Session, Attempt: 2}})
	if strings.Contains(strings.ToLower(r.Banner.Text), "reconnecting") {
		t.Errorf("banner %q", r.Banner.Text)
	}
	if r.ReadOnly() || len(r.Convs) != 2 || r.Cur.Name != "dev" {
		t.Errorf("conversations lost: %d, read-only %v", len(r.Convs), r.ReadOnly())
	}
	if got := texts(r.Cur); !slices.Contains(got, "still here") {
		t.Errorf("unsent line lost: %q", got)
	}
	r.take()
	if r.NewNick("") || r.Hint == "" || len(r.take()) != 0 {
		t.Error("an invalid nickname was taken")
	}
	if !r.NewNick("alice2") {
		t.Fatalf("refused: %q", r.Hint)
	}
	if cn := last[client.ChangeNick](t, r); cn.Nick != "alice2" || r.Prompt != nil {
		t.Errorf("sent %+v", cn)
	}
	r.Apply([]client.Event{client.Connected{Session: c.Session, Addr: c.Addr, Nick: "alice2", Lobby: "lobby", Users: []string{"alice2", "bob"}, Rejoin: true, Encrypted: true}})
	if r.Me != "alice2" || r.Link != Live || len(r.Convs) != 2 {
		t.Errorf("me %q link %v convs %d", r.Me, r.Link, len(r.Convs))
	}
	if got := texts(r.Cur); got[len(got)-1] != "Reconnected as alice2." {
		t.Errorf("log %q", got)
	}
}

func TestNotEncryptedWhileConnected(t *testing.T) {
	r := newRec(t)
	r.Plaintext = true
	c := connecting(t, r, "10.0.0.5:7878", "alice")
	if !c.Plaintext {
		t.Error("the form's plaintext option was not sent")
	}
	r.Apply([]client.Event{client.Connected{Session: c.Session, Addr: c.Addr, Nick: "alice", Lobby: "lobby", Users: []string{"alice"}}})
	if r.Banner.Text != NotEncrypted() || !r.Banner.Warn || r.Encrypted {
		t.Errorf("banner %+v", r.Banner)
	}
	// Lost and back: the warning comes back with the connection.
	r.Apply([]client.Event{client.Disconnected{Session: c.Session, Err: io.ErrUnexpectedEOF},
		client.Connected{Session: c.Session, Addr: c.Addr, Nick: "alice", Lobby: "lobby", Users: []string{"alice"}, Rejoin: true}})
	if r.Banner.Text != NotEncrypted() {
		t.Errorf("banner after reconnect %q", r.Banner.Text)
	}
}

func TestForgetServer(t *testing.T) {
	r := newRec(t)
	r.ForgetServer("10.0.0.5:7878")
	if f := last[client.ForgetServer](t, r); f.Addr != "10.0.0.5:7878" {
		t.Errorf("sent %+v", f)
	}
	r.Apply([]client.Event{client.ServerForgotten{Addr: "10.0.0.5:7878", Existed: true}})
	if !strings.Contains(r.Form.Text, "removed from the trusted servers") {
		t.Errorf("form %q", r.Form.Text)
	}
}
