package clientmodel

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

// Apply applies a batch of session events.
func (m *Model) Apply(evs []client.Event) {
	for _, ev := range evs {
		m.handle(ev)
	}
}

// sessionOf returns the Connect's Session that a lifecycle event belongs to.
func sessionOf(ev client.Event) (uint64, bool) {
	switch ev := ev.(type) {
	case client.Connected:
		return ev.Session, true
	case client.Refused:
		return ev.Session, true
	case client.Kicked:
		return ev.Session, true
	case client.Disconnected:
		return ev.Session, true
	case client.Reconnecting:
		return ev.Session, true
	}
	return 0, false
}

func (m *Model) handle(ev client.Event) {
	if s, ok := sessionOf(ev); ok && s != m.Session {
		return // news of an attempt the user already abandoned
	}
	switch ev.(type) {
	case client.Connected, client.Kicked, client.Refused, client.Disconnected, client.Reconnecting,
		client.Error, client.Undelivered, client.TrustNeeded, client.IdentityChanged, client.PasswordNeeded,
		client.ServerForgotten:
	default:
		if m.Phase != Chat || m.Link == Ended {
			return // late news from a session the user already left
		}
	}
	switch ev := ev.(type) {
	case client.Connected:
		m.connected(ev)
	case client.Message:
		m.message(ev)
	case client.Users:
		// The session keeps each list sorted and sends a fresh copy after
		// every change (the Joined and Left events only announce it).
		if c := m.RoomConv(ev.Room, false); c != nil {
			c.Users = ev.Users
			m.SetMarks(ev.Users, ev.Via)
			m.touchUsers(c)
		}
	case client.Joined:
		if c := m.RoomConv(ev.Room, false); c != nil {
			m.activity(c, ev.Time, ev.Nick, true, "")
			if c.Kind == Lobby {
				if p := m.Find(ev.Nick, true); p != nil && p.PrivOff {
					p.PrivOff = false
					m.system(p, ev.Time, lang.L("{{.Nick}} is back online", vars{"Nick": ev.Nick}))
				}
			}
		}
	case client.Left:
		m.left(ev)
	case client.Removed:
		text := lang.L("{{.Nick}} was removed by the admin.", vars{"Nick": ev.Nick})
		if ev.Reason != "" {
			text = lang.L("{{.Nick}} was removed by the admin: {{.Reason}}", vars{"Nick": ev.Nick, "Reason": ServerReason(ev.Reason)})
		}
		m.systemBoth(ev.Time, KindSystem, text)
	case client.Notice:
		m.systemBoth(ev.Time, KindNotice, ev.Text)
	case client.Restricted:
		m.restricted(ev)
	case client.Topic:
		m.topic(ev)
	case client.RoomOps:
		m.roomOps(ev)
	case client.RoomKicked:
		m.roomKicked(ev)
	case client.Opered:
		m.opered(ev)
	case client.Rooms:
		m.rooms(ev)
	case client.RoomJoined:
		m.roomJoined(ev)
	case client.RoomLeft:
		if c := m.RoomConv(ev.Room, false); c != nil && c.Joined { // not joined: an operator removed me (RoomKicked said so)
			c.Joined, c.Users = false, nil
			c.setOps(nil)
			c.opsKnown = false
			m.touchUsers(c)
			m.system(c, time.Time{}, lang.L("You left #{{.Room}}. Its conversation stays here to read; close it with Ctrl+W.", vars{"Room": ev.Room}))
			m.ch.Convs = true
		}
	case client.Kicked:
		m.kicked(ev)
	case client.Refused:
		m.refused(ev)
	case client.Disconnected:
		m.disconnected(ev)
	case client.Reconnecting:
		m.reconnecting(ev)
	case client.Undelivered:
		m.undelivered(ev)
	case client.Error:
		switch m.Phase {
		case Chat:
			m.errorLine(m.Cur, time.Time{}, Plain(ev.Err, ErrorText(ev.Code, "")))
		case Connecting:
			m.formError(Plain(ev.Err, ErrorText(ev.Code, "")), "")
		}
	case client.FileOffered:
		m.fileOffered(ev)
	case client.FileDone:
		m.fileDone(ev)
	case client.FileProgress:
		m.fileProgress(ev)
	case client.FileStatus:
		m.fileStatus(ev)
	case client.FileInterrupted:
		m.fileInterrupted(ev)
	case client.TrustNeeded:
		m.trustNeeded(ev)
	case client.IdentityChanged:
		m.identityChanged(ev)
	case client.PasswordNeeded:
		m.passwordNeeded(ev)
	case client.NickLost:
		m.nickLost(ev)
	case client.ServerForgotten:
		m.serverForgotten(ev)
	case client.Replay:
		m.replay(ev)
	case client.Missed:
		m.missed(ev)
	case client.HistoryPage:
		m.page(ev)
	case client.SearchResults:
		m.searched(ev)
	case client.Away:
		m.away(ev)
	case client.Queued:
		m.queued(ev)
	case client.AwayChanged:
		m.awayChanged(ev)
	case client.TypingNotice:
		m.typingNotice(ev)
	}
}

// ---- connection lifecycle ----

func (m *Model) connected(ev client.Connected) {
	if m.Phase == Idle {
		return // a session the user cancelled got through meanwhile; its Disconnect follows
	}
	if ev.Addr != "" {
		m.Addr = ev.Addr
	}
	m.pres.status = nil // the server tells who is away after every welcome
	// Conversations are kept across connections to the same server, not
	// to another one.
	fresh := m.keptAddr != m.Addr
	m.keptAddr = m.Addr
	renamed := m.Me != "" && m.Me != ev.Nick
	m.Me, m.MeKey, m.Server, m.LobbyName = ev.Nick, wire.FoldKey(ev.Nick), ev.Server, ev.Lobby
	if ev.MaxText > 0 {
		m.MaxText = ev.MaxText // the server's own limit, announced in its Welcome
	}
	if m.LobbyName == "" {
		m.LobbyName = wire.Lobby
	}
	if fresh {
		m.reset()
	}
	m.clearModeration()
	m.forgetOps()
	was := m.Link
	wasChat := m.Phase == Chat
	m.Phase, m.Link, m.Since = Chat, Live, time.Time{}
	m.Nick, m.Encrypted = ev.Nick, ev.Encrypted
	m.Banner = Banner{}
	if !ev.Encrypted {
		m.Banner = Banner{Text: NotEncrypted(), Warn: true}
	}
	if m.Prompt != nil {
		m.ask(nil)
	}
	m.ch.Phase = true
	m.remember()
	lobby := m.RoomConv(m.LobbyName, true)
	lobby.Users = SortedUsers(ev.Users)
	m.SetMarks(ev.Users, ev.Via)
	m.touchUsers(lobby)
	m.ch.Convs = true // names are no longer greyed
	switch {
	case fresh:
		text := lang.L("Connected to {{.Server}} at {{.Addr}} as {{.Nick}}. Type /help for commands.", vars{"Server": m.Server, "Addr": m.Addr, "Nick": m.Me})
		if m.Server == "" {
			text = lang.L("Connected to the server at {{.Addr}} as {{.Nick}}. Type /help for commands.", vars{"Addr": m.Addr, "Nick": m.Me})
		}
		m.system(lobby, time.Time{}, text)
		m.SwitchTo(lobby)
	case was == Rejoining || !wasChat:
		// Connected again after the session ended: the same conversations
		// continue, and the rooms are joined again.
		m.rejoin = m.rejoin[:0]
		for _, c := range m.Convs {
			if c.Kind == Room && c.Joined {
				m.rejoin = append(m.rejoin, wire.FoldKey(c.Name))
				m.Send(client.JoinRoom{Room: c.Name})
			}
		}
		for _, c := range m.Convs {
			m.system(c, time.Time{}, lang.L("Connected again as {{.Nick}}.", vars{"Nick": m.Me}))
		}
		if m.Cur == nil {
			m.SwitchTo(lobby)
		}
	case renamed && (was == Reconnecting || was == Renaming || ev.Rejoin):
		m.system(m.Cur, time.Time{}, lang.L("Reconnected as {{.Nick}}.", vars{"Nick": m.Me}))
	case was == Reconnecting || ev.Rejoin:
		m.system(m.Cur, time.Time{}, lang.L("Reconnected."))
	}
}

// end makes the conversations read-only: the session is over.
func (m *Model) end(text string) {
	m.Link, m.Since = Ended, m.now()
	m.Banner = Banner{Text: text, Again: true, Offline: true}
	m.ch.Phase, m.ch.Users, m.ch.Convs = true, true, true
}

func (m *Model) kicked(ev client.Kicked) {
	msg := lang.L("You were removed from the chat.")
	if ev.By != "" {
		msg = lang.L("You were removed from the chat by {{.By}}.", vars{"By": ev.By})
	}
	if ev.Reason != "" {
		msg += "\n" + lang.L("Reason: {{.Reason}}", vars{"Reason": ServerReason(ev.Reason)})
	}
	m.Dialogs = append(m.Dialogs, Dialog{Title: lang.L("Removed from MultiChat"), Text: msg})
	line := strings.ReplaceAll(msg, "\n", " ")
	if m.Phase != Chat {
		m.toForm(Idle)
		m.formError(line, "")
		return
	}
	m.errorLine(m.Cur, time.Time{}, line)
	m.end(line + " " + lang.L("The conversations stay here to read. Connect again when you may."))
}

func (m *Model) refused(ev client.Refused) {
	detail := ""
	if ev.Text != "" {
		detail = " (" + ev.Text + ")"
	}
	var text, focus string
	switch ev.Code {
	case wire.RefuseBanned:
		text = m.bannedText(ev)
		m.Dialogs = append(m.Dialogs, Dialog{Title: lang.L("Banned from this server"), Text: text})
	case wire.RefuseNickTaken, wire.RefuseNickReserved, wire.RefuseNickInvalid:
		text, focus = RefuseText(ev.Code, m.Nick)+detail, "nick"
	default:
		text = RefuseText(ev.Code, m.Nick) + detail
	}
	if m.Phase != Chat {
		m.toForm(Idle)
		m.formError(text, focus)
		return
	}
	// A rejoin refused for good (someone else has my nickname now): the
	// conversations stay; the banner offers to change the nickname.
	if ev.Code == wire.RefuseNickTaken {
		text = lang.L("Could not connect again: the nickname “{{.Nick}}” is now used by someone else. Choose “Change server or nickname…” to pick another.", vars{"Nick": m.Nick})
	}
	m.errorLine(m.Cur, time.Time{}, text)
	m.end(text)
}

func (m *Model) disconnected(ev client.Disconnected) {
	switch m.Phase {
	case Chat:
		if ev.Final {
			if m.Link != Ended {
				why := lang.L("The connection ended.")
				if ev.Err != nil {
					why = lang.L("Disconnected: {{.Why}}.", vars{"Why": Plain(ev.Err, "")})
				}
				m.end(why + " " + lang.L("The conversations stay here to read; connect again to continue them."))
			}
			return
		}
		m.Link, m.Since = Reconnecting, m.now()
		text := lang.L("Connection lost. Reconnecting…")
		if ev.Err != nil {
			text = lang.L("Connection lost: {{.Why}}. Reconnecting…", vars{"Why": Plain(ev.Err, "")})
		}
		m.errorLine(m.Cur, time.Time{}, text)
		m.Banner = m.offlineBanner(0)
		m.ch.Phase, m.ch.Users, m.ch.Convs = true, true, true
	case Connecting:
		if ev.Final && ev.Err != nil { // a final nil is the echo of an earlier Disconnect
			m.toForm(Idle)
			m.formError(lang.L("Could not connect to {{.Addr}}: {{.Why}}.", vars{"Addr": m.Addr, "Why": Plain(ev.Err, "")}), "")
		}
	}
}

// offlineBanner says the connection is lost and, when secs > 0, in how many
// seconds the next attempt is.
func (m *Model) offlineBanner(secs int) Banner {
	d := vars{"Time": m.Since.Local().Format("15:04"), "Secs": secs}
	t := lang.L("Connection lost at {{.Time}}. Reconnecting… Messages you send now are kept and go out when the connection is back.", d)
	if secs > 0 {
		t = lang.L("Connection lost at {{.Time}}. Reconnecting in {{.Secs}} s… Messages you send now are kept and go out when the connection is back.", d)
	}
	return Banner{Text: t, Retry: true, Offline: true}
}

func (m *Model) reconnecting(ev client.Reconnecting) {
	secs := max(1, int((ev.Delay+time.Second/2)/time.Second))
	switch m.Phase {
	case Chat:
		if m.Link == Rejoining {
			// A Connect again from the banner: the server is not back yet.
			m.Link, m.Since = Reconnecting, m.now()
		}
		if m.Link != Reconnecting {
			return
		}
		next := 0
		if ev.Delay >= 2*time.Second {
			next = secs
		}
		m.Banner = m.offlineBanner(next)
		m.ch.Phase = true
	case Connecting:
		var op *net.OpError
		if ev.Err == nil || errors.As(ev.Err, &op) && op.Op == "dial" {
			m.formError(lang.L("No MultiChat server at {{.Addr}} — is it started? Retrying in {{.Secs}} s… (attempt {{.Attempt}})",
				vars{"Addr": m.Addr, "Secs": secs, "Attempt": ev.Attempt}), "")
		} else {
			m.formError(lang.L("Could not connect to {{.Addr}}: {{.Why}}. Retrying in {{.Secs}} s… (attempt {{.Attempt}})",
				vars{"Addr": m.Addr, "Why": Plain(ev.Err, ""), "Secs": secs, "Attempt": ev.Attempt}), "")
		}
	}
}

func (m *Model) toForm(p Phase) {
	m.Phase, m.Banner = p, Banner{}
	m.ch.Phase = true
}

func (m *Model) formInfo(text string) {
	m.Form = Form{Text: text}
	m.ch.Form = true
}

func (m *Model) formError(text, focus string) {
	m.Form = Form{Text: text, Error: true, Focus: focus}
	m.ch.Form = true
}

// ---- rooms and members ----

func (m *Model) touchUsers(c *Conv) {
	if c == m.Cur {
		m.ch.Users = true
	}
}

func (m *Model) left(ev client.Left) {
	c := m.RoomConv(ev.Room, false)
	if c == nil {
		return
	}
	// A kick is announced by the Removed frame that precedes its Left
	// frames, already shown in the lobby and the current conversation: the
	// Left adds a line only to the user's other rooms.
	if ev.Reason != wire.LeftKicked || (c.Kind != Lobby && c != m.Cur) {
		why := LeftText(ev.Reason, ev.Nick)
		if ev.Text != "" {
			why = lang.L("{{.Left}}: “{{.Words}}”", vars{"Left": why, "Words": wire.VisibleText(ev.Text)})
		}
		m.activity(c, ev.Time, ev.Nick, false, why)
	}
	if c.Kind == Lobby {
		if p := m.Find(ev.Nick, true); p != nil && !p.PrivOff {
			p.PrivOff = true
			m.system(p, ev.Time, lang.L("{{.Nick}} went offline.", vars{"Nick": ev.Nick}))
		}
	}
}

func (m *Model) rooms(ev client.Rooms) {
	parts := make([]string, 0, len(ev.Rooms))
	for _, r := range ev.Rooms {
		parts = append(parts, fmt.Sprintf("#%s (%d)", r.Name, r.Members))
	}
	m.RoomList = ev.Rooms
	m.ch.Rooms = true
	if m.quietRooms {
		m.quietRooms = false
		return
	}
	m.system(m.Cur, time.Time{}, lang.L("Rooms ({{.Count}}): {{.Rooms}} — /join NAME to join one", vars{"Count": len(parts), "Rooms": strings.Join(parts, ", ")}))
}

func (m *Model) roomJoined(ev client.RoomJoined) {
	c := m.RoomConv(ev.Room, true)
	c.Joined = true
	c.Users = SortedUsers(ev.Users)
	c.setOps(nil) // the server sends the room's operators next, if it has any
	c.opsKnown = false
	m.touchUsers(c)
	m.ch.Convs = true
	key := wire.FoldKey(ev.Room)
	for i, r := range m.rejoin {
		if r == key { // joined again after connecting again: no switch
			m.rejoin = append(m.rejoin[:i], m.rejoin[i+1:]...)
			return
		}
	}
	c.opsGreet = true
	m.system(c, time.Time{}, lang.L("You joined #{{.Room}}", vars{"Room": ev.Room}))
	m.SwitchTo(c)
}
