package irc_test

import (
	"testing"

	"github.com/multichat/multichat/net/client"
	. "github.com/multichat/multichat/net/gateway/gatewaytest"
	"github.com/multichat/multichat/net/gateway/irc"
	"github.com/multichat/multichat/net/server"
)

// A private message from IRC to a user the server knows but who is offline
// is kept (history on): the IRC user is told so in a NOTICE, and the
// recipient gets it when they come back.
func TestIRCPrivateToOfflineIsQueued(t *testing.T) {
	st := OpenStore(t)
	ts, addr := startWith(t, server.Config{History: st}, irc.Config{})
	dir := t.TempDir() // bob's device key, kept across his two sessions
	bob := Connect(t, ts.Addr, "bob", client.WithDataDir(dir))
	server.WaitEvent[server.UserJoined](ts)
	bob.Do(client.Disconnect{})
	server.WaitEvent[server.UserLeft](ts)

	alice := register(t, addr, "alice")
	alice.send("PRIVMSG bob :call me when you are back")
	if m := alice.expect("NOTICE"); m.Param(0) != "alice" || m.Param(1) != "bob is not online right now: "+
		"your message is kept and will be delivered when bob comes back." {
		t.Errorf("queued: %s", m)
	}
	back := Connect(t, ts.Addr, "bob", client.WithDataDir(dir))
	if a := Next[client.Away](back); len(a.Messages) != 1 || a.Messages[0].From != "alice" ||
		a.Messages[0].Text != "call me when you are back" {
		t.Errorf("bob got %+v", a)
	}
}
