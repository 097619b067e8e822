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

// Limits of names. Message text limits are the server's configuration
// (announced in Welcome.MaxText); DefaultMaxText is the default.
const (
	MaxNickRunes   = 32
	MaxRoomRunes   = 64
	MaxFileName    = 255 // bytes
	DefaultMaxText = 4 << 10
	Lobby          = "lobby"
)

// Name errors. They wrap ErrInvalidName.
var (
	ErrInvalidName = errors.New("invalid name")
)

type nameError struct{ what, why string }

func (e *nameError) Error() string { return e.what + " " + e.why }
func (e *nameError) Unwrap() error { return ErrInvalidName }

// forbidden reports runes no name may hold: control and format characters
// (which include the bidi controls and zero-width joiners), unassigned and
// private-use code points, and replacement characters.
func forbidden(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return true
	case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Co, r),
		unicode.Is(unicode.Cs, r), unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r):
		return true
	case !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Zs):
		return true // unassigned
	}
	return false
}

// CheckNick validates a nickname: 1–32 characters of valid UTF-8 in NFC, no
// spaces, no control, format (bidi, zero-width) or unassigned characters, and
// not starting with a character that commands use (/ # @).
func CheckNick(nick string) error {
	if err := checkName("nickname", nick, MaxNickRunes); err != nil {
		return err
	}
	for _, r := range nick {
		if unicode.IsSpace(r) {
			return &nameError{"nickname", "may not contain spaces"}
		}
	}
	if strings.ContainsAny(nick[:1], "/#@") {
		return &nameError{"nickname", "may not start with / # or @"}
	}
	return nil
}

// CheckRoom validates a room name: 1–64 characters of valid UTF-8 in NFC, no
// control, format (bidi, zero-width) or unassigned characters, and no space at
// either end or two in a row.
func CheckRoom(room string) error {
	if err := checkName("room name", room, MaxRoomRunes); err != nil {
		return err
	}
	if strings.TrimSpace(room) != room {
		return &nameError{"room name", "may not start or end with a space"}
	}
	for _, r := range room {
		if unicode.IsSpace(r) && r != ' ' {
			return &nameError{"room name", "may hold no spaces other than ' '"}
		}
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
	for _, r := range s {
		if forbidden(r) {
			return &nameError{what, fmt.Sprintf("may not contain %U", r)}
		}
	}
	if !norm.NFC.IsNormalString(s) {
		return &nameError{what, "is not in Unicode normal form C"}
	}
	return nil
}

var folder = cases.Fold()

// FoldKey is the case-insensitive identity of a name: NFKC, then Unicode case
// folding. "Alice", "ALICE" and "ａｌｉｃｅ" (full width) share one key.
func FoldKey(s string) string {
	return norm.NFC.String(folder.String(norm.NFKC.String(s)))
}

// SkeletonKey is FoldKey with look-alike characters mapped together, so that
// "alice", "аlice" (Cyrillic а) and "a1ice" share one skeleton. Two users may
// not hold nicknames with the same skeleton. The table covers the common
// Latin, Cyrillic and Greek look-alikes and digit/letter swaps; it is not the
// full Unicode confusables list.
func SkeletonKey(s string) string {
	f := FoldKey(s)
	var b strings.Builder
	b.Grow(len(f))
	for _, r := range f {
		if m, ok := confusable[r]; ok {
			b.WriteRune(m)
		} else if unicode.Is(unicode.Mn, r) {
			continue // combining marks add nothing a reader can rely on
		} else {
			b.WriteRune(r)
		}
	}
	// Separators that readers gloss over.
	out := strings.NewReplacer("rn", "m", "vv", "w", "_", "", "-", "", ".", "").Replace(b.String())
	if out == "" {
		return f
	}
	return out
}

var confusable = map[rune]rune{
	'0': 'o', '1': 'l', 'i': 'l', '|': 'l', '!': 'l', '5': 's', '$': 's', '3': 'e', '@': 'a', '8': 'b',
	// Cyrillic
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'с': 'c',
	'т': 't', 'у': 'y', 'х': 'x', 'ѕ': 's', 'і': 'l', 'ј': 'j', 'ԁ': 'd', 'ɡ': 'g', 'һ': 'h', 'ӏ': 'l',
	// Greek
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'l', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't',
	'υ': 'u', 'χ': 'x', 'ω': 'w', 'σ': 'o',
	// Latin extras
	'ı': 'l', 'ł': 'l', 'ø': 'o', 'đ': 'd', 'ħ': 'h',
}

// Text errors.
var (
	ErrEmptyText = errors.New("message is empty")
	ErrBadText   = errors.New("message contains control characters")
)

// TextTooLongError says a message is over the limit; it is refused, never cut.
type TextTooLongError struct{ Size, Max int }

func (e *TextTooLongError) Error() string {
	return fmt.Sprintf("message is %d bytes; the limit is %d", e.Size, e.Max)
}

// CheckText validates chat text: valid UTF-8, at most max bytes, something
// other than spaces, and no control characters except tab and newline.
// It returns the wire ErrorCode along with the error.
func CheckText(text string, max int) (ErrorCode, error) {
	if !utf8.ValidString(text) {
		return CodeInvalidUTF8, ErrInvalidUTF8
	}
	if len(text) > max {
		return CodeTextTooLong, &TextTooLongError{Size: len(text), Max: max}
	}
	if strings.TrimSpace(text) == "" {
		return CodeEmptyText, ErrEmptyText
	}
	for _, r := range text {
		if (unicode.IsControl(r) && r != '\t' && r != '\n') || r == '\u2028' || r == '\u2029' {
			return CodeBadText, ErrBadText
		}
	}
	return 0, nil
}

// CheckFileName validates a file name as offered: a base name, no path
// separators, no control characters, not "." or "..", at most 255 bytes.
func CheckFileName(name string) error {
	if err := checkName("file name", name, MaxFileName); err != nil {
		return err
	}
	if len(name) > MaxFileName {
		return &nameError{"file name", "is longer than 255 bytes"}
	}
	if strings.ContainsAny(name, `/\:`) || name == "." || name == ".." {
		return &nameError{"file name", "may not be a path"}
	}
	return nil
}
