package server

import (
	"errors"
	"fmt"

	"github.com/multichat/multichat/net/wire"
)

// names is the hub's index of names by look-alike key (wire.SkeletonKeys):
// the reserved names, the members' nicknames and the rooms' names, and how
// many open rooms each nickname has created. The hub owns it; only its
// goroutine touches it.
type names struct {
	reserved *wire.Reserved
	perUser  int              // Config.MaxRoomsPerUser; <= 0 is no limit
	nicks    map[string]*conn // each member's look-alike keys → member
	rooms    map[string]*room // each room's look-alike keys → room
	created  map[string]int   // FoldKey of a creator's nickname → its rooms still open
}

func newNames(cfg Config) names {
	n := names{reserved: wire.NewReserved(cfg.Name), perUser: cfg.MaxRoomsPerUser}
	n.reset()
	return n
}

func (n *names) reset() {
	n.nicks = make(map[string]*conn)
	n.rooms = make(map[string]*room)
	n.created = make(map[string]int)
}

// checkNick validates a hello's nickname and computes its keys. A non-nil
// no refuses it: its Reason is the text for the user, its Code and Like the
// facts for the window.
func (n *names) checkNick(nick string) (fold string, keys [2]string, no *Refused) {
	if err := wire.CheckNick(nick); err != nil {
		return "", keys, &Refused{Code: wire.RefuseNickInvalid, Reason: err.Error()}
	}
	fold, keys = wire.FoldKey(nick), wire.SkeletonKeys(nick)
	if r, ok := n.reserved.MatchKeys(fold, keys); ok {
		if wire.FoldKey(r) == fold {
			return fold, keys, &Refused{Code: wire.RefuseNickReserved, Reason: fmt.Sprintf("the nickname “%s” is reserved; please pick another", nick)}
		}
		return fold, keys, &Refused{Code: wire.RefuseNickReserved, Like: r,
			Reason: fmt.Sprintf("the nickname “%s” looks like “%s”, which is reserved; please pick another", nick, r)}
	}
	for _, k := range keys {
		if other := n.nicks[k]; other != nil {
			return fold, keys, nickTaken(nick, other.nick)
		}
	}
	return fold, keys, nil
}

// nickTaken refuses nick, taken by (or looking like) holder.
func nickTaken(nick, holder string) *Refused {
	if wire.FoldKey(holder) == wire.FoldKey(nick) {
		return &Refused{Code: wire.RefuseNickTaken, Reason: fmt.Sprintf("nickname “%s” is taken", nick)}
	}
	return &Refused{Code: wire.RefuseNickTaken, Like: holder, Reason: fmt.Sprintf("nickname “%s” is taken: it looks like “%s”", nick, holder)}
}

func (n *names) addNick(c *conn) {
	for _, k := range c.skels {
		n.nicks[k] = c
	}
}

func (n *names) removeNick(c *conn) {
	for _, k := range c.skels {
		if n.nicks[k] == c {
			delete(n.nicks, k)
		}
	}
}

// checkNewRoom says whether c may create a room called name (valid, with
// fold key fold, and not an existing room's): not a reserved name, not a
// look-alike of an open room, and within c's quota. A non-zero code refuses
// it, with text for the user.
func (n *names) checkNewRoom(c *conn, name, fold string) (keys [2]string, code wire.ErrorCode, text string) {
	keys = wire.SkeletonKeys(name)
	if r, ok := n.reserved.MatchKeys(fold, keys); ok {
		if wire.FoldKey(r) == fold {
			return keys, wire.CodeRoomReserved, fmt.Sprintf("the room name “%s” is reserved; please pick another", name)
		}
		return keys, wire.CodeRoomReserved,
			fmt.Sprintf("the room name “%s” looks like “%s”, which is reserved; please pick another", name, r)
	}
	for _, k := range keys {
		if r := n.rooms[k]; r != nil {
			return keys, wire.CodeRoomLookAlike, fmt.Sprintf("“%s” looks like the existing room #%s: join #%s, "+
				"or pick a name that does not look like it", name, r.name, r.name)
		}
	}
	if n.perUser > 0 && n.created[c.fold] >= n.perUser {
		return keys, wire.CodeRoomQuota, fmt.Sprintf("you have created %d rooms that are still open, the most one "+
			"user may; a room closes when its last member leaves", n.created[c.fold])
	}
	return keys, 0, ""
}

// addRoom indexes a new room; creator is nil for the lobby.
func (n *names) addRoom(r *room, keys [2]string, creator *conn) {
	r.skels = keys
	for _, k := range keys {
		n.rooms[k] = r
	}
	if creator != nil {
		r.creator = creator.fold
		n.created[r.creator]++
	}
}

func (n *names) removeRoom(r *room) {
	for _, k := range r.skels {
		if n.rooms[k] == r {
			delete(n.rooms, k)
		}
	}
	if r.creator == "" {
		return
	}
	if n.created[r.creator]--; n.created[r.creator] <= 0 {
		delete(n.created, r.creator)
	}
}

// nameCode is the ErrorCode for a room or file name that CheckRoom or
// CheckFileName refused: CodeBidiControl for a bidi control, else otherwise.
func nameCode(err error, otherwise wire.ErrorCode) wire.ErrorCode {
	if errors.Is(err, wire.ErrBidiControl) {
		return wire.CodeBidiControl
	}
	return otherwise
}
