package wire

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Limits of names and text. A message may hold MaxTextChars characters
// whatever its script: a Korean writer gets the same 4 000 as an English one.
// On the wire the text is also bounded in bytes by the server's MaxText
// (announced in Welcome.MaxText); its default, DefaultMaxText, holds
// MaxTextChars characters of any script (at most 4 bytes each in UTF-8).
const (
	MaxNickRunes   = 32
	MaxRoomRunes   = 64
	MaxFileName    = 255 // bytes
	MaxTextChars   = 4000
	DefaultMaxText = 16 << 10
	Lobby          = "lobby"
)

// maxMarks is the longest run of combining marks a name may hold: enough for
// any real script (Hangul needs none in NFC), too few for "Zalgo" text that
// paints over the neighbouring lines.
const maxMarks = 4

// Name errors. They wrap ErrInvalidName.
var (
	ErrInvalidName = errors.New("invalid name")
)

type nameError struct{ what, why string }

func (e *nameError) Error() string { return e.what + " " + e.why }
func (e *nameError) Unwrap() error { return ErrInvalidName }

const (
	zwj  = '\u200D' // zero width joiner: allowed only inside an emoji sequence
	vs15 = '\uFE0E' // text presentation selector
	vs16 = '\uFE0F' // emoji presentation selector
)

// invisible reports runes that show nothing, or only blank space, although
// their category is not a control or space: format characters (bidi controls,
// zero-width space and joiners, soft hyphen, BOM), the other default-ignorable
// code points (Hangul fillers U+115F, U+1160, U+3164, U+FFA0, the combining
// grapheme joiner, Khmer inherent vowels, ...), variation selectors, the
// braille blank and the object replacement character.
func invisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) ||
		unicode.Is(unicode.Variation_Selector, r) || r == '\u2800' || r == '\uFFFC'
}

// forbidden reports runes no name may hold on their own: controls, invisible
// characters (see invisible; a zero width joiner or a presentation selector
// inside an emoji sequence is checked by checkName, not here), private-use,
// surrogate and unassigned code points, line and paragraph separators and the
// replacement character.
func forbidden(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return true
	case unicode.IsControl(r), invisible(r), unicode.Is(unicode.Co, r),
		unicode.Is(unicode.Cs, r), unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r):
		return true
	case !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Zs):
		return true // unassigned
	}
	return false
}

// emojiPart reports runes an emoji ZWJ sequence is built from: symbols
// (So, which holds the pictographs and regional indicators) and the skin tone
// modifiers (Sk).
func emojiPart(r rune) bool {
	return unicode.Is(unicode.So, r) || (r >= 0x1F3FB && r <= 0x1F3FF)
}

// CheckNick validates a nickname: 1–32 characters of valid UTF-8 in NFC, no
// spaces, no control, invisible (bidi, zero-width, Hangul filler) or
// unassigned characters, at most 4 combining marks in a row and none first,
// and not starting with a character that commands use (/ # @, also in their
// full-width forms). Emoji are welcome, including ZWJ sequences (👩‍💻) and
// presentation selectors (❤️).
func CheckNick(nick string) error {
	if err := checkName("nickname", nick, MaxNickRunes); err != nil {
		return err
	}
	for _, r := range nick {
		if unicode.IsSpace(r) {
			return &nameError{"nickname", "may not contain spaces"}
		}
	}
	first := nick[0] // or, for a full-width ＠ and the like, the first byte of its NFKC form
	if d := norm.NFKC.PropertiesString(nick).Decomposition(); len(d) > 0 {
		first = d[0]
	}
	if strings.IndexByte("/#@", first) >= 0 {
		return &nameError{"nickname", "may not start with / # or @"}
	}
	return nil
}

// CheckRoom validates a room name: the character rules of CheckNick except
// that single spaces are allowed between words (no space at either end, no two
// in a row, no space other than U+0020), and 1–64 characters.
func CheckRoom(room string) error {
	if err := checkName("room name", room, MaxRoomRunes); err != nil {
		return err
	}
	for _, r := range room {
		if unicode.IsSpace(r) && r != ' ' {
			return &nameError{"room name", "may hold no spaces other than ' '"}
		}
	}
	if strings.TrimSpace(room) != room {
		return &nameError{"room name", "may not start or end with a space"}
	}
	if strings.Contains(room, "  ") {
		return &nameError{"room name", "may not hold two spaces in a row"}
	}
	return nil
}

func checkName(what, s string, maxRunes int) error {
	if s == "" {
		return &nameError{what, "is empty"}
	}
	if !utf8.ValidString(s) {
		return &nameError{what, "is not valid UTF-8"}
	}
	if n := utf8.RuneCountInString(s); n > maxRunes {
		return &nameError{what, fmt.Sprintf("is %d characters long; at most %d are allowed", n, maxRunes)}
	}
	prev, marks, ascii := rune(-1), 0, true
	for i, r := range s {
		switch {
		case r < utf8.RuneSelf: // ASCII: only the controls are refused
			if r < 0x20 || r == 0x7F {
				return &nameError{what, fmt.Sprintf("may not contain %U", r)}
			}
		case r == zwj:
			next, size := utf8.DecodeRuneInString(s[i+len(string(zwj)):])
			if !(emojiPart(prev) || prev == vs16) || size == 0 || next == utf8.RuneError || !unicode.Is(unicode.So, next) {
				return &nameError{what, "may hold a zero width joiner only inside an emoji sequence"}
			}
		case r == vs15 || r == vs16:
			if prev < 0 || !unicode.In(prev, unicode.S, unicode.P, unicode.N) {
				return &nameError{what, fmt.Sprintf("may hold %U only after a symbol", r)}
			}
		case bidiControl(r):
			return &BidiError{What: what, Rune: r}
		case forbidden(r):
			return &nameError{what, fmt.Sprintf("may not contain %U", r)}
		}
		ascii = ascii && r < utf8.RuneSelf
		if r >= utf8.RuneSelf && r != vs15 && r != vs16 && unicode.Is(unicode.M, r) {
			if prev < 0 {
				return &nameError{what, "may not start with a combining mark"}
			}
			if marks++; marks > maxMarks {
				return &nameError{what, fmt.Sprintf("may not hold more than %d combining marks in a row", maxMarks)}
			}
		} else {
			marks = 0
		}
		prev = r
	}
	if !ascii && !norm.NFC.IsNormalString(s) {
		return &nameError{what, "is not in Unicode normal form C"}
	}
	return nil
}

var folder = cases.Fold() // stateless: safe for concurrent use

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7F {
			return false
		}
	}
	return true
}

// FoldKey is the case-insensitive identity of a name: NFKC, then Unicode case
// folding, then NFC. "Alice", "ALICE" and "ａｌｉｃｅ" (full width) share one
// key. For names that pass CheckNick or CheckRoom it is idempotent.
func FoldKey(s string) string {
	if printableASCII(s) {
		return strings.ToLower(s) // what foldKey gives, without its allocations
	}
	return foldKey(s)
}

func foldKey(s string) string {
	f := folder.String(norm.NFKC.String(s))
	if strings.IndexFunc(f, cherokeeSmall) >= 0 {
		f = strings.Map(cherokeeCapital, f)
	}
	return norm.NFC.String(f)
}

// x/text's case folding swaps Cherokee case instead of folding both cases to
// the capitals as Unicode's CaseFolding.txt does, so that FoldKey("Ꮟ") and
// FoldKey("ꮟ") would differ (and FoldKey would not be idempotent). The
// capitals are the folded form: small letters are mapped to them.
func cherokeeSmall(r rune) bool {
	return (r >= 0xAB70 && r <= 0xABBF) || (r >= 0x13F8 && r <= 0x13FD)
}

func cherokeeCapital(r rune) rune {
	switch {
	case r >= 0xAB70 && r <= 0xABBF:
		return r - 0xAB70 + 0x13A0
	case r >= 0x13F8 && r <= 0x13FD:
		return r - 0x13F8 + 0x13F0
	}
	return r
}

// Text errors.
var (
	ErrEmptyText = errors.New("message is empty")
	ErrBadText   = errors.New("message contains control characters")
	// ErrBidiControl is wrapped by every BidiError.
	ErrBidiControl = errors.New("bidirectional control character")
)

// bidiControl reports the bidirectional embedding, override and isolate
// controls: LRE RLE PDF LRO RLO (U+202A–U+202E) and LRI RLI FSI PDI
// (U+2066–U+2069). They reorder the text around them, so that what a reader
// sees is not what was written; the marks LRM, RLM and ALM only nudge
// neutral characters and are not among them.
func bidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// BidiError says a message, nickname, room name or file name holds a
// bidirectional control (see CheckText). It wraps ErrBidiControl, and
// ErrInvalidName for names; for messages and file names the wire code is
// CodeBidiControl.
type BidiError struct {
	What string // "message", "nickname", "room name", "file name"
	Rune rune
}

func (e *BidiError) Error() string {
	return fmt.Sprintf("%s may not contain the bidirectional control %U %s (%s), which changes the order "+
		"in which others read it", e.What, e.Rune, bidiNames[e.Rune].abbr, bidiNames[e.Rune].name)
}

func (e *BidiError) Is(target error) bool {
	return target == ErrBidiControl || (target == ErrInvalidName && e.What != "message")
}

// TextTooLongError says a message is over the limit; it is refused, never
// cut. Size and Max count characters (Chars), or bytes for a server whose
// MaxText is below what MaxTextChars characters can take.
type TextTooLongError struct {
	Size, Max int
	Chars     bool
}

func (e *TextTooLongError) Error() string {
	if e.Chars {
		return fmt.Sprintf("the message is %d characters long; the limit is %d", e.Size, e.Max)
	}
	return fmt.Sprintf("the message is %d bytes long; this server's limit is %d bytes", e.Size, e.Max)
}

// CheckText validates chat text: valid UTF-8, at most MaxTextChars
// characters and max bytes, something visible (not only spaces or invisible characters such as U+200B or the
// Hangul filler U+3164), and no control characters except tab and newline
// (CR, the line and paragraph separators and C1 controls are refused), and
// no bidirectional embedding, override or isolate controls (U+202A–U+202E,
// U+2066–U+2069: a right-to-left override makes "evil.exe" read
// "exe.live"). The bidi marks LRM, RLM and ALM and the other format
// characters are allowed: right-to-left text needs them. It returns the wire
// ErrorCode along with the error.
func CheckText(text string, max int) (ErrorCode, error) {
	if !utf8.ValidString(text) {
		return CodeInvalidUTF8, ErrInvalidUTF8
	}
	if len(text) > MaxTextChars { // fewer bytes cannot be more characters
		if n := utf8.RuneCountInString(text); n > MaxTextChars {
			return CodeTextTooLong, &TextTooLongError{Size: n, Max: MaxTextChars, Chars: true}
		}
	}
	if len(text) > max {
		return CodeTextTooLong, &TextTooLongError{Size: len(text), Max: max}
	}
	visible := false
	for i := 0; i < len(text); {
		if c := text[i]; c < utf8.RuneSelf { // ASCII fast path
			if (c < 0x20 && c != '\t' && c != '\n') || c == 0x7F {
				return CodeBadText, ErrBadText
			}
			visible = visible || c > ' '
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return CodeBadText, ErrBadText
		}
		if bidiControl(r) {
			return CodeBidiControl, &BidiError{What: "message", Rune: r}
		}
		if !visible && !unicode.IsSpace(r) && !invisible(r) {
			visible = true
		}
	}
	if !visible {
		return CodeEmptyText, ErrEmptyText
	}
	return 0, nil
}

// CheckFileName validates a file name as offered: at most 255 bytes with the
// character rules of names (NFC, no control or invisible characters), a base
// name (no / \ or :), no space at either end, and not made only of dots.
// Characters some file systems refuse (* ? " < > |) are allowed: receivers
// pick their own safe name on disk.
func CheckFileName(name string) error {
	if len(name) > MaxFileName {
		return &nameError{"file name", "is longer than 255 bytes"}
	}
	if err := checkName("file name", name, MaxFileName); err != nil {
		return err
	}
	if strings.ContainsAny(name, `/\:`) || strings.Trim(name, ".") == "" {
		return &nameError{"file name", "may not be a path"}
	}
	if strings.TrimSpace(name) != name {
		return &nameError{"file name", "may not start or end with a space"}
	}
	return nil
}
