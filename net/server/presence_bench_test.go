package server

import (
	"strings"
	"testing"
	"time"

	"github.com/multichat/multichat/net/wire"
)

// BenchmarkPresenceOverhead measures what presence adds to the hub's work
// at N=500, side by side in one loop (two hubs, alternating, so that the
// shared machine's noise hits both alike):
//
//   - chat: one 100-byte message from each member in turn to the lobby;
//   - chat+typing: the same, each message preceded by its sender's typing
//     notice at the limit (forwarded to the 499 others, as when everyone
//     types all the time) and a second typing frame within the 3 s (dropped,
//     as from a client that ignores the limit).
//
// Writers are done in-line (takeAll), without sockets. Reported: ns per
// delivery of each (every frame queued to a member, chat or typing notice,
// counts as one), their ratio (the target: ≤ 1.01), and how much more hub
// time a chat message costs when everyone is typing.
func BenchmarkPresenceOverhead(b *testing.B) {
	const n = 500
	plain, plainCs := benchHub(b, n)
	typed, typedCs := benchHub(b, n)
	say := wire.Say{Ref: 1, Room: wire.Lobby, Text: strings.Repeat("x", 100)}
	tp := wire.Typing{Room: wire.Lobby}
	spares := make([][]outFrame, n)
	drain := func(cs []*conn) {
		for i, c := range cs {
			spares[i] = takeAll(c.out, spares[i])
		}
	}
	var tPlain, tTyped time.Duration
	var dPlain, dTyped int
	k := 0
	for b.Loop() {
		t0 := time.Now()
		plain.say(plainCs[k], say)
		plain.wakeWriters()
		drain(plainCs)
		t1 := time.Now()
		c := typedCs[k]
		c.presence.typedAt = time.Time{} // its last notice was 3 s ago: at the limit
		typed.typing(c, tp)
		typed.typing(c, tp) // too soon: dropped
		typed.say(c, say)
		typed.wakeWriters()
		drain(typedCs)
		t2 := time.Now()
		tPlain += t1.Sub(t0)
		tTyped += t2.Sub(t1)
		dPlain += n
		dTyped += 2*n - 1
		k = (k + 1) % n
	}
	perPlain := float64(tPlain.Nanoseconds()) / float64(dPlain)
	perTyped := float64(tTyped.Nanoseconds()) / float64(dTyped)
	b.ReportMetric(perPlain, "ns/delivery(chat)")
	b.ReportMetric(perTyped, "ns/delivery(chat+typing)")
	b.ReportMetric(perTyped/perPlain, "ratio")
	b.ReportMetric(float64(tTyped)/float64(tPlain), "hub-time-per-message-ratio")
}
