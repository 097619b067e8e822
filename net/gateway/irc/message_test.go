package irc

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParse(t *testing.T) {
	tests := []struct {
		line   string
		prefix string
		cmd    string
		params []string
	}{
		{"NICK bob\r\n", "", "NICK", []string{"bob"}},
		{"nick bob\n", "", "NICK", []string{"bob"}},
		{"USER u 0 * :Real Name", "", "USER", []string{"u", "0", "*", "Real Name"}},
		{":bob!b@h PRIVMSG #lobby :hi: there ", "bob!b@h", "PRIVMSG", []string{"#lobby", "hi: there "}},
		{"@time=x;a=b :p PRIVMSG  #c   :x", "p", "PRIVMSG", []string{"#c", "x"}},
		{"PRIVMSG #c :", "", "PRIVMSG", []string{"#c", ""}},
		{"CAP LS 302", "", "CAP", []string{"LS", "302"}},
		{"PING", "", "PING", nil},
		{"A 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16", "", "A",
			[]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15 16"}},
		{"PRIVMSG #c :caf\xe9", "", "PRIVMSG", []string{"#c", "caf\uFFFD"}},
	}
	for _, tt := range tests {
		m, err := Parse(tt.line)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.line, err)
			continue
		}
		if m.Prefix != tt.prefix || m.Command != tt.cmd || !slices.Equal(m.Params, tt.params) {
			t.Errorf("Parse(%q) = %q %q %q; want %q %q %q", tt.line, m.Prefix, m.Command, m.Params,
				tt.prefix, tt.cmd, tt.params)
		}
	}
	for _, bad := range []string{"", "\r\n", "   ", ":prefix", "@tags-only", "PRIV\x00MSG x", "A\rB"} {
		if m, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", bad, m)
		}
	}
}

func TestLineFormat(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{Message{Prefix: "s", Command: "001", Params: []string{"bob", "Welcome"}}.String(), ":s 001 bob :Welcome"},
		{Message{Prefix: "b!b@h", Command: "JOIN", Params: []string{"#dev"}}.String(), ":b!b@h JOIN #dev"},
		{Message{Command: "CAP", Params: []string{"*", "LS", ""}}.String(), "CAP * LS :"},
		{Message{Command: "QUIT", Params: []string{"bye"}}.String(), "QUIT :bye"},
		{Message{Command: "X", Params: []string{":odd"}}.String(), "X ::odd"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestSplitText(t *testing.T) {
	long := strings.Repeat("가", 100) // 3 bytes each
	for _, p := range splitText(long, 31) {
		if len(p) > 31 || !utf8.ValidString(p) {
			t.Errorf("piece %q: %d bytes", p, len(p))
		}
	}
	if got := splitText("a\n\nb\n", 10); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("lines: %q", got)
	}
	if got := splitText("one two three four", 16); !slices.Equal(got, []string{"one two three ", "four"}) {
		t.Errorf("words: %q", got)
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"\x02bold\x02 \x0304,12red\x03 \x1ditalic\x0f", "bold red italic", true},
		{"\x0399,1x", "x", true},
		{"\x04ff00ff,00ff00hex", "hex", true},
		{"\x01ACTION waves\x01", "*waves*", true},
		{"\x01VERSION\x01", "", false},
		{"tab\there", "tab\there", true},
	}
	for _, tt := range tests {
		if got, ok := cleanText(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("cleanText(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"NICK bob\r\n", "@a=b :p!u@h PRIVMSG #c :hi there", "USER u 0 * :R N", ":x", "\x01\x02",
		"A 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		m, err := Parse(line)
		if err != nil {
			return
		}
		if m.Command == "" || len(m.Params) > maxParams || strings.ContainsAny(m.Command, " \r\n") {
			t.Fatalf("Parse(%q) = %+v", line, m)
		}
		for i, p := range m.Params {
			if !utf8.ValidString(p) || (i < len(m.Params)-1 && (p == "" || strings.Contains(p, " "))) {
				t.Fatalf("Parse(%q): param %d = %q", line, i, p)
			}
		}
		// What the gateway writes back parses to the same message.
		again, err := Parse(m.String())
		if err != nil || again.Command != m.Command || !slices.Equal(again.Params, m.Params) {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", line, again, err, m)
		}
		_, _ = cleanText(m.Param(len(m.Params) - 1))
	})
}
