package irc_test

import (
	"testing"

	"github.com/multichat/multichat/net/gateway/irc"
	"github.com/multichat/multichat/net/server"
)

// IRC users see moderation as IRC does: a NOTICE for their mute (and the
// refusal of what they send meanwhile), TOPIC for a pinned topic; a ban on
// their nickname keeps them out.
func TestIRCMutedTopicBanned(t *testing.T) {
	ts, addr := start(t, irc.Config{})
	alice := register(t, addr, "alice")
	server.WaitEvent[server.UserJoined](ts)

	ts.Do(server.Mute{Nick: "alice", Reason: "spam"})
	alice.expect("NOTICE", "You are muted by the administrator: spam")
	alice.send("PRIVMSG #lobby :hello?")
	alice.expect("NOTICE", "you are muted")
	ts.Do(server.Unmute{Nick: "alice"})
	alice.expect("NOTICE", "ended your mute")

	ts.Do(server.SetTopic{Text: "시험은 3시"})
	if m := alice.expect("TOPIC", "#lobby"); m.Param(1) != "시험은 3시" {
		t.Errorf("topic %s", m)
	}

	ts.Do(server.Ban{Nick: "alice", Reason: "rude"})
	alice.expect("ERROR", "rude")
	alice.expectEOF()
	again := dialIRC(t, addr)
	again.send("NICK alice", "USER alice 0 * :Alice")
	again.expect("ERROR", "rude")
}
