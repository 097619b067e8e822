package classic_test

import (
	"context"
	"net/netip"
	"testing"

	"github.com/multichat/multichat/net/gateway"
	"github.com/multichat/multichat/net/server"
)

// TestSeedClientSeesQuitWords: a user who quits with words (an IRC QUIT
// reason) is shown leaving with them.
func TestSeedClientSeesQuitWords(t *testing.T) {
	ts, port := startPort(t, server.Config{})
	alice := dialSeed(t, ts.Addr, "alice")
	alice.expect("Welcome")
	l, err := gateway.Join(context.Background(), port, netip.MustParseAddrPort("127.0.0.1:1"), "irc", "ivan", "")
	if err != nil {
		t.Fatal(err)
	}
	alice.expect("ivan joined the chat.")
	l.Quit("see you tomorrow")
	alice.expect("ivan left the chat: see you tomorrow")
}
