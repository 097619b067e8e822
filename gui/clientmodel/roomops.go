package clientmodel

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2/lang"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

// Room operators as the user sees them: who runs each room (a mark in its
// member list, from the server's room-ops lists), what an operator may do
// there (set the topic, remove someone from the room, make someone an
// operator or not), and a removal from a room, mine or someone else's.
// The server decides: the model sends what the user asks for and shows the
// server's refusal like any other, so a non-operator learns why.

// IsOp reports whether nick is an operator of c.
func (c *Conv) IsOp(nick string) bool { return c.opKeys[wire.FoldKey(nick)] }

// setOps replaces c's operators.
func (c *Conv) setOps(ops []string) {
	c.Ops, c.opKeys = slices.Clone(ops), nil // a new map: roomOps compares with the old one
	if len(ops) > 0 {
		c.opKeys = make(map[string]bool, len(ops))
	}
	for _, o := range ops {
		c.opKeys[wire.FoldKey(o)] = true
	}
}

// AmOp reports whether I may act as an operator in c now: a room I am in,
// connected, and the server lists me among its operators.
func (m *Model) AmOp(c *Conv) bool {
	return c != nil && c.Kind != Private && c.Joined && m.Phase == Chat && m.Link == Live && c.IsOp(m.Me)
}

// forgetOps forgets every room's operators (a new connection: the server
// sends them again as the rooms are joined).
func (m *Model) forgetOps() {
	for _, c := range m.Convs {
		if len(c.Ops) > 0 {
			c.setOps(nil)
			m.touchUsers(c)
		}
		c.opsKnown, c.opsGreet = false, false
	}
}

func (m *Model) roomOps(ev client.RoomOps) {
	c := m.RoomConv(ev.Room, false)
	if c == nil || !c.Joined {
		return
	}
	// An empty list also comes when the room's member list starts afresh
	// (after a reconnect), before the real one: it clears the marks but
	// is not the room's first list, lest that real one read as news.
	was, wasMe, known := c.opKeys, c.IsOp(m.Me), c.opsKnown
	c.setOps(ev.Ops)
	c.opsKnown = known || len(ev.Ops) > 0
	m.touchUsers(c)
	m.ch.Header = true // the topic's edit button follows whether I am an operator
	isMe := c.IsOp(m.Me)
	switch {
	case !known:
		// The list sent with the join: say so only when I run a room I
		// just joined (usually one I created), not after every reconnect.
		if isMe && c.opsGreet {
			m.system(c, time.Time{}, lang.L("You are an operator of #{{.Room}}: you can set its topic and remove people from it (right-click a name).", vars{"Room": c.Name}))
		}
	case isMe && !wasMe:
		m.system(c, time.Time{}, lang.L("You are now an operator of #{{.Room}}: you can set its topic and remove people from it (right-click a name).", vars{"Room": c.Name}))
	case !isMe && wasMe:
		m.system(c, time.Time{}, lang.L("You are no longer an operator of #{{.Room}}.", vars{"Room": c.Name}))
	}
	if len(ev.Ops) > 0 {
		c.opsGreet = false
	}
	if !known {
		return
	}
	// Others who became operators or stopped being one, among those here
	// (an operator coming back into the room is not news).
	for _, u := range c.Users {
		k := wire.FoldKey(u)
		if k == m.MeKey || was[k] == c.opKeys[k] {
			continue
		}
		v := vars{"Nick": u, "By": ev.By}
		switch {
		case c.opKeys[k] && ev.By != "":
			m.system(c, time.Time{}, lang.L("{{.By}} made {{.Nick}} an operator of this room.", v))
		case c.opKeys[k]:
			m.system(c, time.Time{}, lang.L("{{.Nick}} is now an operator of this room.", v))
		case ev.By != "" && wire.FoldKey(ev.By) != k:
			m.system(c, time.Time{}, lang.L("{{.By}} made {{.Nick}} no longer an operator of this room.", v))
		default:
			m.system(c, time.Time{}, lang.L("{{.Nick}} is no longer an operator of this room.", v))
		}
	}
}

// roomKicked: an operator removed someone from a room, maybe me.
func (m *Model) roomKicked(ev client.RoomKicked) {
	c := m.RoomConv(ev.Room, false)
	if c == nil {
		return
	}
	reason := strings.TrimSpace(ev.Reason)
	if !ev.Mine {
		// The session sends the room's list without them next (Users).
		text := lang.L("{{.By}} removed {{.Nick}} from the room.", vars{"By": ev.By, "Nick": ev.User})
		if reason != "" {
			text = lang.L("{{.By}} removed {{.Nick}} from the room: {{.Reason}}", vars{"By": ev.By, "Nick": ev.User, "Reason": reason})
		}
		m.system(c, ev.Time, text)
		return
	}
	// Me: the room is left (the session's RoomLeft that follows finds it
	// so); its conversation stays to read, as after leaving it.
	text := lang.L("{{.By}} removed you from #{{.Room}}.", vars{"By": ev.By, "Room": c.Name})
	if reason != "" {
		text = lang.L("{{.By}} removed you from #{{.Room}}: {{.Reason}}", vars{"By": ev.By, "Room": c.Name, "Reason": reason})
	}
	c.Joined, c.Users = false, nil
	c.setOps(nil)
	c.opsKnown, c.opsGreet = false, false
	m.touchUsers(c)
	m.ch.Convs, m.ch.Header = true, true
	m.errorLine(c, ev.Time, endSentence(text)+" "+lang.L("Its conversation stays here to read; close it with Ctrl+W."))
	if m.Cur != c {
		m.errorLine(m.Cur, ev.Time, text)
	}
	m.bump(c, true, true, c.Title(), text)
}

// ---- what an operator asks for ----

// opRoom is the room an operator's command typed in c acts on, or nil with
// Hint saying why none. The lobby has no room operators: only a server
// operator (who is listed as one there) may set its topic (lobby).
func (m *Model) opRoom(c *Conv, what string, lobby bool) *Conv {
	switch {
	case c == nil:
		return nil
	case c.Kind == Lobby && lobby && c.IsOp(m.Me):
	case c.Kind != Room:
		m.Hint = lang.L("{{.Command}} works in a room: room operators run their rooms; the administrator moderates the lobby.", vars{"Command": what})
		return nil
	case !c.Joined:
		m.Hint = notInRoom(c)
		return nil
	case m.Link != Live:
		m.Hint = lang.L("Not connected: wait until the connection is back.")
		return nil
	}
	return c
}

// member returns nick as c's member list spells it, or nick itself.
func member(c *Conv, nick string) string {
	k := wire.FoldKey(nick)
	for _, u := range c.Users {
		if wire.FoldKey(u) == k {
			return u
		}
	}
	return nick
}

// opTarget checks the nickname an operator's command names.
func (m *Model) opTarget(nick, usage string) bool {
	if nick == "" {
		m.Hint = usage
		return false
	}
	if err := wire.CheckNick(nick); err != nil {
		m.Hint = lang.L("“{{.Nick}}” is not a nickname: {{.Why}}.", vars{"Nick": nick, "Why": NameError(err)})
		return false
	}
	return true
}

// RoomKick asks the server to remove nick from room c, saying why (reason
// may be empty).
func (m *Model) RoomKick(c *Conv, nick, reason string) bool {
	nick = strings.TrimPrefix(strings.TrimSpace(nick), "@")
	if c = m.opRoom(c, "/kick", false); c == nil || !m.opTarget(nick, lang.L("Usage: /kick NICK [reason]")) {
		return false
	}
	if wire.FoldKey(nick) == m.MeKey {
		m.Hint = lang.L("That is you. To leave the room, type /leave.")
		return false
	}
	m.Send(client.RoomKick{Room: c.Name, User: member(c, nick), Reason: strings.TrimSpace(reason)})
	return true
}

// SetOp asks the server to make nick an operator of room c (on) or not.
func (m *Model) SetOp(c *Conv, nick string, on bool) bool {
	nick = strings.TrimPrefix(strings.TrimSpace(nick), "@")
	what, usage := "/op", lang.L("Usage: /op NICK")
	if !on {
		what, usage = "/deop", lang.L("Usage: /deop NICK")
	}
	if c = m.opRoom(c, what, false); c == nil || !m.opTarget(nick, usage) {
		return false
	}
	m.Send(client.RoomOp{Room: c.Name, User: member(c, nick), On: on})
	return true
}

// SetTopic asks the server to set room c's topic (empty: remove it).
func (m *Model) SetTopic(c *Conv, text string) bool {
	text = strings.TrimSpace(text)
	if c = m.opRoom(c, "/topic", true); c == nil {
		return false
	}
	if code, err := wire.CheckText(text, m.MaxText); err != nil && text != "" {
		m.Hint = lang.L("Cannot set this topic: {{.Why}}.", vars{"Why": ErrorText(code, err.Error())})
		return false
	}
	m.Send(client.SetTopic{Room: c.Name, Text: text})
	return true
}

// topicCommand is /topic: with text, set the topic; alone, show it.
func (m *Model) topicCommand(arg string) bool {
	if arg != "" {
		return m.SetTopic(m.Cur, arg)
	}
	c := m.Cur
	switch {
	case c.Topic != "":
		m.system(c, time.Time{}, lang.L("Topic: {{.Text}}", vars{"Text": c.Topic}))
	case c.Kind == Private:
		m.system(c, time.Time{}, lang.L("A private chat has no topic."))
	default:
		m.system(c, time.Time{}, lang.L("{{.Conv}} has no topic.", vars{"Conv": c.Title()}))
	}
	if m.AmOp(c) {
		m.system(c, time.Time{}, lang.L("/topic TEXT sets it; “Set topic…” beside the room's name can also remove it."))
	}
	return true
}

// kickCommand is /kick NICK [reason].
func (m *Model) kickCommand(arg string) bool {
	nick, reason, _ := strings.Cut(arg, " ")
	return m.RoomKick(m.Cur, nick, reason)
}

// ---- server operators ----

// oper is /oper NAME PASSWORD: log in as a server operator, an operator of
// every room (the lobby included) until the connection ends.
func (m *Model) oper(arg string) bool {
	name, pass, _ := strings.Cut(arg, " ")
	pass = strings.TrimSpace(pass)
	if name == "" || pass == "" {
		m.Hint = lang.L("Usage: /oper NAME PASSWORD (a pair from the server's operators file)")
		return false
	}
	if m.Link != Live {
		m.Hint = lang.L("Not connected: wait until the connection is back.")
		return false
	}
	m.Send(client.Oper{Name: name, Password: pass})
	return true
}

func (m *Model) opered(ev client.Opered) {
	m.systemBoth(time.Time{}, KindNotice, lang.L("You are a server operator until you disconnect: an operator of every room, the lobby included."))
}

// endSentence ends s with a full stop unless it ends with punctuation
// already (a reason someone typed rarely does), so that a sentence can
// follow it.
func endSentence(s string) string {
	r, _ := utf8.DecodeLastRuneInString(s)
	if s == "" || unicode.IsPunct(r) {
		return s
	}
	return s + "."
}
