package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/multichat/multichat/net/wire"
)

// benchHub returns a hub with n announced members in the lobby, without
// sockets, and a function that drains the event queue.
func benchHub(b testing.TB, n int) (*hub, []*conn) {
	events := make(chan Event, 1024)
	q := newEventQueue(events)
	go func() {
		for range events {
		}
	}()
	b.Cleanup(func() { q.close(eventGrace) })
	cfg := Config{}.Defaults()
	h := newHub(cfg, q)
	h.binds = newBindings(nil, cfg.NickGrace, func(err error) { b.Error(err) }) // as Run does; nothing saved
	cs := make([]*conn, n)
	for i := range cs {
		c := &conn{h: h, out: newOutbox(h.cfg.OutboxBytes, nil, 0, h.acct), gone: make(chan struct{}), state: stateMember, announced: true}
		c.nick = fmt.Sprintf("user%04d", i)
		c.fold, c.skels = wire.FoldKey(c.nick), wire.SkeletonKeys(c.nick)
		h.members[c.fold] = c
		h.names.addNick(c)
		h.lobby.add(c)
		cs[i] = c
	}
	return h, cs
}

// BenchmarkBroadcast is the hub's side of one chat message to N members:
// validate, stamp, encode once, queue to N outboxes, wake their writers,
// then (as each writer would) take the queue. ns/delivery is per recipient.
func BenchmarkBroadcast(b *testing.B) {
	for _, n := range []int{100, 500} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			h, cs := benchHub(b, n)
			say := wire.Say{Ref: 1, Room: wire.Lobby, Text: strings.Repeat("x", 100)}
			spares := make([][]outFrame, n)
			b.ReportAllocs()
			for b.Loop() {
				h.say(cs[0], say)
				h.wakeWriters()
				for i, c := range cs {
					spares[i] = takeAll(c.out, spares[i])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
		})
	}
}

// BenchmarkPush is one delivery alone: a frame staged and handed over to an
// outbox (the hub's path when it is not busy), whose writer takes it every
// 32 frames (a batch under load).
func BenchmarkPush(b *testing.B) {
	o := newOutbox(256<<10, nil, 0, nil)
	frame := make([]byte, 130)
	var spare []outFrame
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		o.stage(outFrame{b: frame}, false)
		o.handover(false)
		if i++; i%32 == 0 {
			spare = takeAll(o, spare)
			<-o.wake
		}
	}
}

// takeAll does a writer's bookkeeping without a socket: it takes what is
// queued and reports it sent, and returns the emptied slice for reuse.
func takeAll(o *outbox, spare []outFrame) []outFrame {
	frames, _, _, _ := o.take(spare)
	var n int64
	for _, f := range frames {
		n += int64(cost(f))
	}
	o.sent(n)
	clear(frames)
	return frames[:0]
}

// BenchmarkNickCheck is the hub's work on a hello's nickname: validate it,
// compute its keys, match it against the reserved names and look it up among
// 5000 members. User0042 is taken (by user0042).
func BenchmarkNickCheck(b *testing.B) {
	h, _ := benchHub(b, 5000)
	for _, nick := range []string{"newcomer", "User0042", "사용자_한글", "ａｌｉｃｅ"} {
		b.Run(nick, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				fold, _, no := h.names.checkNick(nick)
				if no != nil && (no.Code == wire.RefuseNickInvalid || no.Code == wire.RefuseNickReserved) {
					b.Fatal(no.Reason)
				}
				_ = h.members[fold]
			}
		})
	}
}
