package wire

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/unicode/norm"
)

// Look-alike detection uses the skeletons of Unicode's confusables data
// (UTS #39, through github.com/mtibben/confusables), with MultiChat's case
// and width folding after each skeleton, so that two names that a reader
// cannot tell apart get one key. Policy on top of the data, so that a
// look-alike is refused rather than let in (a refused name costs its user
// another pick; a let-in look-alike can impersonate):
//
//   - The separators _ - . and invisible characters are dropped ("a_lice" is
//     "alice").
//   - Accents on Latin, Greek and Cyrillic letters (and on digits and
//     punctuation) are dropped ("josé" is "jose"); marks in other scripts
//     (Devanagari vowel signs, ...) are kept, since they change the word.
//   - Latin small capitals are read as their letters (ʙ is b, ɪ is i), and
//     with them the Cyrillic letters the data draws as small capitals (в is
//     ʙ, so "вов" is "bob").
//   - Known collisions between names that merely resemble each other, all
//     from the data: "rn" and "m" ("modern" is "rnodern"), "1", "I", "|"
//     and "l", "0" and "O", Greek β and ß (whose fold is "ss": "βοβ" is
//     "ssoss"). Hangul is decomposed into jamo and mapped jamo by jamo,
//     which keeps every syllable distinct (see the tests).

// maxRounds bounds the rounds of skeleton and fold: a round's fold can
// produce characters the data maps again (the Kelvin sign K becomes K, then
// k). Every single character reaches its fixed point within three rounds
// (most in one); eight bound what a long name might need.
const maxRounds = 8

// SkeletonKey is the look-alike key of a name's FoldKey: "alice", "аlice"
// (Cyrillic а), "a1ice", "ＡＬＩＣＥ", "a_lice" and "alicé" share one.
// SkeletonKey(FoldKey(s)) is SkeletonKey(s), and a key is its own key.
// When nothing would be left (a name of separators), the FoldKey is the key.
func SkeletonKey(s string) string {
	f := FoldKey(s)
	if k := skeleton(f); k != "" {
		return k
	}
	return f
}

// SkeletonKeys returns the keys under which a name is compared for
// look-alikes: SkeletonKey(s), and the skeleton of s as written, before case
// folding. They differ where a capital is drawn like another letter than its
// small form: "PayPaI" with a capital I reads "paypal" although its FoldKey
// is "paypai". A name looks like another when any of their keys are equal.
func SkeletonKeys(s string) [2]string {
	f := FoldKey(s)
	k := skeleton(f)
	if k == "" {
		k = f
	}
	if f == s || strings.IndexFunc(s, shapeCapital) < 0 {
		return [2]string{k, k}
	}
	if typed := skeleton(s); typed != "" {
		return [2]string{k, typed}
	}
	return [2]string{k, k}
}

// shapeCapital reports the capitals whose skeleton is not their small
// letter's (I, whose is l; Greek Β, whose is b where β's is ß; Cyrillic В):
// only a name holding one needs its own key as written.
func shapeCapital(r rune) bool { return shapeCapitals()[r] }

// shapeCapitals is computed once, from the data (about 2000 capitals;
// NewReserved, which a server calls when it starts, computes it).
var shapeCapitals = sync.OnceValue(func() map[rune]bool {
	m := map[rune]bool{}
	for _, t := range []*unicode.RangeTable{unicode.Lu, unicode.Lt} {
		for _, rg := range t.R16 {
			for r := rune(rg.Lo); r <= rune(rg.Hi); r += rune(rg.Stride) {
				addShapeCapital(m, r)
			}
		}
		for _, rg := range t.R32 {
			for r := rune(rg.Lo); r <= rune(rg.Hi); r += rune(rg.Stride) {
				addShapeCapital(m, r)
			}
		}
	}
	return m
})

func addShapeCapital(m map[rune]bool, r rune) {
	s := string(r)
	if skeleton(s) != skeleton(FoldKey(s)) {
		m[r] = true
	}
}

// skeleton maps s to its fixed point under the rounds.
func skeleton(s string) string {
	for range maxRounds {
		if k, ok := asciiRound(s); ok {
			return k // a fixed point
		}
		n, fixed := dataRound(s)
		if fixed || n == s {
			return n
		}
		s = n
	}
	return s
}

// dataRound is one round of the skeleton: drop what readers gloss over, read
// small capitals as letters, map through the confusables data, fold. It
// reports whether its result is a fixed point, without another round: when
// the data's skeleton y holds nothing to drop or read otherwise and folding
// y only composes it (FoldKey(y) is NFC(y)), and the data maps y to itself
// (mostly so, not always: ﻵ maps to لآ, whose alef maps to l), the next
// round would see y again (its NFD), map it to itself and fold it to the
// same result. This saves a round for most names that are
// not ASCII (Hangul, which the data decomposes into jamo, in particular).
func dataRound(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	base := rune(-1)
	for _, r := range norm.NFD.String(s) {
		if r, keep := gloss(base, r); keep {
			if !unicode.In(r, unicode.Mn, unicode.Me) {
				base = r
			}
			b.WriteRune(r)
		}
	}
	y := confusables.Skeleton(b.String())
	n := norm.NFC.String(y)
	f := FoldKey(n) // FoldKey(y), since NFKC(NFC(y)) is NFKC(y)
	return f, f == n && !glossed(y) && confusables.Skeleton(y) == y
}

// gloss is how a round reads r (in NFD, after base): dropped (separators,
// invisible characters, accents on Latin, Greek and Cyrillic letters and on
// digits and punctuation), a small capital read as its letter, or kept.
func gloss(base, r rune) (rune, bool) {
	switch {
	case r == '_' || r == '-' || r == '.' || invisible(r):
		return r, false
	case unicode.In(r, unicode.Mn, unicode.Me):
		return r, base >= 0 && !unicode.In(base, unicode.Latin, unicode.Greek, unicode.Cyrillic, unicode.Common)
	}
	if l, ok := smallCapital[r]; ok {
		return l, true
	}
	return r, true
}

// glossed reports whether gloss changes anything in s (in NFD).
func glossed(s string) bool {
	base := rune(-1)
	for _, r := range s {
		g, keep := gloss(base, r)
		if !keep || g != r {
			return true
		}
		if !unicode.In(r, unicode.Mn, unicode.Me) {
			base = r
		}
	}
	return false
}

// asciiRound is round for printable ASCII, by table; it reports false for
// other input. Its result is a fixed point: the data maps no lower-case
// ASCII letter but m, and m becomes "rn" at once here.
func asciiRound(s string) (string, bool) {
	if !printableASCII(s) || strings.IndexByte(s, '%') >= 0 { // % maps outside ASCII
		return "", false
	}
	var b strings.Builder
	b.Grow(len(s) + 4)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '_', '-', '.':
		case 'm', 'M':
			b.WriteString("rn")
		case '1', 'I', '|':
			b.WriteByte('l')
		case '0':
			b.WriteByte('o')
		case '`':
			b.WriteByte('\'')
		case '"':
			b.WriteString("''")
		default:
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

// smallCapital maps every LATIN LETTER SMALL CAPITAL of a single letter to
// that letter (a test checks the table against the Unicode names).
var smallCapital = map[rune]rune{
	'ᴀ': 'a', 'ʙ': 'b', 'ᴄ': 'c', 'ᴅ': 'd', 'ᴇ': 'e', 'ꜰ': 'f', 'ɢ': 'g', 'ʜ': 'h', 'ɪ': 'i', 'ᴊ': 'j',
	'ᴋ': 'k', 'ʟ': 'l', 'ᴍ': 'm', 'ɴ': 'n', 'ᴏ': 'o', 'ᴘ': 'p', 'ꞯ': 'q', 'ʀ': 'r', 'ꜱ': 's', 'ᴛ': 't',
	'ᴜ': 'u', 'ᴠ': 'v', 'ᴡ': 'w', 'ʏ': 'y', 'ᴢ': 'z',
}

// ReservedNames are the names no user and no room may take, in any case and
// width, nor anything that looks like them: they would pass for the server or
// its administrator. The server adds its own name (Welcome.Server).
var ReservedNames = []string{"admin", "administrator", "server", "system", "관리자", "운영자", "시스템", "서버"}

// Reserved is a set of reserved names, matched by fold key and look-alike
// keys. It is read-only once made: safe for concurrent use.
type Reserved struct {
	keys map[string]string // FoldKey and SkeletonKeys of each name's spellings → the name
}

// NewReserved returns the set of ReservedNames and extra (the server's own
// name; empty strings are ignored). Each name is reserved in lower case, upper
// case and with a capital first letter, and everything that looks like one
// of those.
func NewReserved(extra ...string) *Reserved {
	shapeCapitals()
	rs := &Reserved{keys: map[string]string{}}
	for _, name := range append(append([]string(nil), ReservedNames...), extra...) {
		if name == "" {
			continue
		}
		lower := strings.ToLower(name)
		first, n := utf8.DecodeRuneInString(lower)
		title := string(unicode.ToTitle(first)) + lower[n:]
		for _, v := range []string{name, lower, strings.ToUpper(name), title} {
			sk := SkeletonKeys(v)
			for _, k := range []string{sk[0], sk[1], FoldKey(v)} {
				if _, ok := rs.keys[k]; !ok {
					rs.keys[k] = name
				}
			}
		}
	}
	return rs
}

// Match reports the reserved name that name is or looks like.
func (rs *Reserved) Match(name string) (string, bool) {
	return rs.MatchKeys(FoldKey(name), SkeletonKeys(name))
}

// MatchKeys is Match for a name whose FoldKey and SkeletonKeys are known.
func (rs *Reserved) MatchKeys(fold string, keys [2]string) (string, bool) {
	if r, ok := rs.keys[fold]; ok {
		return r, true
	}
	for _, k := range keys {
		if r, ok := rs.keys[k]; ok {
			return r, true
		}
	}
	return "", false
}
