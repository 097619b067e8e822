package wire

import (
	"errors"
	"strings"
	"testing"
	"unicode"
)

func TestCheckNick(t *testing.T) {
	for _, tc := range []struct {
		nick string
		ok   bool
		why  string
	}{
		{"alice", true, "plain ASCII"},
		{"홍길동", true, "Korean (precomposed Hangul)"},
		{"김_철수-2", true, "Korean with separators and a digit"},
		{"Дмитрий", true, "Cyrillic"},
		{"Ελένη", true, "Greek"},
		{"山田太郎", true, "CJK"},
		{"ａｌｉｃｅ", true, "full-width letters (FoldKey makes them alice)"},
		{"😀", true, "one emoji"},
		{"👍🏽", true, "emoji with skin tone"},
		{"❤️", true, "emoji with presentation selector"},
		{"👩‍💻", true, "emoji ZWJ sequence"},
		{"🏳️‍🌈", true, "flag ZWJ sequence with VS16"},
		{"🇰🇷", true, "regional indicator flag"},
		{"1️⃣", true, "keycap"},
		{"José", true, "Latin with accent in NFC"},
		{"नमस्ते", true, "Devanagari with combining marks"},
		{strings.Repeat("가", 32), true, "32 Hangul syllables"},
		{strings.Repeat("a", 32), true, "32 characters"},
		{"", false, "empty"},
		{strings.Repeat("가", 33), false, "33 characters"},
		{"a b", false, "space"},
		{"a\u3000b", false, "ideographic space"},
		{"a\u00a0b", false, "no-break space"},
		{"a\tb", false, "tab"},
		{"a\nb", false, "newline"},
		{"bob\x00", false, "NUL"},
		{"bob\x7f", false, "DEL"},
		{"bob\u0085", false, "C1 control"},
		{"\u202eevil", false, "bidi override"},
		{"ab\u2066c", false, "bidi isolate"},
		{"a\u200bb", false, "zero width space"},
		{"a\u200db", false, "zero width joiner between letters"},
		{"\u200d😀", false, "zero width joiner first"},
		{"😀\u200d", false, "zero width joiner last"},
		{"a\u200cb", false, "zero width non-joiner"},
		{"\ufeffbob", false, "byte order mark"},
		{"bo\u00adb", false, "soft hyphen"},
		{"\u3164", false, "Hangul filler alone"},
		{"bob\u3164", false, "Hangul filler"},
		{"\u115f\u1160", false, "Hangul choseong/jungseong fillers"},
		{"\uffa0", false, "half-width Hangul filler"},
		{"\u2800", false, "braille blank"},
		{"a\u034fb", false, "combining grapheme joiner"},
		{"bob\ufe0f", false, "presentation selector after a letter"},
		{"a\ufe00", false, "variation selector"},
		{"\ue000", false, "private use"},
		{"\U000e0041", false, "tag character"},
		{"\u0378", false, "unassigned"},
		{"a\u2028b", false, "line separator"},
		{"bob\ufffd", false, "replacement character"},
		{"\xff", false, "invalid UTF-8"},
		{"\u0301a", false, "combining mark first"},
		{"a\u0301\u0302\u0303\u0304\u0305", false, "five combining marks in a row (Zalgo)"},
		{"Jose\u0301", false, "decomposed (NFD) accent"},
		{"\u1112\u1169\u11bc", false, "conjoining jamo (NFD Hangul)"},
		{"/nick", false, "slash first"},
		{"#room", false, "hash first"},
		{"@bob", false, "at first"},
		{"＠bob", false, "full-width at first"},
		{"b@b", true, "at inside"},
	} {
		err := CheckNick(tc.nick)
		if (err == nil) != tc.ok {
			t.Errorf("CheckNick(%q) [%s] = %v, want ok=%v", tc.nick, tc.why, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidName) {
			t.Errorf("CheckNick(%q) error %v does not wrap ErrInvalidName", tc.nick, err)
		}
	}
}

func TestCheckRoom(t *testing.T) {
	for _, tc := range []struct {
		room string
		ok   bool
	}{
		{"lobby", true},
		{"개발 팀", true},
		{"#go", true},
		{"Rust & Go", true},
		{"🎮 games", true},
		{strings.Repeat("방", 64), true},
		{strings.Repeat("방", 65), false},
		{"", false},
		{" lead", false},
		{"trail ", false},
		{"two  spaces", false},
		{"tab\there", false},
		{"wide\u3000space", false},
		{"nbsp\u00a0room", false},
		{"new\nline", false},
		{"\u202eroom", false},
		{"room\u200b", false},
		{"\u3164", false},
		{"\xfe", false},
	} {
		if err := CheckRoom(tc.room); (err == nil) != tc.ok {
			t.Errorf("CheckRoom(%q) = %v, want ok=%v", tc.room, err, tc.ok)
		}
	}
}

func TestFoldKey(t *testing.T) {
	same := [][]string{
		{"alice", "Alice", "ALICE", "ａｌｉｃｅ", "ＡＬＩＣＥ"},
		{"strasse", "STRASSE", "straße", "STRAẞE"},
		{"дмитрий", "Дмитрий", "ДМИТРИЙ"},
		{"σοφία", "ΣΟΦΊΑ", "Σοφία"},
		{"홍길동", "홍길동"},
		{"ﬁle", "file"},
	}
	for _, group := range same {
		for _, s := range group[1:] {
			if FoldKey(s) != FoldKey(group[0]) {
				t.Errorf("FoldKey(%q) = %q, FoldKey(%q) = %q: want equal", s, FoldKey(s), group[0], FoldKey(group[0]))
			}
		}
	}
	different := [][2]string{{"alice", "alicf"}, {"홍길동", "홍길순"}, {"bob", "b0b"}, {"alice", "аlice"}}
	for _, p := range different {
		if FoldKey(p[0]) == FoldKey(p[1]) {
			t.Errorf("FoldKey(%q) == FoldKey(%q); want them told apart", p[0], p[1])
		}
	}
}

// Every rune and the other members of its simple case-folding orbit (A a;
// K k K-Kelvin; Ꮟ ꮟ) share a FoldKey, and FoldKey is idempotent on them.
func TestFoldKeyUnifiesCase(t *testing.T) {
	for r := rune(0); r <= 0x1FFFF; r++ {
		if unicode.SimpleFold(r) == r {
			continue
		}
		k := FoldKey(string(r))
		if FoldKey(k) != k {
			t.Errorf("FoldKey not idempotent on %U: %q then %q", r, k, FoldKey(k))
		}
		for o := unicode.SimpleFold(r); o != r; o = unicode.SimpleFold(o) {
			if FoldKey(string(o)) != k {
				t.Errorf("FoldKey(%q %U) = %q but FoldKey(%q %U) = %q", r, r, k, o, o, FoldKey(string(o)))
			}
		}
	}
}

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		text string
		max  int
		code ErrorCode
	}{
		{"hello", 4096, 0},
		{"안녕하세요 👋", 4096, 0},
		{"line one\nline two\tcol", 4096, 0},
		{"[kick] bob", 4096, 0},
		{"שלום \u200fעולם", 4096, 0}, // RTL mark inside text is fine
		{"  x  ", 4096, 0},
		{"가나다", 9, 0},
		{"가나다", 8, CodeTextTooLong},
		{strings.Repeat("a", 4097), 4096, CodeTextTooLong},
		{strings.Repeat("가", MaxTextChars), DefaultMaxText, 0}, // 12 000 bytes
		{strings.Repeat("😀", MaxTextChars), DefaultMaxText, 0}, // 16 000 bytes
		{strings.Repeat("가", MaxTextChars+1), DefaultMaxText, CodeTextTooLong},
		{strings.Repeat("a", MaxTextChars+1), DefaultMaxText, CodeTextTooLong},
		{"", 4096, CodeEmptyText},
		{"   \n\t ", 4096, CodeEmptyText},
		{"\u3000", 4096, CodeEmptyText},
		{"\u200b\u200b", 4096, CodeEmptyText},
		{"\u3164", 4096, CodeEmptyText},
		{"\u2800 ", 4096, CodeEmptyText},
		{"a\rb", 4096, CodeBadText},
		{"a\x00b", 4096, CodeBadText},
		{"a\x1bb", 4096, CodeBadText},
		{"a\u0085b", 4096, CodeBadText},
		{"a\u2028b", 4096, CodeBadText},
		{"a\u2029b", 4096, CodeBadText},
		{"a\xffb", 4096, CodeInvalidUTF8},
		{"\xed\xa0\x80", 4096, CodeInvalidUTF8},
		{"evil\u202etxt.exe", 4096, CodeBidiControl},
		{"\u202a\u202b\u202c\u202d", 4096, CodeBidiControl},
		{"a\u2066b\u2069", 4096, CodeBidiControl},
		{"\u2068", 4096, CodeBidiControl},
		{"\u061c\u0627\u200e", 4096, 0}, // the marks ALM and LRM are allowed
	} {
		code, err := CheckText(tc.text, tc.max)
		if code != tc.code || (err == nil) != (tc.code == 0) {
			t.Errorf("CheckText(%q, %d) = %v, %v; want code %v", tc.text, tc.max, code, err, tc.code)
		}
	}
	_, err := CheckText("a\u202eb", 100)
	var be *BidiError
	if !errors.As(err, &be) || be.Rune != '\u202e' || !errors.Is(err, ErrBidiControl) || errors.Is(err, ErrInvalidName) ||
		!strings.Contains(err.Error(), "RLO") {
		t.Errorf("bidi text: %v", err)
	}
	for _, check := range []func(string) error{CheckNick, CheckRoom, CheckFileName} {
		if err := check("a\u2067b"); !errors.Is(err, ErrBidiControl) || !errors.Is(err, ErrInvalidName) {
			t.Errorf("bidi name: %v", err)
		}
	}
	_, err = CheckText(strings.Repeat("a", 10), 5)
	var tl *TextTooLongError
	if !errors.As(err, &tl) || tl.Size != 10 || tl.Max != 5 || tl.Chars {
		t.Errorf("over-long text: %v", err)
	}
	_, err = CheckText(strings.Repeat("한", MaxTextChars+2), DefaultMaxText)
	if !errors.As(err, &tl) || tl.Size != MaxTextChars+2 || tl.Max != MaxTextChars || !tl.Chars ||
		err.Error() != "the message is 4002 characters long; the limit is 4000" {
		t.Errorf("over-long Korean text: %v", err)
	}
}

func TestCheckFileName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"report.pdf", true},
		{"보고서 최종.pdf", true},
		{".bashrc", true},
		{"a..b", true},
		{"photo (1).jpg", true},
		{strings.Repeat("가", 85), true}, // 255 bytes
		{strings.Repeat("가", 86), false},
		{strings.Repeat("a", 256), false},
		{"", false},
		{".", false},
		{"..", false},
		{"...", false},
		{"../etc/passwd", false},
		{"a/b", false},
		{`a\b`, false},
		{"C:evil", false},
		{"what?.txt", true},
		{"a*b", true},
		{`say"hi".txt`, true},
		{"<x>", true},
		{"a|b", true},
		{" lead.txt", false},
		{"trail.txt ", false},
		{"a\x00b", false},
		{"a\nb", false},
		{"evil\u202etxt.exe", false},
		{"a\u200bb", false},
		{"\xff.txt", false},
	} {
		if err := CheckFileName(tc.name); (err == nil) != tc.ok {
			t.Errorf("CheckFileName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
