package client

import (
	"slices"

	"github.com/multichat/multichat/net/wire"
)

// shown returns ev as the UI may display it: every name the server sent
// (nicknames, rooms, the server's name, file names) through wire.Visible and
// every text (messages, notices, reasons) through wire.VisibleText, so that
// a control or bidi character from an older or hostile server is shown
// (⟨RLO⟩, ␛) instead of being obeyed or dropped. A server that keeps the
// protocol never sends them, so shown changes nothing then (and allocates
// nothing). The session keeps the names as sent for its own use (rejoins,
// rosters); a name shown changed cannot be addressed from the UI, which only
// a server breaking the protocol can cause. Undelivered is left alone: it
// hands back what the user typed. Error texts from the server are made
// visible where the errors are made.
func shown(ev Event) Event {
	v, vt := wire.Visible, wire.VisibleText
	switch e := ev.(type) {
	case Connected:
		e.Nick, e.Server, e.Lobby, e.Users = v(e.Nick), v(e.Server), v(e.Lobby), visibleNames(e.Users)
		return e
	case Message:
		e.Room, e.From, e.To, e.Text = v(e.Room), v(e.From), v(e.To), vt(e.Text)
		return e
	case Users:
		e.Room, e.Users = v(e.Room), visibleNames(e.Users)
		return e
	case Joined:
		e.Room, e.Nick = v(e.Room), v(e.Nick)
		return e
	case Left:
		e.Room, e.Nick = v(e.Room), v(e.Nick)
		return e
	case Removed:
		e.Nick, e.Reason = v(e.Nick), vt(e.Reason)
		return e
	case Notice:
		e.Text = vt(e.Text)
		return e
	case Rooms:
		rooms := e.Rooms
		for i, r := range e.Rooms {
			if n := v(r.Name); n != r.Name {
				if &rooms[0] == &e.Rooms[0] {
					rooms = slices.Clone(e.Rooms)
				}
				rooms[i].Name = n
			}
		}
		e.Rooms = rooms
		return e
	case RoomJoined:
		e.Room, e.Users = v(e.Room), visibleNames(e.Users)
		return e
	case RoomLeft:
		e.Room = v(e.Room)
		return e
	case Kicked:
		e.Reason, e.By = vt(e.Reason), v(e.By)
		return e
	case AwayChanged:
		e.Nick, e.Text = v(e.Nick), vt(e.Text)
		return e
	case TypingNotice:
		e.Room, e.From = v(e.Room), v(e.From)
		return e
	case Refused:
		e.Text = vt(e.Text)
		return e
	case Restricted:
		e.Room, e.Reason = v(e.Room), vt(e.Reason)
		return e
	case Topic:
		e.Room, e.Text, e.By = v(e.Room), vt(e.Text), v(e.By)
		return e
	case RoomOps:
		e.Room, e.Ops, e.By = v(e.Room), visibleNames(e.Ops), v(e.By)
		return e
	case RoomKicked:
		e.Room, e.User, e.By, e.Reason = v(e.Room), v(e.User), v(e.By), vt(e.Reason)
		return e
	case Opered:
		e.Name, e.Text = v(e.Name), vt(e.Text)
		return e
	case FileOffered:
		e.From, e.Room, e.To, e.Name = v(e.From), v(e.Room), v(e.To), v(e.Name)
		return e
	case Replay:
		e.Room, e.Messages = v(e.Room), visibleMessages(e.Messages)
		return e
	case Missed:
		e.Room, e.Messages = v(e.Room), visibleMessages(e.Messages)
		return e
	case HistoryPage:
		e.Room, e.Peer, e.Messages = v(e.Room), v(e.Peer), visibleMessages(e.Messages)
		return e
	case SearchResults:
		e.Messages = visibleMessages(e.Messages)
		return e
	}
	return ev
}

// visibleMessages is shown over history's messages (in place: the slice is
// the event's own).
func visibleMessages(ms []Message) []Message {
	for i := range ms {
		ms[i] = shown(ms[i]).(Message)
	}
	return ms
}

// visibleNames is wire.Visible over a list, copied only if a name changes.
func visibleNames(names []string) []string {
	out := names
	for i, n := range names {
		if s := wire.Visible(n); s != n {
			if &out[0] == &names[0] {
				out = slices.Clone(names)
			}
			out[i] = s
		}
	}
	return out
}
