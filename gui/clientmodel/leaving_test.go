package clientmodel

import (
	"testing"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

// TestLeavingWordsShown: a user's words on leaving follow the "left" line,
// with controls made visible.
func TestLeavingWordsShown(t *testing.T) {
	r := newRec(t)
	online(t, r, "h:1", "alice")
	lobby := r.Cur
	r.Apply([]client.Event{client.Message{Room: "lobby", From: "x", Text: "y"},
		client.Left{Room: "lobby", Nick: "bob", Reason: wire.LeftQuit, Text: "see you\u202Etomorrow"}})
	if got := texts(lobby)[len(lobby.Entries)-1]; got != "bob quit: “see you⟨RLO⟩tomorrow”" {
		t.Errorf("quit with words: %q", got)
	}
}
