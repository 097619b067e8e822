package clientmodel

import (
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2/lang"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

// DefaultPort is added to a server address typed without one.
const DefaultPort = "7878"

// Connect validates the form and starts a session. It returns the address
// as it will be used (a missing port added), or "" when the form was refused.
func (m *Model) Connect(addr, nick string) string {
	if m.Phase == Connecting || m.Phase == Chat && m.Link != Ended {
		return ""
	}
	addr, nick = strings.TrimSpace(addr), strings.TrimSpace(nick)
	if addr == "" {
		m.formError(lang.L("Type the server's address, e.g. 192.168.1.5:{{.Port}}.", vars{"Port": DefaultPort}), "addr")
		return ""
	}
	if !strings.Contains(addr, ":") || strings.HasSuffix(addr, "]") {
		addr += ":" + DefaultPort
	}
	if err := wire.CheckNick(nick); err != nil {
		m.formError(lang.L("That nickname cannot be used: {{.Why}}. Choose another one (1–32 characters, no spaces).", vars{"Why": NameError(err)}), "nick")
		return ""
	}
	m.Addr, m.Nick = addr, nick
	m.Instance = m.instanceAt(addr)
	m.toForm(Connecting)
	m.formInfo(lang.L("Connecting to {{.Addr}}…", vars{"Addr": addr}))
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
	m.Banner = Banner{Text: lang.L("Connecting to {{.Addr}} as {{.Nick}}…", vars{"Addr": m.Addr, "Nick": m.Nick}), Offline: true}
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
	m.formInfo(lang.L("Connect to a server. Connecting to {{.Addr}} again continues your conversations.", vars{"Addr": m.Addr}))
}

// Cancel stops a Connect under way (the form's Cancel).
func (m *Model) Cancel() {
	if m.Phase != Connecting {
		return
	}
	m.Send(client.Disconnect{})
	m.ask(nil)
	m.toForm(Idle)
	m.formInfo(lang.L("Cancelled."))
}

// Disconnect ends the session on purpose. The conversations stay, read-only.
func (m *Model) Disconnect() {
	switch {
	case m.Phase == Connecting:
		m.Cancel()
	case m.Phase == Chat && m.Link != Ended:
		m.Send(client.Disconnect{})
		m.ask(nil)
		m.end(lang.L("You disconnected from {{.Addr}}. The conversations stay here to read; connect again to continue them.", vars{"Addr": m.Addr}))
	}
}

// RetryNow asks the session to try to reconnect at once.
func (m *Model) RetryNow() {
	if m.Phase == Chat && m.Link == Reconnecting {
		m.Send(client.RetryNow{})
		m.Banner.Text = lang.L("Connection lost at {{.Time}}. Trying again now…", vars{"Time": m.Since.Local().Format("15:04")})
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
		m.Hint = lang.L("Not connected: {{.Why}}", vars{"Why": m.Banner.Text})
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
	switch commandName(name) {
	case "help":
		for _, l := range HelpLines() {
			m.system(m.Cur, time.Time{}, l)
		}
	case "users":
		c := m.Cur
		m.system(c, time.Time{}, lang.L("In {{.Conv}} ({{.Count}}): {{.Users}}", vars{"Conv": c.Title(), "Count": len(c.Users), "Users": strings.Join(c.Users, ", ")}))
	case "quit":
		m.Disconnect()
	case "clear":
		m.Clear(m.Cur)
	case "join":
		if arg == "" {
			m.Hint = lang.L("Usage: /join NAME")
			return false
		}
		return m.Join(arg)
	case "leave":
		return m.leave(arg)
	case "rooms":
		m.Send(client.ListRooms{})
	case "msg":
		return m.msg(arg)
	case "send":
		return m.SendFile(arg)
	case "away":
		m.SetAway(true, arg)
	case "back":
		m.SetAway(false, "")
	case "topic":
		return m.topicCommand(arg)
	case "kick":
		return m.kickCommand(arg)
	case "oper":
		return m.oper(arg)
	case "op", "deop":
		nick, _, _ := strings.Cut(arg, " ")
		return m.SetOp(m.Cur, nick, commandName(name) == "op")
	case "search":
		if arg == "" {
			m.Hint = lang.L("Usage: /search WORDS (or press Ctrl+F)")
			return false
		}
		m.SearchFor(arg)
		m.ShowSearch = true
	default:
		m.errorLine(m.Cur, time.Time{}, lang.L("Unknown command /{{.Name}} — nothing was sent. To send text that starts with a slash, type it with two: /{{.Text}}", vars{"Name": name, "Text": text}))
		for _, l := range HelpLines() {
			m.system(m.Cur, time.Time{}, l)
		}
	}
	return true
}

// Join joins (or creates) room, or shows it when already joined.
func (m *Model) Join(room string) bool {
	room = strings.TrimPrefix(strings.TrimSpace(room), "#")
	if err := wire.CheckRoom(room); err != nil {
		m.Hint = lang.L("Cannot join “{{.Room}}”: {{.Why}}.", vars{"Room": room, "Why": NameError(err)})
		return false
	}
	if c := m.RoomConv(room, false); c != nil && c.Joined {
		m.SwitchTo(c)
		return true
	}
	m.Send(client.JoinRoom{Room: room})
	m.system(m.Cur, time.Time{}, lang.L("Joining #{{.Room}}…", vars{"Room": room}))
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
		m.Hint = lang.L("Usage: /msg NICK text")
		return false
	case wire.FoldKey(nick) == m.MeKey:
		m.Hint = lang.L("That is you.")
		return false
	case err != nil:
		m.Hint = lang.L("“{{.Nick}}” is not a nickname: {{.Why}}.", vars{"Nick": nick, "Why": NameError(err)})
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
		m.Hint = lang.L("Too long: your message is {{.Size}} characters and the limit is {{.Max}}. Shorten it or split it — nothing was sent.",
			vars{"Size": Count(n), "Max": Count(wire.MaxTextChars)})
		return false
	}
	if len(text) > m.MaxText {
		m.Hint = lang.L("Too long for this server: your message takes {{.Size}} bytes and the limit is {{.Max}}. Shorten it or split it — nothing was sent.",
			vars{"Size": Count(len(text)), "Max": Count(m.MaxText)})
		return false
	}
	if code, err := wire.CheckText(text, m.MaxText); err != nil {
		m.Hint = lang.L("Cannot send this message: {{.Why}}.", vars{"Why": ErrorText(code, err.Error())})
		return false
	}
	if c.Kind == Room && !c.Joined {
		m.Hint = notInRoom(c)
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
		m.Hint = lang.L("Not connected: connect again first, then Retry.")
		return false
	}
	if c.Kind == Room && !c.Joined {
		m.Hint = notInRoom(c)
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
		m.Hint = lang.L("The lobby cannot be left. /quit disconnects.")
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
			m.Hint = lang.L("You are not in #{{.Room}}.", vars{"Room": name})
			return false
		}
	}
	return m.Leave(c)
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

func notInRoom(c *Conv) string {
	return lang.L("You are not in {{.Conv}} any more. Type /join {{.Room}} to rejoin.", vars{"Conv": c.Title(), "Room": c.Name})
}
