package classic_test

import (
	"testing"

	"github.com/multichat/multichat/net/client"
	. "github.com/multichat/multichat/net/gateway/gatewaytest"
	"github.com/multichat/multichat/net/server"
)

// A classic user's private message to a user the server knows but who is
// offline is kept (history on): the seed client prints a [Server] line
// saying so, and the recipient gets it when they come back.
func TestClassicPrivateToOfflineIsQueued(t *testing.T) {
	st := OpenStore(t)
	ts := start(t, server.Config{History: st})
	dir := t.TempDir() // bob's device key, kept across his two sessions
	bob := Connect(t, ts.Addr, "bob", client.WithDataDir(dir))
	server.WaitEvent[server.UserJoined](ts)
	bob.Do(client.Disconnect{})
	server.WaitEvent[server.UserLeft](ts)

	dave := dialSeed(t, ts.Addr, "dave")
	dave.expect("[Server] Online users")
	dave.say("/msg bob see you tomorrow")
	dave.expect("[Server] bob is not online right now: your message is kept and will be delivered when bob comes back.")
	back := Connect(t, ts.Addr, "bob", client.WithDataDir(dir))
	if a := Next[client.Away](back); len(a.Messages) != 1 || a.Messages[0].From != "dave" ||
		a.Messages[0].Text != "see you tomorrow" {
		t.Errorf("bob got %+v", a)
	}
}
