package gui

import (
	"hash/fnv"
	"image/color"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The message log. Each conversation keeps its messages as plain structs in a
// slice (entries) and, for the conversation on screen, a second slice of
// visual rows: a long message wraps into several rows of one line each, all
// of the same height, which is what keeps widget.List cheap (no per-item
// heights, which Fyne sums over every item on each layout). Rows are computed
// with a per-rune advance table when a message arrives (a short message costs
// one length check) and again when the log's width changes. Text is formatted
// only when a row scrolls into view.

// maxHistory caps each conversation's log; older lines are dropped in chunks.
const maxHistory = 50_000

type entryKind uint8

const (
	kindChat   entryKind = iota // a message from someone (or me)
	kindSystem                  // joins, leaves, announcements, command output
	kindError                   // failures and refusals
)

type entryState uint8

const (
	stateDelivered entryState = iota
	statePending              // typed, not yet echoed by the server
	stateFailed               // handed back by an Undelivered event
)

// entry is one line of a conversation's log.
type entry struct {
	t     time.Time
	from  string
	text  string
	id    uint64 // my command's ID while pending or failed
	kind  entryKind
	state entryState
	mine  bool
}

// row is one visual line: entry seq (absolute, see conversation.base) and the
// byte range of its text shown on that line. The first row of an entry has
// start 0 and shows the time and sender.
type row struct {
	seq        int
	start, end int32
}

type convKind uint8

const (
	convLobby convKind = iota
	convRoom
	convPrivate
)

// conversation is the lobby, a room or a private chat.
type conversation struct {
	key     string // convKey(kind, name)
	kind    convKind
	name    string // room name or the other user's nickname
	entries []entry
	base    int // absolute seq of entries[0]
	rows    []row
	wrapW   float32 // log width the rows were computed for; 0: rows are stale
	users   []string
	unread  int
	joined  bool // rooms: still a member
	offset  float32
	bottom  bool // the view was at the bottom when last shown
	privOff bool // private chats: the other user went offline
}

func (c *conversation) title() string {
	switch c.kind {
	case convPrivate:
		return "@" + c.name
	default:
		return "#" + c.name
	}
}

func (c *conversation) entry(seq int) *entry {
	i := seq - c.base
	if i < 0 || i >= len(c.entries) {
		return nil
	}
	return &c.entries[i]
}

// trim drops the oldest lines once the log is a tenth over maxHistory, so that
// the cost of trimming is paid once per few thousand messages.
func (c *conversation) trim() {
	if len(c.entries) <= maxHistory+maxHistory/10 {
		return
	}
	drop := len(c.entries) - maxHistory
	clear(c.entries[:drop]) // let the strings go
	c.entries = c.entries[drop:]
	c.base += drop
	k := sort.Search(len(c.rows), func(i int) bool { return c.rows[i].seq >= c.base })
	c.rows = c.rows[k:]
}

// measurer wraps text the way the log draws it, from a table of per-rune
// advances measured once with the theme's text font.
type measurer struct {
	size    float32
	ascii   [128]float32
	other   map[rune]float32
	perByte float32 // no character is wider than this per byte of UTF-8
	lineH   float32
	nickW   map[string]float32
}

func newMeasurer() *measurer {
	m := &measurer{size: theme.TextSize(), other: make(map[rune]float32), nickW: make(map[string]float32)}
	style := fyne.TextStyle{}
	for r := rune(32); r < 127; r++ {
		w := fyne.MeasureText(string(r), m.size, style).Width
		m.ascii[r] = w
		m.perByte = max(m.perByte, w)
	}
	m.ascii['\t'] = 4 * m.ascii[' '] // tabs are drawn as four spaces
	for _, s := range []string{"Mg", "한글", "😀"} {
		m.lineH = max(m.lineH, fyne.MeasureText(s, m.size, style).Height)
	}
	return m
}

func (m *measurer) advance(r rune) float32 {
	if r < 128 {
		return m.ascii[r]
	}
	if w, ok := m.other[r]; ok {
		return w
	}
	w := fyne.MeasureText(string(r), m.size, fyne.TextStyle{}).Width
	m.other[r] = w
	return w
}

// width measures a bold or plain label once and remembers it (nicknames).
func (m *measurer) nick(s string) float32 {
	if w, ok := m.nickW[s]; ok {
		return w
	}
	w := fyne.MeasureText(s, m.size, fyne.TextStyle{Bold: true}).Width
	if len(m.nickW) > 4096 {
		clear(m.nickW)
	}
	m.nickW[s] = w
	return w
}

// wrap splits text into lines no wider than avail, breaking after spaces
// where it can and inside a word only when one word is wider than a line.
// Newlines break lines. It appends rows for seq to rows.
func (m *measurer) wrap(rows []row, seq int, text string, avail float32) []row {
	if avail <= 0 || (float32(len(text))*m.perByte <= avail &&
		strings.IndexByte(text, '\n') < 0 && strings.IndexByte(text, '\t') < 0) {
		return append(rows, row{seq: seq, end: int32(len(text))})
	}
	avail -= 2 // shaping can be a little wider than the sum of advances
	start, brk := 0, -1
	var w, wAtBrk float32
	for i := 0; i < len(text); {
		r, n := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(text[i:])
		}
		if r == '\n' {
			rows = append(rows, row{seq: seq, start: int32(start), end: int32(i)})
			i += n
			start, brk, w = i, -1, 0
			continue
		}
		a := m.advance(r)
		for w+a > avail && i > start && r != ' ' {
			// Break at the last space if there is one, else before this rune.
			end := i
			if brk > start {
				end = brk
				w = max(w-wAtBrk, 0)
			} else {
				w = 0
			}
			rows = append(rows, row{seq: seq, start: int32(start), end: int32(end)})
			start, brk = end, -1
		}
		w += a
		i += n
		if r == ' ' {
			brk, wAtBrk = i, w
		}
	}
	return append(rows, row{seq: seq, start: int32(start), end: int32(len(text))})
}

// nickPalettes hold readable colours for nicknames on light and dark
// backgrounds; a nickname's colour is picked by a hash so it never changes.
var nickPalettes = [2][]color.NRGBA{
	{ // light background
		{0xb7, 0x1c, 0x1c, 0xff}, {0x1b, 0x5e, 0x20, 0xff}, {0x0d, 0x47, 0xa1, 0xff}, {0xbf, 0x36, 0x0c, 0xff},
		{0x6a, 0x1b, 0x9a, 0xff}, {0x00, 0x69, 0x5c, 0xff}, {0xad, 0x14, 0x57, 0xff}, {0x4e, 0x34, 0x2e, 0xff},
		{0x28, 0x35, 0x93, 0xff}, {0x82, 0x77, 0x17, 0xff}, {0x00, 0x83, 0x8f, 0xff}, {0x5d, 0x40, 0x37, 0xff},
	},
	{ // dark background
		{0xef, 0x9a, 0x9a, 0xff}, {0xa5, 0xd6, 0xa7, 0xff}, {0x90, 0xca, 0xf9, 0xff}, {0xff, 0xcc, 0x80, 0xff},
		{0xce, 0x93, 0xd8, 0xff}, {0x80, 0xcb, 0xc4, 0xff}, {0xf4, 0x8f, 0xb1, 0xff}, {0xbc, 0xaa, 0xa4, 0xff},
		{0x9f, 0xa8, 0xda, 0xff}, {0xe6, 0xee, 0x9c, 0xff}, {0x80, 0xde, 0xea, 0xff}, {0xff, 0xab, 0x91, 0xff},
	},
}

// nickColor is nick's stable colour for the current theme variant.
func nickColor(nick string, variant fyne.ThemeVariant) color.Color {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(nick)))
	p := nickPalettes[0]
	if variant == theme.VariantDark {
		p = nickPalettes[1]
	}
	return p[h.Sum32()%uint32(len(p))]
}

// logRow draws one visual row of the log: time, sender, text. It handles taps
// itself: a tap selects the message (the copy bar shows it, selectable), a
// double tap copies it, a right click offers Copy and Message.
type logRow struct {
	widget.BaseWidget
	w          *ClientWindow
	seq        int
	bg         *canvas.Rectangle
	tm, nick   *canvas.Text
	text       *canvas.Text
	timeX      float32
	timeW      float32
	nickX      float32
	textX      float32
	lineHeight float32 // of the text, and of the row
	gap        float32 // between rows (the list's padding), which the tint covers
}

func newLogRow(w *ClientWindow) *logRow {
	r := &logRow{w: w, seq: -1, bg: canvas.NewRectangle(color.Transparent),
		tm: canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder)), nick: canvas.NewText("", nil),
		text: canvas.NewText("", nil), lineHeight: w.meas.lineH, gap: theme.Padding()}
	r.nick.TextStyle.Bold = true
	r.ExtendBaseWidget(r)
	return r
}

func (r *logRow) CreateRenderer() fyne.WidgetRenderer {
	return &logRowRenderer{r: r, objs: []fyne.CanvasObject{r.bg, r.tm, r.nick, r.text}}
}

func (r *logRow) Tapped(*fyne.PointEvent) { r.w.selectEntry(r.seq) }

func (r *logRow) DoubleTapped(*fyne.PointEvent) {
	r.w.selectEntry(r.seq)
	r.w.copyEntry(r.seq)
}

func (r *logRow) TappedSecondary(ev *fyne.PointEvent) {
	r.w.selectEntry(r.seq)
	r.w.entryMenu(r.seq, ev.AbsolutePosition)
}

type logRowRenderer struct {
	r    *logRow
	objs []fyne.CanvasObject
}

func (l *logRowRenderer) Destroy()                     {}
func (l *logRowRenderer) Objects() []fyne.CanvasObject { return l.objs }
func (l *logRowRenderer) Refresh()                     { l.Layout(l.r.Size()); canvas.Refresh(l.r) }
func (l *logRowRenderer) MinSize() fyne.Size           { return fyne.NewSize(0, l.r.lineHeight) }

func (l *logRowRenderer) Layout(s fyne.Size) {
	r := l.r
	// The tint spans half the gap above and below, so that the rows of one
	// message make one block although the list spaces its rows apart.
	r.bg.Move(fyne.NewPos(0, -r.gap/2))
	r.bg.Resize(fyne.NewSize(s.Width, s.Height+r.gap))
	y := (s.Height - r.lineHeight) / 2
	r.tm.Move(fyne.NewPos(r.timeX, y))
	r.tm.Resize(fyne.NewSize(r.timeW, r.lineHeight))
	r.nick.Move(fyne.NewPos(r.nickX, y))
	r.nick.Resize(fyne.NewSize(max(r.textX-r.nickX, 0), r.lineHeight))
	r.text.Move(fyne.NewPos(r.textX, y))
	r.text.Resize(fyne.NewSize(max(s.Width-r.textX, 0), r.lineHeight))
}
