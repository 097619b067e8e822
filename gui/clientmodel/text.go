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

	"fyne.io/fyne/v2/lang"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

// vars are the fields of a translated text's template: lang.L("Hello
// {{.Nick}}", vars{"Nick": n}).
type vars = map[string]any

// English reports whether the interface is shown in English (the language
// of the keys, and of the texts the server sends).
func English() bool { return lang.X("lang.code", "en") == "en" }

// ServerReason is a reason the server gave, in the interface's language
// when it is one of the server's own defaults (sent in English).
func ServerReason(r string) string {
	switch r {
	case wire.ReasonKicked:
		return lang.L("removed by the administrator")
	case wire.ReasonBanned:
		return lang.L("banned by the administrator")
	case wire.ReasonMuted:
		return lang.L("muted by the administrator")
	case wire.ReasonLecture:
		return lang.L("only the administrator's announcements are posted")
	}
	return r
}

// Plain says what err means in words for a person: no "EOF", no "stat …: no
// such file or directory", no "0.0.0.0". fallback is used for a nil err.
func Plain(err error, fallback string) string {
	if err == nil {
		return fallback
	}
	var pe *fs.PathError
	var op *net.OpError
	var se *client.ServerError
	var re *client.RefusedError
	var ke *client.KickedError
	var ie *client.IdentityChangedError
	var tl *wire.TextTooLongError
	switch {
	case errors.As(err, &pe) && errors.Is(err, fs.ErrNotExist):
		return lang.L("{{.Path}} does not exist", vars{"Path": pe.Path})
	case errors.As(err, &pe) && errors.Is(err, fs.ErrPermission):
		return lang.L("{{.Path}} cannot be read (no permission)", vars{"Path": pe.Path})
	case errors.Is(err, syscall.ECONNREFUSED):
		return lang.L("nothing answers at that address — is the server started?")
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return lang.L("the connection was cut")
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return lang.L("that computer cannot be reached from here — check the address and the network")
	case errors.Is(err, os.ErrDeadlineExceeded):
		return lang.L("the server did not answer in time")
	case errors.As(err, &op) && op.Op == "dial":
		var dns *net.DNSError
		if errors.As(err, &dns) {
			return lang.L("no computer is called “{{.Host}}” — check the address", vars{"Host": dns.Name})
		}
	case errors.As(err, &se):
		return ErrorText(se.Code, se.Text)
	case errors.As(err, &re):
		return RefuseText(re.Code, "")
	case errors.As(err, &ke):
		if ke.Reason != "" {
			return lang.L("you were removed from the chat: {{.Reason}}", vars{"Reason": ServerReason(ke.Reason)})
		}
		return lang.L("you were removed from the chat")
	case errors.As(err, &ie):
		return lang.L("the server's identity changed: {{.Addr}} does not show the certificate you trusted", vars{"Addr": ie.Addr})
	case errors.As(err, &tl):
		if tl.Chars {
			return lang.L("the message is {{.Size}} characters long; the limit is {{.Max}}", vars{"Size": Count(tl.Size), "Max": Count(tl.Max)})
		}
		return lang.L("the message is {{.Size}} bytes long; this server's limit is {{.Max}} bytes", vars{"Size": Count(tl.Size), "Max": Count(tl.Max)})
	case errors.Is(err, client.ErrNotConnected):
		return lang.L("not connected to a server")
	case errors.Is(err, client.ErrQueueFull):
		return lang.L("too many messages are waiting to be sent; try again when the connection is back")
	case errors.Is(err, client.ErrServerStopping):
		return lang.L("the server is stopping")
	case errors.Is(err, client.ErrPingTimeout):
		return lang.L("the server stopped answering")
	case errors.Is(err, client.ErrServerPlaintext):
		return lang.L("the server does not use encryption (TLS); connect with “Not encrypted” only if you trust the network")
	case errors.Is(err, client.ErrNotSent) && !English():
		return lang.L("not delivered") // the banner says why

	case errors.Is(err, wire.ErrInvalidName):
		return NameError(err)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) { // however the session wrapped it
		return lang.L("the server closed the connection")
	}
	s := err.Error()
	return strings.ReplaceAll(s, "0.0.0.0", lang.L("this computer"))
}

// ErrorText says what a server's Error frame means: the server's own text
// in English (it names the user or room), else the code's meaning in the
// interface's language.
func ErrorText(code wire.ErrorCode, text string) string {
	if text != "" && English() {
		return text
	}
	switch code {
	case wire.CodeTextTooLong:
		return lang.L("the message is too long")
	case wire.CodeEmptyText:
		return lang.L("the message is empty")
	case wire.CodeBadText:
		return lang.L("the message contains control characters")
	case wire.CodeNoSuchUser:
		return lang.L("nobody by that name is online")
	case wire.CodeNoSuchRoom:
		return lang.L("there is no such room")
	case wire.CodeNotInRoom:
		// An operator's request about someone else: "“bob” is not in “dev”".
		if rest, ok := strings.CutPrefix(text, "“"); ok {
			if nick, _, ok := strings.Cut(rest, "”"); ok && nick != "" {
				return lang.L("“{{.Nick}}” is not in that room", vars{"Nick": nick})
			}
		}
		return lang.L("you are not in that room")
	case wire.CodeInvalidRoom:
		return lang.L("that room name is not allowed")
	case wire.CodeLobby:
		return lang.L("the lobby cannot be left")
	case wire.CodeTooManyRooms:
		return lang.L("the server has as many rooms as it allows")
	case wire.CodeFileRejected:
		return lang.L("the file was refused")
	case wire.CodeNoTransfer:
		return lang.L("no such file transfer")
	case wire.CodeBidiControl:
		return lang.L("the text holds a bidirectional control character")
	case wire.CodeRoomReserved:
		return lang.L("that room name is reserved")
	case wire.CodeRoomLookAlike:
		return lang.L("that room name looks like another room's")
	case wire.CodeRoomQuota:
		return lang.L("you have created as many rooms as one person may")
	case wire.CodeHistoryOff:
		return lang.L("this server keeps no history")
	case wire.CodeHistoryBusy:
		return lang.L("the server is busy; try again in a moment")
	case wire.CodeSearchInvalid:
		return lang.L("the search text is too short")
	case wire.CodeHistoryFailed:
		return lang.L("the history could not be read")
	case wire.CodeNotOperator:
		return lang.L("you are not an operator of this room")
	case wire.CodeOperOff:
		return lang.L("this server has no operator logins")
	case wire.CodeOperWrong:
		return lang.L("wrong operator name or password, or too many tries: wait a minute")
	case wire.CodeMalformed, wire.CodeTooLarge, wire.CodeInvalidUTF8, wire.CodeUnknownType, wire.CodeUnexpected, wire.CodeUnsupported:
		return lang.L("the server did not understand this client (error {{.Code}}); update MultiChat", vars{"Code": uint16(code)})
	}
	if text != "" {
		return text
	}
	return lang.L("the server refused the request (error {{.Code}})", vars{"Code": uint16(code)})
}

// RefuseText says why the server refused a connection, as a sentence;
// nick is the nickname that was asked for.
func RefuseText(code wire.RefuseCode, nick string) string {
	v := vars{"Nick": nick, "Code": uint8(code)}
	switch code {
	case wire.RefuseNickTaken:
		return lang.L("The nickname “{{.Nick}}” is already taken. Choose another one and press Connect.", v)
	case wire.RefuseNickReserved:
		return lang.L("The nickname “{{.Nick}}” is reserved or looks like a reserved name. Choose another one.", v)
	case wire.RefuseNickInvalid:
		return lang.L("The server does not accept the nickname “{{.Nick}}”. Choose another one.", v)
	case wire.RefuseServerFull:
		return lang.L("The server is full. Try again later.")
	case wire.RefuseTooManyFrom:
		return lang.L("Too many connections from this computer. Close another client and try again.")
	case wire.RefuseVersion:
		return lang.L("This client and the server speak different protocol versions. Update MultiChat.")
	case wire.RefuseTLSRequired:
		return lang.L("The server requires encryption (TLS): connect without “Not encrypted”.")
	case wire.RefuseNoTLS:
		return lang.L("The server does not use encryption (TLS).")
	case wire.RefusePasswordNeeded:
		return lang.L("The server asks for a password.")
	case wire.RefusePasswordWrong:
		return lang.L("Wrong password.")
	case wire.RefuseTooManyTries:
		return lang.L("Too many wrong passwords. Wait a while before you try again.")
	case wire.RefuseIdentity:
		return lang.L("The server could not check this device's identity.")
	}
	return lang.L("The server refused the connection (code {{.Code}}).", v)
}

// NameError says, in the interface's language, why a nickname or room name
// (wire.CheckNick, wire.CheckRoom) cannot be used.
func NameError(err error) string {
	s := err.Error()
	if English() {
		return s
	}
	var max int
	switch {
	case strings.HasSuffix(s, "is empty"):
		return lang.L("it is empty")
	case strings.HasSuffix(s, "may not contain spaces"):
		return lang.L("it may not contain spaces")
	case strings.HasSuffix(s, "may not start with / # or @"):
		return lang.L("it may not start with / # or @")
	case strings.Contains(s, "space"):
		return lang.L("it may hold single spaces between words only")
	case strings.Contains(s, "at most"):
		if i := strings.LastIndex(s, "at most "); i >= 0 {
			fmt.Sscan(s[i+len("at most "):], &max)
		}
		return lang.L("it is too long (at most {{.Max}} characters)", vars{"Max": max})
	}
	return lang.L("it contains a character that is not allowed")
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
