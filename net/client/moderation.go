package client

import (
	"time"

	"github.com/multichat/multichat/net/wire"
)

// Moderation events (PROTOCOL.md, "Moderation"). A ban arrives as Refused
// with RefuseBanned (Until, Text the reason) and ends the session: the
// client never retries a ban by itself.

// Restricted: a mute on me (Kind wire.RestrictMute) or lecture mode in Room
// ("" : every room; Kind wire.RestrictLecture) began (On) or ended. Until is
// when it ends by itself (zero: when the admin ends it). While muted, Say
// and Private are handed back (Undelivered) with a ServerError of code
// wire.CodeMuted.
type Restricted struct {
	Kind   wire.RestrictKind
	On     bool
	Room   string
	Until  time.Time
	Reason string
}

// Topic: Text is pinned to Room (Text empty: unpinned) by the admin (By
// "admin") or an operator of the room (By: their nickname).
type Topic struct {
	Room string
	Text string
	By   string
	Time time.Time
}

func (Restricted) isEvent() {}
func (Topic) isEvent()      {}

// untilOf converts an until field (Unix milliseconds; 0: none).
func untilOf(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}
