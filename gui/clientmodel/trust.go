package clientmodel

import (
	"fmt"
	"strings"
	"time"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

// PromptKind is what the session waits for the user to answer.
type PromptKind uint8

const (
	AskTrust    PromptKind = iota + 1 // a server met for the first time: trust its fingerprint?
	AskPassword                       // the server wants its password
	AskNick                           // my nickname is gone: choose another
)

// Prompt is a question the window shows as a dialog until it is answered
// (Trust, Password, NewNick) or declined (Decline). The session waits
// meanwhile, without reconnecting.
type Prompt struct {
	Kind        PromptKind
	Title, Text string
	Fingerprint string // AskTrust: as the user compares it, "AB12 CD34 …"
	Wrong       bool   // AskPassword: the last one was refused
	Nick        string // AskNick: the nickname that was lost
	// Announced (AskTrust) compares the fingerprint with the one the
	// server announced on the LAN, when it was found there; Matches says
	// whether they are the same. It is shown beside the question, never
	// instead of it.
	Announced string
	Matches   bool

	fp client.TrustNeeded
}

// NotEncrypted is the banner of a connection without TLS.
const NotEncrypted = "Not encrypted: this server does not use TLS, so anyone on the network can read this chat."

func (m *Model) ask(p *Prompt) {
	m.Prompt = p
	m.ch.Prompt = true
}

// waiting reports whether a prompt can belong to the session the user is
// following (a Connect under way or conversations still connected).
func (m *Model) waiting() bool {
	return m.Phase == Connecting || m.Phase == Chat && m.Link != Ended
}

func (m *Model) trustNeeded(ev client.TrustNeeded) {
	if !m.waiting() {
		return
	}
	name := ev.Server
	if name == "" {
		name = "the server"
	}
	fp := ev.Fingerprint.String()
	announced, matches := m.announced(ev.Addr, ev.Fingerprint)
	m.ask(&Prompt{Kind: AskTrust, Title: "Trust this server?", Fingerprint: fp, fp: ev, Announced: announced, Matches: matches,
		Text: fmt.Sprintf("First connection to %s at %s. Its identity (fingerprint) is:\n\n%s\n\n"+
			"Compare it with the one the server window shows (or ask the server's admin). Trust this server?",
			name, ev.Addr, fp)})
	m.status(fmt.Sprintf("First connection to %s: check its fingerprint before you trust it.", ev.Addr))
}

// status shows text where the user is looking: the form or the banner.
func (m *Model) status(text string) {
	if m.Phase == Chat {
		m.Banner = Banner{Text: text, Offline: true}
		m.ch.Phase = true
		return
	}
	m.formInfo(text)
}

// Trust answers the trust prompt: the server is remembered and the session
// connects.
func (m *Model) Trust() {
	p := m.Prompt
	if p == nil || p.Kind != AskTrust {
		return
	}
	m.ask(nil)
	m.Send(client.TrustServer{Fingerprint: p.fp.Fingerprint})
	m.status(fmt.Sprintf("Trusted %s. Connecting…", p.fp.Addr))
}

// Decline answers the open prompt with Cancel: the attempt ends; the form
// keeps what was typed, or the conversations stay to read.
func (m *Model) Decline() {
	p := m.Prompt
	if p == nil {
		return
	}
	m.ask(nil)
	var why string
	switch p.Kind {
	case AskTrust:
		why = fmt.Sprintf("Not connected: you did not trust the server at %s.", m.Addr)
	case AskPassword:
		why = fmt.Sprintf("Not connected: %s needs its password.", m.Addr)
	default:
		why = "Not connected: no new nickname was chosen."
	}
	m.Send(client.Disconnect{})
	if m.Phase == Chat {
		m.end(why + " The conversations stay here to read; connect again to continue them.")
		return
	}
	m.toForm(Idle)
	m.formInfo(why)
}

func (m *Model) identityChanged(ev client.IdentityChanged) {
	if !m.waiting() {
		return
	}
	m.ask(nil)
	text := fmt.Sprintf("The server's identity changed: %s does not show the certificate you trusted.\n\n"+
		"Trusted: %s\nNow:     %s\n\n"+
		"Someone may be impersonating the server. Nothing was sent to it. If the server's admin confirms that "+
		"its identity was renewed, remove the old entry in Chat ▸ Settings… ▸ Trusted servers, then connect again.",
		ev.Addr, ev.Trusted, ev.Presented)
	m.Dialogs = append(m.Dialogs, Dialog{Title: "The server's identity changed", Text: text})
	line := strings.ReplaceAll(strings.ReplaceAll(text, "\n\n", " "), "\n", "; ")
	if m.Phase == Chat {
		m.errorLine(m.Cur, time.Time{}, line)
		m.end("The server's identity changed; not connected. See Settings ▸ Trusted servers.")
		return
	}
	m.toForm(Idle)
	m.formError(line, "addr")
}

func (m *Model) passwordNeeded(ev client.PasswordNeeded) {
	if !m.waiting() {
		return
	}
	text := fmt.Sprintf("%s asks for its password (class code).", ev.Addr)
	if ev.Wrong {
		text = "Wrong password, try again."
		if ev.Code == wire.RefuseTooManyTries {
			text = "Too many wrong passwords."
		}
	}
	if ev.Text != "" && ev.Code != wire.RefusePasswordNeeded {
		text += " The server says: " + ev.Text + "."
	}
	m.ask(&Prompt{Kind: AskPassword, Title: "Server password", Text: text, Wrong: ev.Wrong})
	m.status(text)
}

// Password answers the password prompt.
func (m *Model) Password(pw string) {
	if m.Prompt == nil || m.Prompt.Kind != AskPassword {
		return
	}
	m.ask(nil)
	m.Send(client.SendPassword{Password: pw})
	m.status(fmt.Sprintf("Connecting to %s…", m.Addr))
}

func (m *Model) nickLost(ev client.NickLost) {
	if m.Phase != Chat || m.Link == Ended {
		return
	}
	m.Link, m.Since = Renaming, m.now()
	text := fmt.Sprintf("Your nickname “%s” is now used by someone else", ev.Nick)
	if ev.Text != "" {
		text += " (" + ev.Text + ")"
	}
	text += ". Choose another nickname to continue: your conversations and unsent lines are kept."
	m.Banner = Banner{Text: text, Offline: true}
	m.ch.Phase, m.ch.Users, m.ch.Convs = true, true, true
	m.errorLine(m.Cur, time.Time{}, text)
	m.ask(&Prompt{Kind: AskNick, Title: "Choose another nickname", Text: text, Nick: ev.Nick})
}

// NewNick answers the nickname prompt; it returns false (Hint says why)
// when the nickname cannot be used.
func (m *Model) NewNick(nick string) bool {
	if m.Prompt == nil || m.Prompt.Kind != AskNick {
		return false
	}
	nick = strings.TrimSpace(nick)
	if err := wire.CheckNick(nick); err != nil {
		m.Hint = fmt.Sprintf("That nickname cannot be used: %v.", err)
		return false
	}
	m.ask(nil)
	m.Nick, m.Link = nick, Reconnecting
	m.Send(client.ChangeNick{Nick: nick})
	m.Banner = Banner{Text: fmt.Sprintf("Connecting as %s…", nick), Offline: true}
	m.ch.Phase = true
	return true
}

// ForgetServer removes addr from the trusted servers.
func (m *Model) ForgetServer(addr string) { m.Send(client.ForgetServer{Addr: addr}) }

func (m *Model) serverForgotten(ev client.ServerForgotten) {
	text := fmt.Sprintf("%s was removed from the trusted servers: the next connection asks again.", ev.Addr)
	if !ev.Existed {
		text = fmt.Sprintf("%s was not among the trusted servers.", ev.Addr)
	}
	if m.Phase == Chat {
		m.system(m.Cur, time.Time{}, text)
		return
	}
	m.formInfo(text)
}
