package clientmodel

import (
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

// DefaultPort is added to a server address typed without one.
const DefaultPort = "7878"

// HelpLines is what /help prints (and what an unknown command gets).
var HelpLines = []string{
	"Commands:",
	"/help — this list",
	"/users — who is in this conversation",
	"/join NAME — join a room (it is created if needed); or use Rooms ▸ Join or create…",
	"/leave — leave this room, or close this private chat (Ctrl+W)",
	"/rooms — list the rooms and how many are in each",
	"/msg NICK text — send a private message (opens a private chat)",
	"/send PATH — send a file to this conversation",
	"/search WORDS — search the server's history of your rooms and private chats (Ctrl+F)",
	"/clear — clear this conversation's log",
	"/quit — disconnect (the conversations stay here to read)",
	"//text — send text that starts with a slash, e.g. //shrug sends “/shrug”",
	"Keys: Ctrl+K switch conversation, Ctrl+Tab / Alt+↑↓ next and previous, Tab completes a nickname, Ctrl+F searches the history.",
	"Tips: double-click a user to chat privately; click a line to select it (Ctrl+C copies it).",
}

// Connect validates the form and starts a session. It returns the address
// as it will be used (a missing port added), or "" when the form was refused.
func (m *Model) Connect(addr, nick string) string {
	if m.Phase == Connecting || m.Phase == Chat && m.Link != Ended {
		return ""
	}
	addr, nick = strings.TrimSpace(addr), strings.TrimSpace(nick)
	if addr == "" {
		m.formError("Type the server's address, e.g. 192.168.1.5:"+DefaultPort+".", "addr")
		return ""
	}
	if !strings.Contains(addr, ":") || strings.HasSuffix(addr, "]") {
		addr += ":" + DefaultPort
	}
	if err := wire.CheckNick(nick); err != nil {
		m.formError(fmt.Sprintf("That nickname cannot be used: %v. Choose another one (1–32 characters, no spaces).", err), "nick")
		return ""
	}
	m.Addr, m.Nick = addr, nick
	m.Instance = m.instanceAt(addr)
	m.toForm(Connecting)
	m.formInfo(fmt.Sprintf("Connecting to %s…", addr))
	m.start()
	return addr
}

// FormHint shows text on the connect form and focuses field ("nick",
// "addr" or "").
func (m *Model) FormHint(text, focus string) {
	m.Form = Form{Text: text, Focus: focus}
	m.ch.Form = true
}

func (m *Model) start() {
	m.Session++
	m.Send(client.Connect{Addr: m.Addr, Nick: m.Nick, Session: m.Session, Plaintext: m.Plaintext})
}

// ConnectAgain starts a new session to the same server with the same
// nickname from the ended conversations, which continue.
func (m *Model) ConnectAgain() {
	if m.Phase != Chat || m.Link != Ended {
		return
	}
	m.Link = Rejoining
	m.Banner = Banner{Text: fmt.Sprintf("Connecting to %s as %s…", m.Addr, m.Nick), Offline: true}
	m.ch.Phase = true
	m.start()
}

// ChangeServer shows the connect form, keeping the conversations (they
// continue if the form connects to the same server again).
func (m *Model) ChangeServer() {
	if m.Phase != Chat {
		return
	}
	if m.Link != Ended {
		m.Send(client.Disconnect{})
	}
	m.ask(nil)
	m.Link = Ended
	m.toForm(Idle)
	m.formInfo("Connect to a server. Connecting to " + m.Addr + " again continues your conversations.")
}

// Cancel stops a Connect under way (the form's Cancel).
func (m *Model) Cancel() {
	if m.Phase != Connecting {
		return
	}
	m.Send(client.Disconnect{})
	m.ask(nil)
	m.toForm(Idle)
	m.formInfo("Cancelled.")
}

// Disconnect ends the session on purpose. The conversations stay, read-only.
func (m *Model) Disconnect() {
	switch {
	case m.Phase == Connecting:
		m.Cancel()
	case m.Phase == Chat && m.Link != Ended:
		m.Send(client.Disconnect{})
		m.ask(nil)
		m.end(fmt.Sprintf("You disconnected from %s. The conversations stay here to read; connect again to continue them.", m.Addr))
	}
}

// RetryNow asks the session to try to reconnect at once.
func (m *Model) RetryNow() {
	if m.Phase == Chat && m.Link == Reconnecting {
		m.Send(client.RetryNow{})
		m.Banner.Text = fmt.Sprintf("Connection lost at %s. Trying again now…", m.Since.Local().Format("15:04"))
		m.ch.Phase = true
	}
}

// Submit handles Enter in the message entry: a chat line or a command. It
// reports whether the text was taken (the entry is then cleared); when not,
// Hint says why.
func (m *Model) Submit(text string) bool {
	m.Hint = ""
	if m.Phase != Chat || m.Cur == nil || strings.TrimSpace(text) == "" {
		return false
	}
	if m.Link == Ended || m.Link == Rejoining {
		m.Hint = "Not connected: " + m.Banner.Text
		return false
	}
	switch {
	case strings.HasPrefix(text, "//"):
		return m.say(m.Cur, text[1:])
	case !strings.HasPrefix(text, "/"):
		return m.say(m.Cur, text)
	}
	name, arg, _ := strings.Cut(text[1:], " ")
	arg = strings.TrimSpace(arg)
	switch strings.ToLower(name) {
	case "help", "?":
		for _, l := range HelpLines {
			m.system(m.Cur, time.Time{}, l)
		}
	case "users", "who", "names":
		c := m.Cur
		m.system(c, time.Time{}, fmt.Sprintf("In %s (%d): %s", c.Title(), len(c.Users), strings.Join(c.Users, ", ")))
	case "quit", "exit", "disconnect":
		m.Disconnect()
	case "clear":
		m.Clear(m.Cur)
	case "join":
		if arg == "" {
			m.Hint = "Usage: /join NAME"
			return false
		}
		return m.Join(arg)
	case "leave", "part", "close":
		return m.leave(arg)
	case "rooms", "list":
		m.Send(client.ListRooms{})
	case "msg", "query", "m":
		return m.msg(arg)
	case "send", "file":
		return m.SendFile(arg)
	case "search", "find":
		if arg == "" {
			m.Hint = "Usage: /search WORDS (or press Ctrl+F)"
			return false
		}
		m.SearchFor(arg)
		m.ShowSearch = true
	default:
		m.errorLine(m.Cur, time.Time{}, fmt.Sprintf("Unknown command /%s — nothing was sent. To send text that starts with a slash, type it with two: /%s", name, text))
		for _, l := range HelpLines {
			m.system(m.Cur, time.Time{}, l)
		}
	}
	return true
}

// Join joins (or creates) room, or shows it when already joined.
func (m *Model) Join(room string) bool {
	room = strings.TrimPrefix(strings.TrimSpace(room), "#")
	if err := wire.CheckRoom(room); err != nil {
		m.Hint = fmt.Sprintf("Cannot join “%s”: %v.", room, err)
		return false
	}
	if c := m.RoomConv(room, false); c != nil && c.Joined {
		m.SwitchTo(c)
		return true
	}
	m.Send(client.JoinRoom{Room: room})
	m.system(m.Cur, time.Time{}, "Joining #"+room+"…")
	return true
}

// ListRooms asks the server for the room list for the Rooms dialog.
func (m *Model) ListRooms() {
	if m.Phase == Chat && m.Link == Live {
		m.quietRooms = true
		m.Send(client.ListRooms{})
	}
}

func (m *Model) msg(arg string) bool {
	nick, text, _ := strings.Cut(arg, " ")
	text = strings.TrimSpace(text)
	switch err := wire.CheckNick(nick); {
	case nick == "":
		m.Hint = "Usage: /msg NICK text"
		return false
	case wire.FoldKey(nick) == m.MeKey:
		m.Hint = "That is you."
		return false
	case err != nil:
		m.Hint = fmt.Sprintf("“%s” is not a nickname: %v.", nick, err)
		return false
	}
	c := m.PrivateConv(nick)
	if text != "" && !m.say(c, text) {
		return false
	}
	m.SwitchTo(c)
	return true
}

// say sends text to conversation c and shows it as pending until the server
// echoes it. Text over the server's limit is refused, never cut.
func (m *Model) say(c *Conv, text string) bool {
	if n := utf8.RuneCountInString(text); n > wire.MaxTextChars {
		m.Hint = fmt.Sprintf("Too long: your message is %s characters and the limit is %s. Shorten it or split it — nothing was sent.",
			Count(n), Count(wire.MaxTextChars))
		return false
	}
	if len(text) > m.MaxText {
		m.Hint = fmt.Sprintf("Too long for this server: your message takes %s bytes and the limit is %s. Shorten it or split it — nothing was sent.",
			Count(len(text)), Count(m.MaxText))
		return false
	}
	if _, err := wire.CheckText(text, m.MaxText); err != nil {
		m.Hint = fmt.Sprintf("Cannot send this message: %v.", err)
		return false
	}
	if c.Kind == Room && !c.Joined {
		m.Hint = fmt.Sprintf("You are not in %s any more. Type /join %s to rejoin.", c.Title(), c.Name)
		return false
	}
	m.add(c, Entry{From: m.Me, Text: text, Kind: KindChat, Mine: true, State: Pending, ID: m.send(c, text)})
	return true
}

// send sends text to c and returns its ID.
func (m *Model) send(c *Conv, text string) uint64 {
	m.nextID++
	id := m.nextID
	if c.Kind == Private {
		m.Send(client.Private{ID: id, To: c.Name, Text: text})
	} else {
		m.Send(client.Say{ID: id, Room: c.Name, Text: text})
	}
	m.pending[id] = c
	return id
}

// Retry sends a line that was not sent again, in place.
func (m *Model) Retry(c *Conv, seq int) bool {
	e := c.Entry(seq)
	if e == nil || e.State != NotSent {
		return false
	}
	if m.Link == Ended || m.Link == Rejoining {
		m.Hint = "Not connected: connect again first, then Retry."
		return false
	}
	if c.Kind == Room && !c.Joined {
		m.Hint = fmt.Sprintf("You are not in %s any more. Type /join %s to rejoin.", c.Title(), c.Name)
		return false
	}
	e.State, e.Why, e.ID = Pending, "", m.send(c, e.Text)
	if c == m.Cur {
		m.ch.Log = true
	}
	return true
}

// Discard removes a line that was not sent.
func (m *Model) Discard(c *Conv, seq int) {
	if e := c.Entry(seq); e != nil && e.State == NotSent {
		m.remove(c, seq)
	}
}

// Leave leaves room c or closes a private chat.
func (m *Model) Leave(c *Conv) bool {
	switch {
	case c == nil:
		return false
	case c.Kind == Lobby:
		m.Hint = "The lobby cannot be left. /quit disconnects."
		return false
	case c.Kind == Private || !c.Joined || m.Link != Live:
		m.Close(c)
	default:
		m.Send(client.LeaveRoom{Room: c.Name})
	}
	return true
}

func (m *Model) leave(arg string) bool {
	c := m.Cur
	if arg != "" {
		name := strings.TrimPrefix(arg, "#")
		if c = m.RoomConv(name, false); c == nil {
			m.Hint = fmt.Sprintf("You are not in #%s.", name)
			return false
		}
	}
	return m.Leave(c)
}

// SendFile offers the file at path to the current conversation.
func (m *Model) SendFile(path string) bool {
	path = strings.Trim(path, `"'`)
	if path == "" {
		m.Hint = "Usage: /send PATH"
		return false
	}
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		m.Hint = fmt.Sprintf("Cannot send it: %s.", Plain(err, ""))
		return false
	case !fi.Mode().IsRegular():
		m.Hint = path + " is not a file."
		return false
	}
	m.nextID++
	cmd := client.SendFile{ID: m.nextID, Path: path}
	if m.Cur.Kind == Private {
		cmd.To = m.Cur.Name
	} else {
		cmd.Room = m.Cur.Name
	}
	m.Send(cmd)
	m.system(m.Cur, time.Time{}, fmt.Sprintf("Offering %s (%s)…", fi.Name(), ByteSize(fi.Size())))
	return true
}

// CounterFrom is where the entry starts showing how many characters are
// left.
const CounterFrom = wire.MaxTextChars * 9 / 10

// Counter is the live count under the entry near the limit ("3 912 / 4 000"),
// "" while far from it; over reports going past the limit.
func Counter(text string) (label string, over bool) {
	if len(text) < CounterFrom {
		return "", false // fewer bytes cannot be more characters
	}
	n := utf8.RuneCountInString(text)
	if n < CounterFrom {
		return "", false
	}
	return Count(n) + " / " + Count(wire.MaxTextChars), n > wire.MaxTextChars
}

// Complete completes the nickname being typed at the end of text from the
// current conversation's members; repeated calls cycle (n counts them).
func (m *Model) Complete(text string, n int) (string, bool) {
	if m.Cur == nil {
		return text, false
	}
	i := strings.LastIndexAny(text, " \t") + 1
	prefix := strings.ToLower(strings.TrimPrefix(text[i:], "@"))
	if prefix == "" {
		return text, false
	}
	var found []string
	for _, u := range m.Cur.Users {
		if wire.FoldKey(u) != m.MeKey && strings.HasPrefix(strings.ToLower(u), prefix) {
			found = append(found, u)
		}
	}
	if len(found) == 0 {
		return text, false
	}
	nick := found[n%len(found)]
	if i == 0 {
		return nick + ": ", true
	}
	return text[:i] + nick + " ", true
}
