package gui

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

// notifyEvery spaces desktop notifications; mentions in between are counted
// in the title and folded into the next notification.
const notifyEvery = 2 * time.Second

// apply shows a batch of session events. The pump calls it on Fyne's
// goroutine; it is the only code that changes the window for the network.
func (w *ClientWindow) apply(evs []client.Event) {
	w.change(func() {
		for _, ev := range evs {
			w.handle(ev)
		}
	})
}

// change runs f and then refreshes, once, whatever f touched: the log (which
// follows new lines only if it was at the bottom before), the sidebar, the
// user list, the title and notifications.
func (w *ClientWindow) change(f func()) {
	cur := w.cur
	follow := w.atBottom()
	f()
	if w.cur != cur {
		w.logDirty = false // switchTo refreshed the log
	}
	if w.logDirty {
		w.logDirty = false
		w.logList.Refresh()
		if follow && w.logList.Size().Height > 0 {
			w.logList.ScrollToBottom()
		}
	}
	if w.convsDirty {
		w.convsDirty = false
		w.convList.Refresh()
	}
	if w.usersDirty {
		w.usersDirty = false
		w.refreshUsers()
	}
	w.setTitle()
	w.flushNotes()
}

func (w *ClientWindow) handle(ev client.Event) {
	if s, ok := sessionOf(ev); ok && s != w.session {
		return // news of an attempt the user already abandoned
	}
	switch ev.(type) {
	case client.Connected, client.Kicked, client.Refused, client.Disconnected, client.Reconnecting, client.Error:
	default:
		if w.state != stateChat {
			return // late news from a session the user already left
		}
	}
	switch ev := ev.(type) {
	case client.Connected:
		w.connected(ev)
	case client.Message:
		w.message(ev)
	case client.Users:
		// The session keeps each list sorted and sends a fresh copy after
		// every change (the Joined and Left events only announce it).
		if c := w.roomConv(ev.Room, false); c != nil {
			c.users = ev.Users
			w.touchUsers(c)
		}
	case client.Joined:
		c := w.roomConv(ev.Room, false)
		if c == nil {
			return
		}
		w.system(c, ev.Time, ev.Nick+" joined")
		if c.kind == convLobby {
			if p := w.byKey[convKey(convPrivate, ev.Nick)]; p != nil && p.privOff {
				p.privOff = false
				w.system(p, ev.Time, ev.Nick+" is back online")
			}
		}
	case client.Left:
		c := w.roomConv(ev.Room, false)
		if c == nil {
			return
		}
		// A kick is announced by the Removed frame that precedes its Left
		// frames, already shown in the lobby and the current conversation:
		// the Left adds a line only to the user's other rooms.
		if ev.Reason != wire.LeftKicked || (c.kind != convLobby && c != w.cur) {
			w.system(c, ev.Time, ev.Nick+" "+leftText(ev.Reason))
		}
		if c.kind == convLobby {
			if p := w.byKey[convKey(convPrivate, ev.Nick)]; p != nil && !p.privOff {
				p.privOff = true
				w.system(p, ev.Time, ev.Nick+" went offline ("+ev.Reason.String()+")")
			}
		}
	case client.Removed:
		text := fmt.Sprintf("[시스템 추방] %s was removed by the admin", ev.Nick)
		if ev.Reason != "" {
			text += ": " + ev.Reason
		}
		w.systemBoth(ev.Time, text)
	case client.Notice:
		w.systemBoth(ev.Time, "Announcement: "+ev.Text)
	case client.Rooms:
		parts := make([]string, 0, len(ev.Rooms))
		for _, r := range ev.Rooms {
			parts = append(parts, fmt.Sprintf("#%s (%d)", r.Name, r.Members))
		}
		w.system(w.cur, time.Time{}, fmt.Sprintf("Rooms (%d): %s — /join NAME to join one", len(parts), strings.Join(parts, ", ")))
	case client.RoomJoined:
		c := w.roomConv(ev.Room, true)
		c.joined = true
		c.users = sortedUsers(ev.Users)
		w.touchUsers(c)
		w.system(c, time.Time{}, "You joined #"+ev.Room)
		w.convsDirty = true
		w.switchTo(c)
	case client.RoomLeft:
		if c := w.roomConv(ev.Room, false); c != nil {
			c.joined = false
			c.users = nil
			w.touchUsers(c)
			w.system(c, time.Time{}, "You left #"+ev.Room)
			w.convsDirty = true
		}
	case client.Kicked:
		w.kicked(ev)
	case client.Refused:
		w.refused(ev)
	case client.Disconnected:
		w.disconnected(ev)
	case client.Reconnecting:
		w.reconnectingIn(ev)
	case client.Undelivered:
		w.undelivered(ev)
	case client.Error:
		if w.state == stateChat {
			w.errorLine(w.cur, time.Time{}, errText(ev.Err, ev.Code.String()))
		} else if w.state == stateConnecting {
			w.formError(errText(ev.Err, ev.Code.String()), nil)
		}
	case client.FileOffered:
		c := w.fileConv(ev.Room, ev.To, ev.From, ev.Mine)
		w.transfers[ev.Transfer] = c
		if ev.Mine {
			w.system(c, time.Time{}, fmt.Sprintf("Sending %s (%s)…", ev.Name, byteSize(ev.Size)))
		} else {
			w.system(c, time.Time{}, fmt.Sprintf("%s is sending %s (%s)…", ev.From, ev.Name, byteSize(ev.Size)))
			w.bump(c, nil, ev.From+" sent a file", ev.Name)
		}
	case client.FileProgress:
		// Progress is not logged line by line; FileDone reports the result.
	case client.FileDone:
		c := w.transfers[ev.Transfer]
		delete(w.transfers, ev.Transfer)
		if c == nil {
			c = w.cur
		}
		switch {
		case ev.Err != nil:
			w.errorLine(c, time.Time{}, "File transfer failed: "+ev.Err.Error())
		case ev.Mine:
			w.system(c, time.Time{}, "File sent.")
		default:
			w.system(c, time.Time{}, "File received, saved as "+ev.Path)
		}
	}
}

// ---- connection lifecycle ----

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

func (w *ClientWindow) connected(ev client.Connected) {
	if w.state == stateIdle {
		return // a session the user cancelled or quit got through meanwhile; its Disconnect follows
	}
	fresh := w.state != stateChat || wire.FoldKey(ev.Nick) != w.meKey
	w.me, w.meKey, w.server, w.lobby = ev.Nick, wire.FoldKey(ev.Nick), ev.Server, ev.Lobby
	if ev.MaxText > 0 {
		w.maxText = ev.MaxText // the server's own limit, announced in its Welcome
	}
	if w.lobby == "" {
		w.lobby = wire.Lobby
	}
	if ev.Addr != "" {
		w.serverAddr = ev.Addr
	}
	if fresh {
		w.resetConversations()
	}
	lobby := w.roomConv(w.lobby, true)
	lobby.users = sortedUsers(ev.Users)
	w.touchUsers(lobby)
	wasReconnecting := w.reconnecting
	w.reconnecting = false
	w.banner.Hide()
	w.setState(stateChat)
	if fresh {
		name := w.server
		if name == "" {
			name = "the server"
		}
		w.system(lobby, time.Time{}, fmt.Sprintf("Connected to %s at %s as %s. Type /help for commands.", name, w.serverAddr, w.me))
		w.switchTo(lobby)
	} else if wasReconnecting || ev.Rejoin {
		w.system(w.cur, time.Time{}, "Reconnected.")
	}
}

func (w *ClientWindow) resetConversations() {
	w.convs = nil
	clear(w.byKey)
	clear(w.byName)
	clear(w.pending)
	clear(w.transfers)
	w.cur = nil
	w.selected, w.selUser = -1, -1
	w.titleUnread = 0
	w.copyBar.Hide()
	w.convsDirty, w.logDirty, w.usersDirty = true, true, true
}

func (w *ClientWindow) kicked(ev client.Kicked) {
	msg := "You were removed from the chat"
	if ev.By != "" {
		msg += " by " + ev.By
	}
	if ev.Reason != "" {
		msg += ".\nReason: " + ev.Reason
	} else {
		msg += "."
	}
	w.setState(stateIdle)
	w.formError(strings.ReplaceAll(msg, "\n", " ")+" [kick]", nil)
	dialog.ShowInformation("Removed from MultiChat", msg, w.win)
}

func (w *ClientWindow) refused(ev client.Refused) {
	w.setState(stateIdle)
	nick := strings.TrimSpace(w.nick.Text)
	detail := ""
	if ev.Text != "" {
		detail = " (" + ev.Text + ")"
	}
	switch ev.Code {
	case wire.RefuseNickTaken:
		w.formError(fmt.Sprintf("The nickname “%s” is already taken [아이디 중복]. Choose another one and press Connect.", nick), w.nick)
	case wire.RefuseNickInvalid:
		w.formError(fmt.Sprintf("The server does not accept the nickname “%s”%s. Choose another one.", nick, detail), w.nick)
	case wire.RefuseServerFull:
		w.formError("The server is full. Try again later."+detail, nil)
	case wire.RefuseTooManyFrom:
		w.formError("Too many connections from this computer. Close another client and try again."+detail, nil)
	case wire.RefuseVersion:
		w.formError("This client and the server speak different protocol versions. Update MultiChat."+detail, nil)
	default:
		w.formError(fmt.Sprintf("The server refused the connection: %s%s.", ev.Code, detail), nil)
	}
}

func (w *ClientWindow) disconnected(ev client.Disconnected) {
	switch w.state {
	case stateChat:
		if ev.Final {
			w.setState(stateIdle)
			if ev.Err != nil {
				w.formError("Disconnected: "+ev.Err.Error()+". Press Connect to try again.", nil)
			}
			return
		}
		w.reconnecting = true
		text := "Connection lost"
		if ev.Err != nil {
			text += ": " + ev.Err.Error()
		}
		w.errorLine(w.cur, time.Time{}, text+". Reconnecting…")
		w.showBanner("Connection lost — reconnecting… Messages you send now are kept and go out when the connection is back.")
	case stateConnecting:
		if ev.Final && ev.Err != nil { // a final nil is the echo of an earlier Disconnect
			w.setState(stateIdle)
			w.formError(fmt.Sprintf("Could not connect to %s: %v.", w.serverAddr, ev.Err), nil)
		}
	}
}

func (w *ClientWindow) reconnectingIn(ev client.Reconnecting) {
	secs := fmt.Sprintf("%d s", max(1, int((ev.Delay+time.Second/2)/time.Second)))
	switch w.state {
	case stateChat:
		w.reconnecting = true
		w.showBanner(fmt.Sprintf("Connection lost — reconnecting in %s… (attempt %d). Messages you send now are kept.", secs, ev.Attempt))
	case stateConnecting:
		var op *net.OpError
		if ev.Err == nil || errors.As(ev.Err, &op) && op.Op == "dial" {
			w.formError(fmt.Sprintf("No MultiChat server at %s — is it started? Retrying in %s… (attempt %d)", w.serverAddr, secs, ev.Attempt), nil)
		} else {
			w.formError(fmt.Sprintf("Could not connect to %s: %v. Retrying in %s… (attempt %d)", w.serverAddr, ev.Err, secs, ev.Attempt), nil)
		}
	}
}

func (w *ClientWindow) showBanner(text string) {
	w.bannerText.SetText(text)
	w.banner.Show()
}

// quit ends the session on purpose and goes back to the form.
func (w *ClientWindow) quit() {
	if w.state == stateIdle {
		return
	}
	w.out.send(client.Disconnect{})
	w.setState(stateIdle)
	w.formInfo("Disconnected. Press Connect to join again.")
}

// ---- messages ----

func (w *ClientWindow) message(m client.Message) {
	var c *conversation
	if m.Private {
		peer := m.From
		if m.Mine {
			peer = m.To
		}
		c = w.privateConv(peer)
	} else {
		c = w.roomConv(m.Room, true)
	}
	t := m.Time
	if t.IsZero() {
		t = time.Now()
	}
	if m.Mine {
		if p, ok := w.pending[m.ID]; ok {
			delete(w.pending, m.ID)
			if e := p.conv.entry(p.seq); e != nil && e.id == m.ID && e.mine {
				e.state, e.t, e.text = stateDelivered, t, m.Text
				if p.conv == w.cur {
					w.logDirty = true
				}
				return
			}
		}
	}
	w.add(c, entry{t: t, from: m.From, text: m.Text, kind: kindChat, mine: m.Mine})
	if !m.Mine {
		w.bump(c, &m, "", "")
	}
}

// bump counts an incoming message (m, or a file offer titled title) as unread
// where it is not seen, and queues a desktop notification for private
// messages, mentions and files while the window is not focused.
func (w *ClientWindow) bump(c *conversation, m *client.Message, title, body string) {
	if c != w.cur {
		c.unread++
		w.convsDirty = true
	}
	if w.focused {
		return
	}
	w.titleUnread++
	notify := m == nil
	if m != nil && (m.Private || w.mentions(m.Text)) {
		notify, title, body = true, m.From+" in "+c.title(), m.Text
		if m.Private {
			title = m.From + " (private)"
		}
	}
	if notify {
		w.notes = append(w.notes, fyne.NewNotification(title, shorten(body, 200)))
	}
}

func (w *ClientWindow) flushNotes() {
	if len(w.notes) == 0 {
		return
	}
	n := len(w.notes) + w.notifyQueued
	first := w.notes[0]
	clear(w.notes)
	w.notes = w.notes[:0]
	now := time.Now()
	if now.Sub(w.lastNotify) < notifyEvery {
		w.notifyQueued = n
		return
	}
	w.lastNotify, w.notifyQueued = now, 0
	if n > 1 {
		first = fyne.NewNotification(fmt.Sprintf("%d new messages for you", n), first.Title+": "+first.Content)
	}
	w.app.SendNotification(first)
}

// mentions reports whether text names me, ignoring case.
func (w *ClientWindow) mentions(text string) bool {
	if w.me == "" {
		return false
	}
	return strings.Contains(strings.ToLower(text), strings.ToLower(w.me)) ||
		strings.Contains(wire.FoldKey(text), w.meKey)
}

func (w *ClientWindow) undelivered(ev client.Undelivered) {
	where := w.cur
	if p, ok := w.pending[ev.ID]; ok {
		delete(w.pending, ev.ID)
		where = p.conv
		if e := p.conv.entry(p.seq); e != nil && e.id == ev.ID {
			e.state = stateFailed
			if p.conv == w.cur {
				w.logDirty = true
			}
		}
	}
	if where == nil {
		return
	}
	w.errorLine(where, time.Time{}, fmt.Sprintf("Not delivered: “%s” — %s", shorten(ev.Text, 60), errText(ev.Err, "unknown error")))
	// Over the server's limit (which may be below the default the entry
	// checks): learn the limit, and give the text back to edit if the entry
	// is free.
	var tl *wire.TextTooLongError
	if errors.As(ev.Err, &tl) {
		if tl.Max > 0 && tl.Max < w.maxText {
			w.maxText = tl.Max
		}
		if w.input.Text == "" {
			w.input.SetText(ev.Text)
			w.setHint(fmt.Sprintf("Too long: your message is %d bytes and the server's limit is %d. Shorten it or split it.", tl.Size, tl.Max))
		}
	}
}

// ---- conversations ----

func convKey(k convKind, name string) string {
	if k == convPrivate {
		return "@" + wire.FoldKey(name)
	}
	return "#" + wire.FoldKey(name)
}

// roomConv returns the conversation of room (the lobby when empty), creating
// it when create is set.
func (w *ClientWindow) roomConv(room string, create bool) *conversation {
	if room == "" {
		room = w.lobby
	}
	if c := w.byName[room]; c != nil {
		return c // the same spelling as last time: no folding needed
	}
	key := convKey(convRoom, room)
	if c := w.byKey[key]; c != nil {
		if len(w.byName) < 1024 {
			w.byName[room] = c
		}
		return c
	}
	if !create {
		return nil
	}
	kind := convRoom
	if wire.FoldKey(room) == wire.FoldKey(w.lobby) {
		kind = convLobby
	}
	return w.newConv(key, kind, room)
}

func (w *ClientWindow) privateConv(peer string) *conversation {
	key := convKey(convPrivate, peer)
	if c := w.byKey[key]; c != nil {
		return c
	}
	c := w.newConv(key, convPrivate, peer)
	c.users = sortedUsers([]string{peer, w.me})
	return c
}

func (w *ClientWindow) fileConv(room, to, from string, mine bool) *conversation {
	switch {
	case room != "":
		return w.roomConv(room, true)
	case mine && to != "":
		return w.privateConv(to)
	case from != "":
		return w.privateConv(from)
	}
	return w.cur
}

func (w *ClientWindow) newConv(key string, kind convKind, name string) *conversation {
	c := &conversation{key: key, kind: kind, name: name, joined: kind != convPrivate, bottom: true}
	w.byKey[key] = c
	w.convs = append(w.convs, c)
	w.convsDirty = true
	return c
}

// openPrivate opens (or shows) the private chat with nick.
func (w *ClientWindow) openPrivate(nick string) {
	if w.state != stateChat || nick == "" || wire.FoldKey(nick) == w.meKey {
		return
	}
	w.change(func() { w.switchTo(w.privateConv(nick)) })
}

// switchTo shows conversation c: its log (scrolled where it was left), its
// users, and clears its unread count.
func (w *ClientWindow) switchTo(c *conversation) {
	if c == nil {
		return
	}
	if old := w.cur; old != nil && old != c {
		old.bottom = w.atBottom()
		old.offset = w.logList.GetScrollOffset()
	}
	w.cur = c
	c.unread = 0
	w.selected = -1
	w.copyBar.Hide()
	w.selUser = -1
	w.usersList.UnselectAll()
	w.msgBtn.Disable()
	if c.wrapW != w.logWidth {
		w.rewrap(c)
	}
	w.header.SetText(w.headerText(c))
	w.input.SetPlaceHolder("Message " + c.title() + " — Enter sends, /help lists commands")
	w.logList.Refresh()
	if w.logList.Size().Height > 0 {
		if c.bottom {
			w.logList.ScrollToBottom()
		} else {
			w.logList.ScrollToOffset(c.offset)
		}
	}
	if i := slices.Index(w.convs, c); i >= 0 {
		w.convList.Select(i)
	}
	w.convList.Refresh()
	w.refreshUsers()
	w.logDirty, w.convsDirty, w.usersDirty = false, false, false
	w.setTitle()
	if w.state == stateChat {
		w.win.Canvas().Focus(w.input) // picking a conversation is to write in it
	}
}

func (w *ClientWindow) headerText(c *conversation) string {
	switch c.kind {
	case convLobby:
		return c.title() + " — everyone on the server"
	case convPrivate:
		return "Private chat with " + c.name
	}
	return c.title()
}

// closeConv drops a conversation (a private chat, or a room already left) and
// shows the lobby.
func (w *ClientWindow) closeConv(c *conversation) {
	i := slices.Index(w.convs, c)
	if i < 0 || c.kind == convLobby {
		return
	}
	w.convs = slices.Delete(w.convs, i, i+1)
	delete(w.byKey, c.key)
	clear(w.byName)
	w.convsDirty = true
	if w.cur == c {
		w.convList.UnselectAll()
		w.switchTo(w.roomConv(w.lobby, true))
	}
}

func (w *ClientWindow) touchUsers(c *conversation) {
	if c == w.cur {
		w.usersDirty = true
	}
}

func (w *ClientWindow) refreshUsers() {
	n := 0
	if w.cur != nil {
		n = len(w.cur.users)
	}
	if w.cur != nil && w.cur.kind == convPrivate {
		w.usersTitle.SetText(fmt.Sprintf("In this chat — %d", n))
	} else {
		w.usersTitle.SetText(fmt.Sprintf("Online — %d", n))
	}
	if w.selUser >= n {
		w.selUser = -1
		w.usersList.UnselectAll()
		w.msgBtn.Disable()
	}
	w.usersList.Refresh()
}

// ---- log ----

// add appends e to c's log, wrapping it for the current width.
func (w *ClientWindow) add(c *conversation, e entry) {
	if c == nil {
		return
	}
	seq := c.base + len(c.entries)
	c.entries = append(c.entries, e)
	if c.wrapW == w.logWidth {
		c.rows = w.meas.wrap(c.rows, seq, e.text, w.textWidth(&c.entries[len(c.entries)-1]))
	}
	c.trim()
	if c == w.cur {
		w.logDirty = true
	}
}

func (w *ClientWindow) system(c *conversation, t time.Time, text string) {
	if t.IsZero() {
		t = time.Now()
	}
	w.add(c, entry{t: t, text: text, kind: kindSystem})
}

func (w *ClientWindow) errorLine(c *conversation, t time.Time, text string) {
	if t.IsZero() {
		t = time.Now()
	}
	w.add(c, entry{t: t, text: text, kind: kindError})
}

// systemBoth logs a server-wide line in the lobby and, if it is elsewhere, in
// the conversation on screen.
func (w *ClientWindow) systemBoth(t time.Time, text string) {
	lobby := w.roomConv(w.lobby, w.state == stateChat)
	w.system(lobby, t, text)
	if w.cur != nil && w.cur != lobby {
		w.system(w.cur, t, text)
	}
}

// textX is where e's text starts in its rows.
func (w *ClientWindow) textX(e *entry) float32 {
	x := w.inset + w.timeW + w.gapW
	if e.kind == kindChat {
		return x + w.meas.nick(e.from) + w.gapW
	}
	return x + w.bulletW + w.gapW
}

func (w *ClientWindow) textWidth(e *entry) float32 {
	if w.logWidth <= 0 {
		return 0 // not laid out yet: one row per entry until it is
	}
	return max(w.logWidth-w.textX(e)-w.scrollRoom(), 2*w.meas.size)
}

func (w *ClientWindow) scrollRoom() float32 {
	return theme.Size(theme.SizeNameScrollBar) + theme.Padding()
}

// rewrap recomputes c's rows for the current width.
func (w *ClientWindow) rewrap(c *conversation) {
	rows := c.rows[:0]
	if cap(rows) > 2*len(c.entries)+64 {
		rows = nil
	}
	for i := range c.entries {
		rows = w.meas.wrap(rows, c.base+i, c.entries[i].text, w.textWidth(&c.entries[i]))
	}
	c.rows, c.wrapW = rows, w.logWidth
}

// atBottom reports whether the log shows its last row (or has nothing to
// scroll).
func (w *ClientWindow) atBottom() bool {
	if w.cur == nil {
		return true
	}
	h := w.logList.Size().Height
	n := len(w.cur.rows)
	pad := w.logList.Theme().Size(theme.SizeNamePadding)
	content := float32(n)*(w.rowH+pad) - pad
	return content <= h || w.logList.GetScrollOffset()+h >= content-w.rowH/2
}

func (w *ClientWindow) updateLogRow(id int, o fyne.CanvasObject) {
	r := o.(*logRow)
	c := w.cur
	if c == nil || id >= len(c.rows) {
		r.seq = -1
		r.tm.Text, r.nick.Text, r.text.Text = "", "", ""
		r.Refresh()
		return
	}
	rw := c.rows[id]
	e := c.entry(rw.seq)
	if e == nil {
		return
	}
	th := w.logList.Theme()
	v := w.app.Settings().ThemeVariant()
	r.seq = rw.seq
	r.timeX, r.timeW, r.nickX, r.textX = w.inset, w.timeW, w.inset+w.timeW+w.gapW, w.textX(e)
	first := rw.start == 0
	r.tm.Text, r.nick.Text = "", ""
	r.tm.Color = th.Color(theme.ColorNamePlaceHolder, v)
	if first {
		switch e.state {
		case statePending:
			r.tm.Text = "…"
		case stateFailed:
			r.tm.Text = "failed"
			r.tm.Color = th.Color(theme.ColorNameError, v)
		default:
			r.tm.Text = e.t.Local().Format("15:04")
		}
	}
	text := e.text[rw.start:rw.end]
	if strings.IndexByte(text, '\t') >= 0 {
		text = strings.ReplaceAll(text, "\t", "    ")
	}
	r.text.Text = text
	switch e.kind {
	case kindChat:
		if first {
			r.nick.Text = e.from
		}
		r.nick.Color = nickColor(e.from, v)
		r.text.Color = th.Color(theme.ColorNameForeground, v)
		if e.state != stateDelivered {
			r.text.Color = th.Color(theme.ColorNamePlaceHolder, v)
		}
	case kindSystem:
		if first {
			r.nick.Text = "•"
		}
		r.nick.Color = th.Color(theme.ColorNamePlaceHolder, v)
		r.text.Color = th.Color(theme.ColorNamePlaceHolder, v)
	case kindError:
		if first {
			r.nick.Text = "!"
		}
		r.nick.Color = th.Color(theme.ColorNameError, v)
		r.text.Color = th.Color(theme.ColorNameError, v)
	}
	switch {
	case rw.seq == w.selected:
		r.bg.FillColor = th.Color(theme.ColorNameSelection, v)
	case e.mine:
		r.bg.FillColor = th.Color(theme.ColorNameHover, v)
	default:
		r.bg.FillColor = nil
	}
	r.Refresh()
}

// selectEntry shows entry seq of the current conversation in the copy bar,
// where its text can be selected; -1 closes the bar.
func (w *ClientWindow) selectEntry(seq int) {
	if w.cur == nil || w.cur.entry(seq) == nil {
		seq = -1
	}
	if seq == w.selected {
		return
	}
	w.selected = seq
	if seq < 0 {
		w.copyBar.Hide()
	} else {
		w.copyText.SetText(w.entryLine(w.cur.entry(seq)))
		w.copyBar.Show()
	}
	w.logList.Refresh()
}

func (w *ClientWindow) entryLine(e *entry) string {
	t := e.t.Local().Format("15:04")
	if e.kind == kindChat {
		return fmt.Sprintf("[%s] %s: %s", t, e.from, e.text)
	}
	return fmt.Sprintf("[%s] %s", t, e.text)
}

// copyEntry puts entry seq on the clipboard.
func (w *ClientWindow) copyEntry(seq int) {
	if w.cur == nil {
		return
	}
	if e := w.cur.entry(seq); e != nil {
		w.app.Clipboard().SetContent(w.entryLine(e))
	}
}

func (w *ClientWindow) entryMenu(seq int, at fyne.Position) {
	if w.cur == nil || w.cur.entry(seq) == nil {
		return
	}
	e := w.cur.entry(seq)
	items := []*fyne.MenuItem{
		fyne.NewMenuItem("Copy line", func() { w.copyEntry(seq) }),
		fyne.NewMenuItem("Copy text", func() { w.app.Clipboard().SetContent(e.text) }),
	}
	if e.kind == kindChat && !e.mine {
		from := e.from
		items = append(items, fyne.NewMenuItem("Message "+from+" privately", func() { w.openPrivate(from) }))
	}
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), w.win.Canvas(), at)
}

// ---- helpers ----

// sortedUsers returns users sorted case-insensitively, without duplicates.
func sortedUsers(users []string) []string {
	type user struct{ key, nick string }
	u := make([]user, len(users))
	for i, n := range users {
		u[i] = user{wire.FoldKey(n), n}
	}
	slices.SortFunc(u, func(a, b user) int { return strings.Compare(a.key, b.key) })
	u = slices.CompactFunc(u, func(a, b user) bool { return a.key == b.key })
	out := make([]string, len(u))
	for i := range u {
		out[i] = u[i].nick
	}
	return out
}

func leftText(r wire.LeftReason) string {
	switch r {
	case wire.LeftQuit:
		return "quit"
	case wire.LeftParted:
		return "left the room"
	case wire.LeftKicked:
		return "was removed by the admin [시스템 추방]"
	case 0:
		return "left"
	}
	return "left (" + r.String() + ")"
}

func errText(err error, fallback string) string {
	if err == nil {
		return fallback
	}
	return err.Error()
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// shorten cuts s to at most n bytes, at a character boundary, and marks the
// cut with "…".
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
