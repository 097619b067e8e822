package irc

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// Limits of a line (RFC 1459 and IRCv3 message tags): 512 bytes for the
// message with its CRLF, plus up to 8191 bytes of tags.
const (
	maxLine   = 512
	maxTags   = 8191
	maxParams = 15
)

// Message is one IRC line.
type Message struct {
	Prefix  string
	Command string // upper case
	Params  []string
	BadUTF8 bool // the line was not UTF-8 (repaired with U+FFFD)
}

var (
	errEmpty   = errors.New("empty line")
	errNoCmd   = errors.New("no command")
	errBadByte = errors.New("NUL or CR inside a line")
)

// Parse reads one line, with or without its CRLF or LF. IRCv3 tags (@…) are
// accepted and ignored; a prefix is kept. A command is upper-cased. Params
// past the fifteenth are joined into the last, as servers do. Text that is
// not UTF-8 is repaired (U+FFFD) and marked BadUTF8: registration goes on
// (IRC clients on other charsets exist), a message is refused.
func Parse(line string) (Message, error) {
	line = strings.TrimSuffix(line, "\n")
	line = strings.TrimSuffix(line, "\r")
	if strings.ContainsAny(line, "\x00\r\n") {
		return Message{}, errBadByte
	}
	bad := !utf8.ValidString(line)
	if bad {
		line = strings.ToValidUTF8(line, "\uFFFD")
	}
	if strings.HasPrefix(line, "@") {
		_, line, _ = strings.Cut(line, " ")
	}
	line = strings.TrimLeft(line, " ")
	var m Message
	if strings.HasPrefix(line, ":") {
		m.Prefix, line, _ = strings.Cut(line[1:], " ")
		line = strings.TrimLeft(line, " ")
	}
	if line == "" {
		if m.Prefix == "" {
			return Message{}, errEmpty
		}
		return Message{}, errNoCmd
	}
	cmd, rest, _ := strings.Cut(line, " ")
	for i := 0; i < len(cmd); i++ { // a word or a numeric
		if c := cmd[i] | 0x20; !(c >= 'a' && c <= 'z' || cmd[i] >= '0' && cmd[i] <= '9') {
			return Message{}, errNoCmd
		}
	}
	m.Command = strings.ToUpper(cmd)
	m.BadUTF8 = bad
	for rest != "" {
		rest = strings.TrimLeft(rest, " ")
		if rest == "" {
			break
		}
		if rest[0] == ':' || len(m.Params) == maxParams-1 {
			m.Params = append(m.Params, strings.TrimPrefix(rest, ":"))
			break
		}
		var p string
		p, rest, _ = strings.Cut(rest, " ")
		m.Params = append(m.Params, p)
	}
	return m, nil
}

// Param returns the i-th parameter or "".
func (m Message) Param(i int) string {
	if i >= 0 && i < len(m.Params) {
		return m.Params[i]
	}
	return ""
}

// appendLine appends m as a line with its CRLF. The last parameter is sent
// as a trailing one (":…") when it needs it (empty, a space, a leading ':')
// and, as servers do, whenever it is text: the last of two or more, or a
// QUIT or ERROR reason.
func appendLine(b []byte, prefix, command string, params ...string) []byte {
	text := len(params) >= 2 || command == "QUIT" || command == "ERROR"
	if prefix != "" {
		b = append(b, ':')
		b = append(b, prefix...)
		b = append(b, ' ')
	}
	b = append(b, command...)
	for i, p := range params {
		b = append(b, ' ')
		if i == len(params)-1 && (text || p == "" || strings.ContainsRune(p, ' ') || p[0] == ':') {
			b = append(b, ':')
		}
		b = append(b, p...)
	}
	return append(b, '\r', '\n')
}

// String is m as a line without its CRLF.
func (m Message) String() string {
	b := appendLine(nil, m.Prefix, m.Command, m.Params...)
	return string(b[:len(b)-2])
}

// splitText cuts text into pieces of at most max bytes, at line breaks and
// otherwise at character boundaries (at a space where one is near the end).
// Empty lines are dropped: IRC cannot send them.
func splitText(text string, max int) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		for len(line) > max {
			cut := max
			for cut > 0 && !utf8.RuneStart(line[cut]) {
				cut--
			}
			if sp := strings.LastIndexByte(line[:cut], ' '); sp > cut*3/4 {
				cut = sp + 1
			}
			if cut == 0 { // max is smaller than one character
				_, cut = utf8.DecodeRuneInString(line)
			}
			out = append(out, line[:cut])
			line = line[cut:]
		}
		if strings.TrimSpace(line) != "" {
			out = append(out, line)
		}
	}
	return out
}

// leavingWords is a PART or QUIT reason as MultiChat text (cleanText; a
// CTCP request is no words).
func leavingWords(s string) string {
	t, _ := cleanText(s)
	return t
}

// cleanText turns an IRC message's text into MultiChat text: mIRC formatting
// codes (bold, colours…) are dropped, a CTCP ACTION becomes "*text*", other
// control characters are dropped. ok is false for CTCP requests other than
// ACTION (VERSION, PING…), which are not chat.
func cleanText(s string) (text string, ok bool) {
	if strings.HasPrefix(s, "\x01") {
		inner := strings.TrimSuffix(s[1:], "\x01")
		verb, arg, _ := strings.Cut(inner, " ")
		if verb != "ACTION" {
			return "", false
		}
		s = "*" + arg + "*"
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 0x03: // colour: \x03[fg[,bg]] with 1–2 digits each
			i += digits(s[i+1:])
			if i+2 < len(s) && s[i+1] == ',' && digits(s[i+2:]) > 0 {
				i += 1 + digits(s[i+2:])
			}
		case c == 0x04: // hex colour: \x04[rrggbb[,rrggbb]]
			i += hexColour(s[i+1:])
			if i+2 < len(s) && s[i+1] == ',' && hexColour(s[i+2:]) > 0 {
				i += 1 + hexColour(s[i+2:])
			}
		case c < 0x20 && c != '\t', c == 0x7F:
			// formatting (bold, italics, reset…) and other controls
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

func digits(s string) int {
	n := 0
	for n < 2 && n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

func hexColour(s string) int {
	if len(s) < 6 {
		return 0
	}
	for i := range 6 {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return 0
		}
	}
	return 6
}
