package clientmodel

import (
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

// History, when the server keeps it: the last messages of a room just
// joined (Replay) come above a "New since you joined" divider; what a
// conversation missed while the connection was down (Missed), or while the
// conversations were kept after an end, comes below a "New since you left"
// divider; scrolling to the top loads older pages (LoadEarlier); Ctrl+F
// searches the server's history (SearchFor) and a result shows the message
// in its conversation (Open), loading the pages up to it. None of it raises
// a notification or counts as unread.

// PageSize is how many older messages one scroll to the top loads.
const PageSize = 50

// maxJumpPages bounds the pages loaded to reach a search result.
const maxJumpPages = 40

// Older says whether older messages can be loaded into a conversation.
type Older uint8

const (
	OlderUnknown Older = iota // nothing known yet (a server may keep no history)
	OlderMore                 // the server has older messages: LoadEarlier
	OlderLoading              // a page was asked for
	OlderNone                 // the log starts at the conversation's first message kept
	OlderFailed               // the last page could not be loaded: LoadEarlier tries again (not by itself)
)

// Divider texts.
const (
	SinceJoined = "New since you joined"
	SinceLeft   = "New since you left"
)

// Hit is a search result.
type Hit struct {
	MsgID   uint64
	T       time.Time
	Room    string // "" for a private message
	Peer    string // the other party of a private message
	From    string
	Text    string
	Private bool
}

// Where is the conversation a hit belongs to, as listed: "#dev", "@bob".
func (h Hit) Where() string {
	if h.Private {
		return "@" + h.Peer
	}
	return "#" + h.Room
}

// Search is the history search's state (the Ctrl+F panel).
type Search struct {
	Query   string
	Hits    []Hit
	More    bool   // more (older) results: SearchMore
	Loading bool   // an answer is awaited
	Err     string // why the last search failed, in plain words
}

// Status is the line above the results.
func (s *Search) Status() string {
	switch {
	case s.Query == "":
		return lang.L("Type words to find in the messages of your rooms and private chats, then press Enter.")
	case s.Err != "":
		return s.Err
	case s.Loading && len(s.Hits) == 0:
		return lang.L("Searching for “{{.Query}}”…", vars{"Query": s.Query})
	case len(s.Hits) == 0:
		return lang.L("No messages contain “{{.Query}}”.", vars{"Query": s.Query})
	case s.More:
		return lang.L("{{.Count}} messages contain “{{.Query}}” (newest first; more below).", vars{"Count": len(s.Hits), "Query": s.Query})
	}
	return lang.N("{{.Count}} messages contain “{{.Query}}” (newest first).", len(s.Hits), vars{"Count": len(s.Hits), "Query": s.Query})
}

// CanLoadEarlier reports whether older messages of c can be asked for now.
func (m *Model) CanLoadEarlier(c *Conv) bool {
	return c != nil && m.Phase == Chat && m.Link == Live &&
		(c.Older == OlderMore || c.Older == OlderFailed || c.Older == OlderUnknown && m.histServer)
}

// AutoLoad reports whether reaching the top of c's log loads earlier
// messages by itself (not after a failure, which the user retries).
func (m *Model) AutoLoad(c *Conv) bool { return m.CanLoadEarlier(c) && c.Older != OlderFailed }

// HasHistory reports whether c's log can grow upwards from the server's
// history (the view then shows a first row about it).
func (m *Model) HasHistory(c *Conv) bool {
	if c == nil || c.Older == OlderNone && c.MinID == 0 { // cleared, or nothing kept
		return false
	}
	return c.Older != OlderUnknown || m.histServer
}

// LoadEarlier asks the server for the page of c's history before its
// oldest message (the view calls it when the top of the log comes into
// view, or on "Load earlier messages").
func (m *Model) LoadEarlier(c *Conv) bool {
	if !m.CanLoadEarlier(c) {
		return false
	}
	cmd := client.LoadOlder{Before: c.MinID, Limit: PageSize}
	if c.Kind == Private {
		cmd.Peer = c.Name
	} else {
		cmd.Room = c.Name
	}
	m.Send(cmd)
	c.Older = OlderLoading
	m.ch.History = true
	if c == m.Cur {
		m.ch.Log = true
	}
	return true
}

// entryOf converts a history message for c's log.
func (m *Model) entryOf(msg client.Message) Entry {
	e := Entry{T: msg.Time, From: msg.From, Text: msg.Text, Kind: KindChat, Mine: msg.Mine, MsgID: msg.MsgID}
	if e.T.IsZero() {
		e.T = m.now()
	}
	switch msg.Kind {
	case wire.EntryNotice:
		e.Kind = KindNotice
	case wire.EntryJoined:
		e.Kind, e.Text = KindSystem, lang.L("{{.Names}} joined", vars{"Names": msg.From})
	case wire.EntryLeft:
		e.Kind, e.Text = KindSystem, lang.L("{{.Nick}} left", vars{"Nick": msg.From})
		if msg.Text != "" {
			e.Text = lang.L("{{.Nick}} left ({{.Reason}})", vars{"Nick": msg.From, "Reason": msg.Text})
		}
	case wire.EntryKicked:
		e.Kind, e.Text = KindSystem, lang.L("{{.Nick}} was removed by the admin.", vars{"Nick": msg.From})
		switch {
		case msg.To != "" && msg.Text != "": // removed from the room by the operator To
			e.Text = lang.L("{{.By}} removed {{.Nick}} from the room: {{.Reason}}", vars{"By": msg.To, "Nick": msg.From, "Reason": msg.Text})
		case msg.To != "":
			e.Text = lang.L("{{.By}} removed {{.Nick}} from the room.", vars{"By": msg.To, "Nick": msg.From})
		case msg.Text != "":
			e.Text = lang.L("{{.Nick}} was removed by the admin: {{.Reason}}", vars{"Nick": msg.From, "Reason": msg.Text})
		}
	default:
		e.Mention = !msg.Mine && m.mentions(msg.Text)
	}
	return e
}

// noteIDs widens c's known range of server ids with id.
func (c *Conv) noteIDs(id uint64) {
	if id == 0 {
		return
	}
	if c.MinID == 0 || id < c.MinID {
		c.MinID = id
	}
	c.MaxID = max(c.MaxID, id)
}

// prepend puts entries (oldest first) before c's first line; lines keep
// their sequence numbers (Base goes down).
func (m *Model) prepend(c *Conv, es []Entry) {
	if len(es) == 0 {
		return
	}
	c.Entries = slices.Insert(c.Entries, 0, es...)
	c.Base -= len(es)
	for _, e := range es {
		c.noteIDs(e.MsgID)
	}
	m.ch.Lines = true
	if c == m.Cur {
		m.ch.Log = true
	}
}

// divide puts c's divider (there is one at most) at the end of its log.
func (m *Model) divide(c *Conv, text string) {
	if i := slices.IndexFunc(c.Entries, func(e Entry) bool { return e.Kind == KindDivider }); i >= 0 {
		m.remove(c, c.Base+i)
	}
	m.add(c, Entry{Text: text, Kind: KindDivider})
}

// replay shows the last messages of a room just joined: above a "New since
// you joined" divider the first time, below a "New since you left" one
// (only those not shown yet) when the conversation was kept.
func (m *Model) replay(ev client.Replay) {
	c := m.RoomConv(ev.Room, false)
	if c == nil || len(ev.Messages) == 0 {
		return
	}
	m.histServer = true
	if c.MaxID == 0 {
		es := make([]Entry, 0, len(ev.Messages)+1)
		for _, msg := range ev.Messages {
			es = append(es, m.entryOf(msg))
		}
		if len(c.Entries) > 0 {
			es = append(es, Entry{T: es[len(es)-1].T, Text: SinceJoined, Kind: KindDivider})
		}
		m.prepend(c, es)
		c.Older = OlderMore
		return
	}
	m.since(c, ev.Messages)
}

// since appends the messages of c newer than what it shows, below a "New
// since you left" divider.
func (m *Model) since(c *Conv, msgs []client.Message) {
	divided := false
	for _, msg := range msgs {
		if msg.MsgID != 0 && msg.MsgID <= c.MaxID {
			continue
		}
		if _, confirms := m.pending[msg.ID]; !(msg.Mine && confirms) && !divided {
			m.divide(c, SinceLeft)
			divided = true
		}
		m.message(msg)
	}
}

// missed shows what conversations missed while the connection was down.
func (m *Model) missed(ev client.Missed) {
	m.histServer = true
	var touched *Conv
	if ev.Room != "" {
		c := m.RoomConv(ev.Room, false)
		if c == nil {
			return
		}
		m.since(c, ev.Messages)
		touched = c
	} else {
		// My private messages, each to its conversation.
		byPeer := map[*Conv][]client.Message{}
		var order []*Conv
		for _, msg := range ev.Messages {
			peer := msg.From
			if msg.Mine {
				peer = msg.To
			}
			c := m.PrivateConv(peer)
			if _, ok := byPeer[c]; !ok {
				order = append(order, c)
			}
			byPeer[c] = append(byPeer[c], msg)
		}
		for _, c := range order {
			m.since(c, byPeer[c])
			touched = c
		}
	}
	if ev.Earlier > 0 && touched != nil {
		m.system(touched, time.Time{}, lang.L("{{.Count}} earlier messages were missed too and are not shown here; Ctrl+F searches the server's history.", vars{"Count": Count(int(ev.Earlier))}))
	}
}

// page puts a page of older messages at the top of its conversation, and
// goes on towards a search result being opened.
func (m *Model) page(ev client.HistoryPage) {
	var c *Conv
	if ev.Peer != "" {
		c = m.Find(ev.Peer, true)
	} else {
		c = m.RoomConv(ev.Room, false)
	}
	if c == nil {
		return
	}
	m.histServer = true
	m.ch.History = true
	if ev.Err != nil {
		c.Older = OlderFailed
		c.jump = 0
		m.errorLine(c, time.Time{}, lang.L("Could not load earlier messages: {{.Why}}.", vars{"Why": Plain(ev.Err, "")}))
		return
	}
	es := make([]Entry, 0, len(ev.Messages))
	for _, msg := range ev.Messages {
		if c.MinID == 0 || msg.MsgID < c.MinID {
			es = append(es, m.entryOf(msg))
		}
	}
	m.prepend(c, es)
	c.Older = OlderNone
	if ev.More && len(es) > 0 {
		c.Older = OlderMore
	}
	if c == m.Cur {
		m.ch.Log = true
	}
	if c.jump != 0 {
		m.reach(c)
	}
}

// ---- search ----

// SearchFor searches the server's history for text.
func (m *Model) SearchFor(text string) bool {
	text = strings.TrimSpace(text)
	if text == "" {
		return false
	}
	m.Search = Search{Query: text}
	if m.Phase != Chat || m.Link != Live {
		m.Search.Err = lang.L("Not connected: searching needs the server. Connect again, then search.")
		m.ch.History = true
		return false
	}
	m.Search.Loading = true
	m.Send(client.Search{Text: text, Limit: PageSize})
	m.ch.History = true
	return true
}

// SearchMore asks for the next (older) results.
func (m *Model) SearchMore() bool {
	s := &m.Search
	if !s.More || s.Loading || len(s.Hits) == 0 || m.Link != Live {
		return false
	}
	s.Loading = true
	m.Send(client.Search{Text: s.Query, Before: s.Hits[len(s.Hits)-1].MsgID, Limit: PageSize})
	m.ch.History = true
	return true
}

func (m *Model) searched(ev client.SearchResults) {
	s := &m.Search
	if ev.Query != s.Query {
		return // the answer to a search the user replaced
	}
	m.histServer = true
	s.Loading = false
	m.ch.History = true
	if ev.Err != nil {
		s.Err = lang.L("Search failed: {{.Why}}.", vars{"Why": Plain(ev.Err, "")})
		return
	}
	s.More = ev.More
	for _, msg := range ev.Messages {
		h := Hit{MsgID: msg.MsgID, T: msg.Time, Room: msg.Room, From: msg.From, Text: msg.Text, Private: msg.Private}
		if h.Private {
			h.Peer = msg.From
			if msg.Mine {
				h.Peer = msg.To
			}
		}
		s.Hits = append(s.Hits, h)
	}
}

// Open shows hit in its conversation: the line is selected (Jump), after
// loading the pages of history up to it if needed.
func (m *Model) Open(h Hit) {
	if m.Phase != Chat {
		return
	}
	var c *Conv
	if h.Private {
		c = m.PrivateConv(h.Peer)
	} else if c = m.RoomConv(h.Room, false); c == nil {
		c = m.RoomConv(h.Room, true)
		c.Joined = false // a room I left: its history to read
	}
	m.SwitchTo(c)
	c.jump, c.jumpPages = h.MsgID, 0
	m.reach(c)
}

// reach selects c's pending jump target if it is in the log, or loads the
// next older page towards it.
func (m *Model) reach(c *Conv) {
	id := c.jump
	if seq := c.seqOf(id); seq >= 0 {
		c.jump = 0
		m.Jump = JumpTo{Conv: c, Seq: seq}
		m.ch.History = true
		return
	}
	if c.MinID != 0 && id > c.MinID || c.jumpPages >= maxJumpPages || !m.LoadEarlier(c) {
		c.jump = 0
		m.Hint = lang.L("That message could not be shown here: it is further back than MultiChat loads, or no longer kept. Its text is in the search results.")
		if c.MinID != 0 && id > c.MinID {
			m.Hint = lang.L("That message is not in this conversation's log any more (it may have been cleared).")
		}
		return
	}
	c.jumpPages++
	m.Hint = lang.L("Loading earlier messages to show the result…")
}

// seqOf returns the sequence number of the line with server id id, or -1.
func (c *Conv) seqOf(id uint64) int {
	if id == 0 || id < c.MinID || id > c.MaxID {
		return -1
	}
	for i := range c.Entries {
		if c.Entries[i].MsgID == id {
			return c.Base + i
		}
	}
	return -1
}

// JumpTo asks the view to scroll to line Seq of Conv and select it.
type JumpTo struct {
	Conv *Conv
	Seq  int
}

// Snippet is text shortened to about n characters around the first word
// of query it contains (ignoring case), with "…" where it was cut; lines
// are joined.
func Snippet(text, query string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	r := []rune(text)
	if len(r) <= n {
		return text
	}
	at := 0
	lower := []rune(strings.ToLower(text))
	for _, word := range strings.Fields(strings.ToLower(query)) {
		if i := strings.Index(string(lower), word); i >= 0 {
			at = len([]rune(string(lower)[:i]))
			break
		}
	}
	start := max(0, min(at-n/3, len(r)-n))
	out := string(r[start : start+n])
	if start > 0 {
		out = "…" + out
	}
	if start+n < len(r) {
		out += "…"
	}
	return out
}

// MatchSpans returns where the words of query occur in text, ignoring
// case, in order and without overlaps (search results show them bold).
func MatchSpans(text, query string) []Span {
	lower := strings.ToLower(text)
	if len(lower) != len(text) {
		return nil // case folding changed the length: no safe byte offsets
	}
	var out []Span
	for _, word := range strings.Fields(strings.ToLower(query)) {
		for off := 0; off < len(lower); {
			i := strings.Index(lower[off:], word)
			if i < 0 {
				break
			}
			out = append(out, Span{off + i, off + i + len(word)})
			off += i + len(word)
		}
	}
	slices.SortFunc(out, func(a, b Span) int { return a.Start - b.Start })
	merged := out[:0]
	for _, sp := range out {
		if n := len(merged); n > 0 && sp.Start <= merged[n-1].End {
			merged[n-1].End = max(merged[n-1].End, sp.End)
			continue
		}
		merged = append(merged, sp)
	}
	return merged
}
