package wire

import (
	"fmt"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/runenames"
)

// looksAlike is the server's rule: two names clash when their fold keys or
// any of their look-alike keys are equal.
func looksAlike(a, b string) bool {
	if FoldKey(a) == FoldKey(b) {
		return true
	}
	ka, kb := SkeletonKeys(a), SkeletonKeys(b)
	return ka[0] == kb[0] || ka[0] == kb[1] || ka[1] == kb[0] || ka[1] == kb[1]
}

func TestLookAlikes(t *testing.T) {
	same := [][]string{
		{"Bob", "bob", "BOB", "ᏴoᏏ" /* Cherokee */, "ᏼoꮟ" /* Cherokee small */, "Ｂｏｂ", "Bօb", /* Armenian օ */
			"ʙob" /* small capital */, "b0b", "B0B", "b.o.b", "вов" /* Cyrillic, drawn as small capitals */},
		{"ALICE", "AL1CE", "ALlCE", "alice"},
		{"alice", "аlice" /* Cyrillic а */, "a1ice", "ALICE", "a_lice", "ａｌｉｃｅ", "alicé", "ᴀlice", "ɑlice"},
		{"paypal", "PayPaI" /* capital I */, "раураl" /* Cyrillic р а у */, "PAYPAL", "paypa1", "𝔭𝒶ỿ𝕡𝕒ℓ"},
		{"lobby", "lоbby" /* Cyrillic о */, "LOBBY", "ⅼobby" /* Roman numeral fifty */, "1obby", "Iobby"},
		{"scope", "ѕсоре" /* Cyrillic */},
		{"modern", "rnodern", "MODERN"}, // rn and m: a real confusable, documented
		{"ian", "ıan" /* dotless i */, "ɪan" /* small capital */},
		{"lan", "Ian" /* capital I reads as l */, "IAN"},
		{"👩‍💻", "👩💻"},
		{"관리자", "관ᄅ丨자" /* leading jamo and the CJK stroke 丨 */},
	}
	for _, group := range same {
		for _, s := range group[1:] {
			if !looksAlike(s, group[0]) {
				t.Errorf("%q and %q should look alike: keys %q and %q", s, group[0], SkeletonKeys(s), SkeletonKeys(group[0]))
			}
		}
	}
	different := [][2]string{{"alice", "alan"}, {"홍길동", "홍길순"}, {"bob", "rob"}, {"_", "__x"}, {"😀", "😁"},
		{"ian", "lan"}, {"मेरा", "मरा"} /* Devanagari vowel signs are kept */, {"bob", "bobby"}, {"kim", "kin"},
		{"lobby", "hobby"}, {"Game", "Gane"}, {"dev", "deu"}}
	for _, p := range different {
		if looksAlike(p[0], p[1]) {
			t.Errorf("%q and %q should be told apart: keys %q and %q", p[0], p[1], SkeletonKeys(p[0]), SkeletonKeys(p[1]))
		}
	}
	// A name made only of separators keeps a non-empty key.
	for _, s := range []string{"_", "--", "..."} {
		if SkeletonKey(s) == "" || SkeletonKeys(s)[1] == "" {
			t.Errorf("SkeletonKey(%q) is empty", s)
		}
	}
}

// Ordinary distinct names keep distinct keys: first names in several
// languages, and every Hangul syllable (Korean names are made of them).
func TestLookAlikesSpareOrdinaryNames(t *testing.T) {
	names := strings.Fields(`alice bob carol dave eve frank grace heidi ivan judy mallory niaj olivia peggy rupert
		sybil trent victor walter james john robert michael william david richard joseph thomas charles mary
		patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty margaret sandra ashley
		kim lee park choi jung kang cho yoon jang lim han oh seo shin kwon hwang ahn song jeon hong
		minjun seoyeon jiwoo hayoon dohyun jiho seojun haeun eunwoo jiyu
		민준 서연 지우 하윤 도현 지호 서준 하은 은우 지유 김철수 이영희 박지성 홍길동 홍길순 최민수
		dmitri olga sergei natasha ivanova дмитрий ольга сергей наташа иван ελένη νίκος γιώργος μαρία
		hans jürgen müller françois josé maría søren åsa zoë
		山田太郎 佐藤花子 张伟 王芳 lobby general random games music dev ops design 개발 잡담 공지 음악 게임`)
	seen := map[string]string{}
	for _, n := range names {
		for _, k := range SkeletonKeys(n) {
			if o, ok := seen[k]; ok && o != n {
				t.Errorf("%q and %q share the look-alike key %q", n, o, k)
			}
			seen[k] = n
		}
	}
	syllables := map[string]rune{}
	for r := rune(0xAC00); r <= 0xD7A3; r++ {
		k := SkeletonKey(string(r))
		if o, ok := syllables[k]; ok {
			t.Fatalf("Hangul syllables %q and %q share the key %q", r, o, k)
		}
		syllables[k] = r
	}
}

// A key is a fixed point, the same whether the name or its fold key is
// given, for every character a name may hold alone.
func TestSkeletonKeyIsStable(t *testing.T) {
	step := 1
	if testing.Short() || raceEnabled {
		step = 11 // a sample: the full sweep takes seconds, a minute with -race
	}
	for r := rune(0x20); r <= 0x2FFFF; r += rune(step) {
		s := string(r)
		if CheckRoom(s) != nil {
			continue
		}
		k := SkeletonKey(s)
		if SkeletonKey(k) != k {
			t.Errorf("SkeletonKey not idempotent on %U %q: %q then %q", r, s, k, SkeletonKey(k))
		}
		if f := FoldKey(s); SkeletonKey(f) != k {
			t.Errorf("SkeletonKey(%q) = %q but SkeletonKey(FoldKey %q) = %q", s, k, f, SkeletonKey(f))
		}
		if ks := SkeletonKeys(s); ks[0] != k || SkeletonKey(ks[1]) != ks[1] {
			t.Errorf("SkeletonKeys(%q) = %q; SkeletonKey is %q", s, ks, k)
		}
	}
}

// The ASCII fast path gives what the data gives.
func TestASCIIRoundMatchesData(t *testing.T) {
	slow := func(s string) string {
		for range maxRounds {
			n, _ := dataRound(s) // every round, to check the shortcut too
			if n == s {
				break
			}
			s = n
		}
		return s
	}
	fast := func(s string) string {
		k, ok := asciiRound(s)
		if !ok {
			return slow(s)
		}
		return k
	}
	var all []string
	for c := byte(0x20); c < 0x7F; c++ {
		all = append(all, string(c))
	}
	one := all[:len(all):len(all)]
	for _, a := range one {
		for _, b := range one {
			all = append(all, a+b)
		}
	}
	all = append(all, "PayPaI", "Mallory_1984", "a.b-c", "M", "mm")
	for _, s := range all {
		if f, d := FoldKey(s), foldKey(s); f != d {
			t.Errorf("%q: ASCII FoldKey %q, general %q", s, f, d)
		}
		if f, d := fast(s), slow(s); f != d {
			t.Errorf("%q: ASCII path %q, data %q", s, f, d)
		}
	}
}

// smallCapital holds every LATIN LETTER SMALL CAPITAL of one letter, and
// nothing else.
func TestSmallCapitalTable(t *testing.T) {
	const prefix = "LATIN LETTER SMALL CAPITAL "
	found := 0
	for r := rune(0); r <= 0x1FFFF; r++ {
		name := runenames.Name(r)
		if !strings.HasPrefix(name, prefix) || len(name) != len(prefix)+1 {
			continue
		}
		found++
		if want := unicode.ToLower(rune(name[len(prefix)])); smallCapital[r] != want {
			t.Errorf("%U %s: table has %q, want %q", r, name, smallCapital[r], want)
		}
	}
	if found != len(smallCapital) {
		t.Errorf("Unicode has %d small capitals of one letter; the table %d", found, len(smallCapital))
	}
}

func TestReserved(t *testing.T) {
	rs := NewReserved("MultiChat")
	for _, tc := range []struct{ name, want string }{
		{"admin", "admin"}, {"ADMIN", "admin"}, {"Admin", "admin"}, {"AdmIn", "admin"}, {"ADMlN", "admin"},
		{"аdmin" /* Cyrillic а */, "admin"}, {"adrnin", "admin"}, {"ａｄｍｉｎ", "admin"}, {"ᴀᴅᴍɪɴ", "admin"},
		{"Administrator", "administrator"}, {"AdminIstrator", "administrator"}, {"SYSTEM", "system"},
		{"ѕуѕtеm" /* Cyrillic */, "system"}, {"Server", "server"}, {"SERVER", "server"}, {"5erver", ""},
		{"관리자", "관리자"}, {"관ᄅ丨자", "관리자"}, {"운영자", "운영자"}, {"시스템", "시스템"}, {"서버", "서버"},
		{"multichat", "MultiChat"}, {"MULTlCHAT", "MultiChat"}, {"Multi_Chat", "MultiChat"},
		{"admins", ""}, {"serverless", ""}, {"systematic", ""}, {"관리", ""}, {"서버실", ""}, {"bob", ""},
		{"administrators", ""}, {"sys", ""},
	} {
		got, ok := rs.Match(tc.name)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Match(%q) = %q, %v; want %q", tc.name, got, ok, tc.want)
		}
	}
}

func TestVisible(t *testing.T) {
	for _, tc := range []struct{ in, name, text string }{
		{"alice", "alice", "alice"},
		{"홍길동 👩‍💻 ❤️", "홍길동 👩‍💻 ❤️", "홍길동 👩‍💻 ❤️"},
		{"evil\u202Etxt.exe", "evil⟨RLO⟩txt.exe", "evil⟨RLO⟩txt.exe"},
		{"\u2066a\u2067b\u2068c\u2069", "⟨LRI⟩a⟨RLI⟩b⟨FSI⟩c⟨PDI⟩", "⟨LRI⟩a⟨RLI⟩b⟨FSI⟩c⟨PDI⟩"},
		{"\u202A\u202B\u202C\u202D", "⟨LRE⟩⟨RLE⟩⟨PDF⟩⟨LRO⟩", "⟨LRE⟩⟨RLE⟩⟨PDF⟩⟨LRO⟩"},
		{"a\x1b[31mred", "a␛[31mred", "a␛[31mred"},
		{"line\nnext\tcol", "line␊next␉col", "line\nnext\tcol"},
		{"cr\rnul\x00del\x7f", "cr␍nul␀del␡", "cr␍nul␀del␡"},
		{"c1\u0085x", "c1⟨U+0085⟩x", "c1⟨U+0085⟩x"},
		{"ls\u2028ps\u2029", "ls⟨U+2028⟩ps⟨U+2029⟩", "ls⟨U+2028⟩ps⟨U+2029⟩"},
		{"שלום \u200Fעולם", "שלום ⟨RLM⟩עולם", "שלום \u200Fעולם"},
		{"a\u200Bb\u3164", "a⟨U+200B⟩b⟨U+3164⟩", "a\u200Bb\u3164"},
		{"", "", ""},
	} {
		if got := Visible(tc.in); got != tc.name {
			t.Errorf("Visible(%q) = %q, want %q", tc.in, got, tc.name)
		}
		if got := VisibleText(tc.in); got != tc.text {
			t.Errorf("VisibleText(%q) = %q, want %q", tc.in, got, tc.text)
		}
	}
	// Whatever comes in, what comes out holds no control or bidi control
	// (text keeps tab and newline), and is unchanged when it was clean.
	for r := rune(0); r < 0x30000; r++ {
		s := fmt.Sprintf("a%cb", r)
		for _, out := range []string{Visible(s), VisibleText(s)} {
			for _, o := range out {
				if (unicode.IsControl(o) && o != '\t' && o != '\n') || bidiControl(o) || o == '\u2028' || o == '\u2029' {
					t.Fatalf("Visible(%q) = %q still holds %U", s, out, o)
				}
			}
		}
		if out := Visible(s); strings.ContainsRune(out, '\n') {
			t.Fatalf("Visible(%q) = %q holds a newline", s, out)
		}
	}
}
