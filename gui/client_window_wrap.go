package gui

import (
	"hash/fnv"
	"image/color"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// row is one visual line: entry seq (absolute, see clientmodel.Conv.Base)
// and the byte range of its text shown on that line. The first row of an
// entry has start 0 and shows the time and sender.
type row struct {
	seq        int
	start, end int32
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

// nickPalettes hold nickname colours for light and dark backgrounds: twelve
// hues as far apart as possible (CIE76 ΔE ≥ 18 between any two), each at
// least 4.5:1 (WCAG AA) against the log's background, a line of mine (hover)
// and a mention's tint (TestNickColours).
var nickPalettes = [2][12]color.NRGBA{
	{ // light background
		{0xb7, 0x1c, 0x1c, 0xff}, {0x31, 0x1b, 0x92, 0xff}, {0x00, 0x69, 0x5c, 0xff}, {0x88, 0x0e, 0x4f, 0xff},
		{0x01, 0x57, 0x9b, 0xff}, {0x3e, 0x27, 0x23, 0xff}, {0x85, 0x4d, 0x0e, 0xff}, {0x33, 0x69, 0x1e, 0xff},
		{0x79, 0x55, 0x48, 0xff}, {0x30, 0x3f, 0x9f, 0xff}, {0x7b, 0x1f, 0xa2, 0xff}, {0x7c, 0x2d, 0x12, 0xff},
	},
	{ // dark background
		{0x9f, 0xa8, 0xda, 0xff}, {0xff, 0xd5, 0x4f, 0xff}, {0x81, 0xc7, 0x84, 0xff}, {0xff, 0x8a, 0x65, 0xff},
		{0xf4, 0x8f, 0xb1, 0xff}, {0x4d, 0xd0, 0xe1, 0xff}, {0xbc, 0xaa, 0xa4, 0xff}, {0xe6, 0xee, 0x9c, 0xff},
		{0xce, 0x93, 0xd8, 0xff}, {0xff, 0xcc, 0x80, 0xff}, {0x4f, 0xc3, 0xf7, 0xff}, {0xff, 0xab, 0x91, 0xff},
	},
}

// nickSlots gives the first twelve people a window shows a palette colour
// each, in the order they appear, so that no two of them look alike; later
// ones get a colour by a hash of their nickname.
type nickSlots map[string]int

// colour is nick's colour for the variant; it never changes for a nick.
func (s nickSlots) colour(nick string, variant fyne.ThemeVariant) color.Color {
	p := &nickPalettes[0]
	if variant == theme.VariantDark {
		p = &nickPalettes[1]
	}
	key := strings.ToLower(nick)
	i, ok := s[key]
	if !ok {
		if len(s) < len(p) {
			i = len(s)
		} else {
			h := fnv.New32a()
			h.Write([]byte(key))
			i = int(h.Sum32() % uint32(len(p)))
		}
		if len(s) < 4096 { // bounded: beyond it, a hash each time
			s[key] = i
		}
	}
	return p[i]
}
