package wire

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// bidiNames are the abbreviations and names of the bidirectional controls
// and marks.
var bidiNames = map[rune]struct{ abbr, name string }{
	'\u061C': {"ALM", "arabic letter mark"},
	'\u200E': {"LRM", "left-to-right mark"},
	'\u200F': {"RLM", "right-to-left mark"},
	'\u202A': {"LRE", "left-to-right embedding"},
	'\u202B': {"RLE", "right-to-left embedding"},
	'\u202C': {"PDF", "pop directional formatting"},
	'\u202D': {"LRO", "left-to-right override"},
	'\u202E': {"RLO", "right-to-left override"},
	'\u2066': {"LRI", "left-to-right isolate"},
	'\u2067': {"RLI", "right-to-left isolate"},
	'\u2068': {"FSI", "first strong isolate"},
	'\u2069': {"PDI", "pop directional isolate"},
}

// Visible returns a name (nickname, room, file or server name) as it can
// safely be shown: every character that would act instead of showing, or
// show nothing, is replaced by a visible stand-in. C0 controls become their
// control pictures (ESC is ␛, a newline ␊, NUL ␀), DEL is ␡; the
// bidirectional controls and marks become their abbreviations in angle
// brackets (⟨RLO⟩, ⟨LRI⟩, ⟨RLM⟩); C1 controls, the line and paragraph
// separators and invisible characters (zero width space, Hangul filler,
// BOM) become their code points (⟨U+200B⟩). The zero width joiner and the
// variation selectors are kept: emoji sequences need them. A server that
// keeps the protocol never sends a name that Visible changes; an older or
// hostile one might. Visible returns s itself when nothing changes.
func Visible(s string) string { return visible(s, false) }

// VisibleText is Visible for message text (chat, private, notices, reasons):
// tabs and newlines are kept, and so are the bidi marks LRM, RLM and ALM,
// which right-to-left text needs and which cannot reorder it. The bidi
// embedding, override and isolate controls, which CheckText refuses, are
// shown as ⟨RLO⟩ and the like: "evil\u202Eexe.txt" reads "evil⟨RLO⟩exe.txt",
// not "eviltxt.exe".
func VisibleText(s string) string { return visible(s, true) }

func visible(s string, text bool) string {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || c < 0x20 || c == 0x7F {
			break
		}
	}
	if i == len(s) {
		return s // printable ASCII
	}
	for j, r := range s[i:] {
		if replaced(r, text) {
			i += j
			var b strings.Builder
			b.Grow(len(s) + 16)
			b.WriteString(s[:i])
			for _, r := range s[i:] {
				if replaced(r, text) {
					writeStandIn(&b, r)
				} else {
					b.WriteRune(r)
				}
			}
			return b.String()
		}
	}
	return s
}

// replaced reports the runes visible replaces.
func replaced(r rune, text bool) bool {
	switch {
	case r < 0x20:
		return !text || (r != '\t' && r != '\n')
	case r < 0x7F:
		return false
	case r == 0x7F, r >= 0x80 && r < 0xA0, r == '\u2028', r == '\u2029', bidiControl(r):
		return true
	case r == '\u061C' || r == '\u200E' || r == '\u200F':
		return !text
	case r == zwj || unicode.Is(unicode.Variation_Selector, r):
		return false
	}
	return !text && invisible(r)
}

func writeStandIn(b *strings.Builder, r rune) {
	switch {
	case r < 0x20:
		b.WriteRune(0x2400 + r) // ␀ … ␟
	case r == 0x7F:
		b.WriteRune('␡')
	default:
		if n, ok := bidiNames[r]; ok {
			b.WriteString("⟨" + n.abbr + "⟩")
		} else {
			fmt.Fprintf(b, "⟨%U⟩", r)
		}
	}
}
