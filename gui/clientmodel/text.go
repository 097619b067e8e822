package clientmodel

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"strings"
	"syscall"
	"unicode/utf8"
)

// Plain says what err means in words for a person: no "EOF", no "stat …: no
// such file or directory", no "0.0.0.0". fallback is used for a nil err.
func Plain(err error, fallback string) string {
	if err == nil {
		return fallback
	}
	var pe *fs.PathError
	var op *net.OpError
	switch {
	case errors.As(err, &pe) && errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("%s does not exist", pe.Path)
	case errors.As(err, &pe) && errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf("%s cannot be read (no permission)", pe.Path)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "nothing answers at that address — is the server started?"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "the connection was cut"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "that computer cannot be reached from here — check the address and the network"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "the server did not answer in time"
	case errors.As(err, &op) && op.Op == "dial":
		var dns *net.DNSError
		if errors.As(err, &dns) {
			return fmt.Sprintf("no computer is called %q — check the address", dns.Name)
		}
	}
	s := err.Error()
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		s = strings.TrimSuffix(strings.TrimSuffix(s, ": unexpected EOF"), ": EOF")
		if s == "EOF" || s == "unexpected EOF" {
			s = "the server closed the connection"
		}
	}
	return strings.ReplaceAll(s, "0.0.0.0", "this computer")
}

// Count writes n with a thin space between thousands: 4 000, 12 345.
func Count(n int) string {
	s := fmt.Sprint(n)
	if n < 1000 && n > -1000 {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteRune('\u202f')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ByteSize is n in B, KiB, MiB or GiB.
func ByteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// Shorten cuts s to at most n bytes, at a character boundary, and marks the
// cut with "…".
func Shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Links returns the http and https URLs in text, without the punctuation
// that usually follows one in a sentence.
func Links(text string) []string {
	var out []string
	for _, sp := range LinkSpans(text) {
		out = append(out, text[sp.Start:sp.End])
	}
	return out
}

// Span is a byte range of a text.
type Span struct{ Start, End int }

// LinkSpans returns where the URLs of Links are in text.
func LinkSpans(text string) []Span {
	var out []Span
	for off := 0; ; {
		i := strings.Index(text[off:], "http")
		if i < 0 {
			return out
		}
		off += i
		rest := text[off:]
		if !strings.HasPrefix(rest, "http://") && !strings.HasPrefix(rest, "https://") {
			off += 4
			continue
		}
		end := strings.IndexFunc(rest, func(r rune) bool {
			return r <= ' ' || r == '<' || r == '>' || r == '"' || r == '“' || r == '”' || r == '」'
		})
		if end < 0 {
			end = len(rest)
		}
		link := strings.TrimRight(rest[:end], ".,;:!?)]'")
		if strings.Count(rest[:end], "(") > strings.Count(link, ")") && strings.HasSuffix(rest[:end], ")") {
			link += ")" // a URL with parentheses of its own (Wikipedia)
		}
		if len(link) > len("https://") {
			out = append(out, Span{off, off + len(link)})
		}
		off += end
	}
}
