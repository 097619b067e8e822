package gui

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

// helpLines is what /help prints (and what an unknown command gets).
var helpLines = []string{
	"Commands:",
	"/help — this list",
	"/users — who is in this conversation",
	"/join NAME — join a room (it is created if needed)",
	"/leave — leave this room, or close this private chat",
	"/rooms — list the rooms and how many are in each",
	"/msg NICK text — send a private message (opens a private chat)",
	"/send PATH — send a file to this conversation",
	"/clear — clear this conversation's log",
	"/quit — disconnect and go back to the connect form",
	"//text — send text that starts with a slash, e.g. //shrug sends “/shrug”",
	"Tips: double-click a user to chat privately; click a line to select and copy its text, double-click copies it.",
}

// submit handles Enter in the message entry: a chat line or a command. The
// entry is cleared only when the line was accepted; otherwise the text stays
// and a hint under the entry says why.
func (w *ClientWindow) submit(text string) {
	if w.state != stateChat || w.cur == nil || strings.TrimSpace(text) == "" {
		return
	}
	var accepted bool
	w.change(func() { accepted = w.run(text) })
	if accepted {
		w.input.SetText("")
		w.setHint("")
	}
	w.win.Canvas().Focus(w.input)
}

func (w *ClientWindow) setHint(text string) {
	w.inputHint.SetText(text)
	if text == "" {
		w.inputHint.Hide()
	} else {
		w.inputHint.Show()
	}
}

func (w *ClientWindow) run(text string) bool {
	switch {
	case strings.HasPrefix(text, "//"):
		return w.say(w.cur, text[1:])
	case !strings.HasPrefix(text, "/"):
		return w.say(w.cur, text)
	}
	name, arg, _ := strings.Cut(text[1:], " ")
	arg = strings.TrimSpace(arg)
	switch strings.ToLower(name) {
	case "help", "?":
		for _, l := range helpLines {
			w.system(w.cur, time.Time{}, l)
		}
	case "users", "who", "names":
		c := w.cur
		w.system(c, time.Time{}, fmt.Sprintf("In %s (%d): %s", c.title(), len(c.users), strings.Join(c.users, ", ")))
	case "quit", "exit", "disconnect":
		w.quit()
	case "clear":
		w.clearLog(w.cur)
	case "join":
		if arg == "" {
			w.setHint("Usage: /join NAME")
			return false
		}
		arg = strings.TrimPrefix(arg, "#")
		if err := wire.CheckRoom(arg); err != nil {
			w.setHint(fmt.Sprintf("Cannot join “%s”: %v.", arg, err))
			return false
		}
		if c := w.roomConv(arg, false); c != nil && c.joined {
			w.switchTo(c)
			return true
		}
		w.out.send(client.JoinRoom{Room: arg})
		w.system(w.cur, time.Time{}, "Joining #"+arg+"…")
	case "leave", "part", "close":
		return w.leave(arg)
	case "rooms", "list":
		w.out.send(client.ListRooms{})
	case "msg", "query", "m":
		nick, msg, _ := strings.Cut(arg, " ")
		msg = strings.TrimSpace(msg)
		if nick == "" {
			w.setHint("Usage: /msg NICK text")
			return false
		}
		if wire.FoldKey(nick) == w.meKey {
			w.setHint("That is you.")
			return false
		}
		if err := wire.CheckNick(nick); err != nil {
			w.setHint(fmt.Sprintf("“%s” is not a nickname: %v.", nick, err))
			return false
		}
		c := w.privateConv(nick)
		if msg != "" && !w.say(c, msg) {
			return false
		}
		w.switchTo(c)
	case "send", "file":
		return w.sendFile(arg)
	default:
		w.errorLine(w.cur, time.Time{}, fmt.Sprintf("Unknown command /%s — nothing was sent. To send text that starts with a slash, type it with two: /%s", name, text))
		for _, l := range helpLines {
			w.system(w.cur, time.Time{}, l)
		}
	}
	return true
}

// say sends text to conversation c and shows it as pending until the server
// echoes it. Text over the server's limit is refused, never cut.
func (w *ClientWindow) say(c *conversation, text string) bool {
	if len(text) > w.maxText {
		w.setHint(fmt.Sprintf("Too long: your message is %d bytes and the limit is %d. Shorten it or split it — nothing was sent.", len(text), w.maxText))
		return false
	}
	if _, err := wire.CheckText(text, w.maxText); err != nil {
		w.setHint(fmt.Sprintf("Cannot send this message: %v.", err))
		return false
	}
	if c.kind == convRoom && !c.joined {
		w.setHint(fmt.Sprintf("You are not in %s any more. Type /join %s to rejoin.", c.title(), c.name))
		return false
	}
	w.nextID++
	id := w.nextID
	if c.kind == convPrivate {
		w.out.send(client.Private{ID: id, To: c.name, Text: text})
	} else {
		w.out.send(client.Say{ID: id, Room: c.name, Text: text})
	}
	seq := c.base + len(c.entries)
	w.add(c, entry{t: time.Now(), from: w.me, text: text, id: id, kind: kindChat, mine: true, state: statePending})
	w.pending[id] = pendingRef{conv: c, seq: seq}
	return true
}

func (w *ClientWindow) leave(arg string) bool {
	c := w.cur
	if arg != "" {
		c = w.roomConv(strings.TrimPrefix(arg, "#"), false)
		if c == nil {
			w.setHint(fmt.Sprintf("You are not in #%s.", strings.TrimPrefix(arg, "#")))
			return false
		}
	}
	switch {
	case c.kind == convLobby:
		w.setHint("The lobby cannot be left. /quit disconnects.")
		return false
	case c.kind == convPrivate || !c.joined:
		w.closeConv(c)
	default:
		w.out.send(client.LeaveRoom{Room: c.name})
	}
	return true
}

func (w *ClientWindow) sendFile(path string) bool {
	path = strings.Trim(path, `"'`)
	if path == "" {
		w.setHint("Usage: /send PATH")
		return false
	}
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		w.setHint(fmt.Sprintf("Cannot send %s: %v.", path, err))
		return false
	case !fi.Mode().IsRegular():
		w.setHint(path + " is not a file.")
		return false
	}
	w.nextID++
	cmd := client.SendFile{ID: w.nextID, Path: path}
	if w.cur.kind == convPrivate {
		cmd.To = w.cur.name
	} else {
		cmd.Room = w.cur.name
	}
	w.out.send(cmd)
	w.system(w.cur, time.Time{}, fmt.Sprintf("Offering %s (%s)…", fi.Name(), byteSize(fi.Size())))
	return true
}

func (w *ClientWindow) clearLog(c *conversation) {
	c.base += len(c.entries)
	c.entries = nil
	c.rows = nil
	c.wrapW = w.logWidth
	w.selected = -1
	w.copyBar.Hide()
	w.logDirty = true
}
