package client

import (
	"testing"
)

// TestAwayDeliveredToTheDevice: a private message to a user who left is
// kept (the sender is told), and the user's device gets it as Away when it
// connects again, from a new session, under another nickname.
func TestAwayDeliveredToTheDevice(t *testing.T) {
	s := historyServer(t)
	dir := t.TempDir() // bob's device key lives here
	ann := join(t, s, "ann")
	bob := join(t, s, "bob", WithDataDir(dir))
	waitUsers(ann, "lobby", "ann", "bob")
	bob.stop()
	waitUsers(ann, "lobby", "ann")

	ann.do(Private{ID: 5, To: "bob", Text: "call me when you are back"})
	if m := waitMsg(ann, func(m Message) bool { return m.Mine }); m.ID != 5 || !m.Private || m.To != "bob" {
		t.Fatalf("echo %#v", m)
	}
	if q := nextIs[Queued](ann); q.To != "bob" || q.MsgID == 0 {
		t.Fatalf("queued %#v", q)
	}

	robert := join(t, s, "robert", WithDataDir(dir))
	a, _ := waitFor[Away](robert)
	if len(a.Messages) != 1 || a.Earlier != 0 {
		t.Fatalf("away %#v", a)
	}
	if m := a.Messages[0]; m.Text != "call me when you are back" || m.From != "ann" || !m.Private || m.History || m.Mine {
		t.Fatalf("away message %#v", m)
	}
}
