package clientmodel

import (
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

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
func NotEncrypted() string {
	return lang.L("Not encrypted: this server does not use TLS, so anyone on the network can read this chat.")
}

// TrustQuestion ends the trust prompt.
func TrustQuestion() string {
	return lang.L("Compare it with the one the server window shows (or ask the server's admin). Trust this server?")
}

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
	fp := ev.Fingerprint.String()
	first := lang.L("First connection to {{.Server}} at {{.Addr}}. Its identity (fingerprint) is:", vars{"Server": ev.Server, "Addr": ev.Addr})
	if ev.Server == "" {
		first = lang.L("First connection to the server at {{.Addr}}. Its identity (fingerprint) is:", vars{"Addr": ev.Addr})
	}
	announced, matches := m.announced(ev.Addr, ev.Fingerprint)
	m.ask(&Prompt{Kind: AskTrust, Title: lang.L("Trust this server?"), Fingerprint: fp, fp: ev, Announced: announced, Matches: matches,
		Text: first + "\n\n" + fp + "\n\n" + TrustQuestion()})
	m.status(lang.L("First connection to {{.Addr}}: check its fingerprint before you trust it.", vars{"Addr": ev.Addr}))
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
	m.status(lang.L("Trusted {{.Addr}}. Connecting…", vars{"Addr": p.fp.Addr}))
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
		why = lang.L("Not connected: you did not trust the server at {{.Addr}}.", vars{"Addr": m.Addr})
	case AskPassword:
		why = lang.L("Not connected: {{.Addr}} needs its password.", vars{"Addr": m.Addr})
	default:
		why = lang.L("Not connected: no new nickname was chosen.")
	}
	m.Send(client.Disconnect{})
	if m.Phase == Chat {
		m.end(why + " " + lang.L("The conversations stay here to read; connect again to continue them."))
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
	text := lang.L("The server's identity changed: {{.Addr}} does not show the certificate you trusted.", vars{"Addr": ev.Addr}) + "\n\n" +
		lang.L("Trusted: {{.Fingerprint}}", vars{"Fingerprint": ev.Trusted.String()}) + "\n" +
		lang.L("Now:     {{.Fingerprint}}", vars{"Fingerprint": ev.Presented.String()}) + "\n\n" +
		lang.L("Someone may be impersonating the server. Nothing was sent to it. If the server's admin confirms that its identity was renewed, remove the old entry in Chat ▸ Settings… ▸ Trusted servers, then connect again.")
	m.Dialogs = append(m.Dialogs, Dialog{Title: lang.L("The server's identity changed"), Text: text})
	line := strings.ReplaceAll(strings.ReplaceAll(text, "\n\n", " "), "\n", "; ")
	if m.Phase == Chat {
		m.errorLine(m.Cur, time.Time{}, line)
		m.end(lang.L("The server's identity changed; not connected. See Settings ▸ Trusted servers."))
		return
	}
	m.toForm(Idle)
	m.formError(line, "addr")
}

func (m *Model) passwordNeeded(ev client.PasswordNeeded) {
	if !m.waiting() {
		return
	}
	text := lang.L("{{.Addr}} asks for its password (class code).", vars{"Addr": ev.Addr})
	if ev.Wrong {
		text = lang.L("Wrong password, try again.")
		if ev.Code == wire.RefuseTooManyTries {
			text = lang.L("Too many wrong passwords.")
		}
	}
	if ev.Text != "" && ev.Code != wire.RefusePasswordNeeded && English() {
		text += " The server says: " + ev.Text + "."
	}
	m.ask(&Prompt{Kind: AskPassword, Title: lang.L("Server password"), Text: text, Wrong: ev.Wrong})
	m.status(text)
}

// Password answers the password prompt.
func (m *Model) Password(pw string) {
	if m.Prompt == nil || m.Prompt.Kind != AskPassword {
		return
	}
	m.ask(nil)
	m.Send(client.SendPassword{Password: pw})
	m.status(lang.L("Connecting to {{.Addr}}…", vars{"Addr": m.Addr}))
}

func (m *Model) nickLost(ev client.NickLost) {
	if m.Phase != Chat || m.Link == Ended {
		return
	}
	m.Link, m.Since = Renaming, m.now()
	text := lang.L("Your nickname “{{.Nick}}” is now used by someone else. Choose another nickname to continue: your conversations and unsent lines are kept.", vars{"Nick": ev.Nick})
	m.Banner = Banner{Text: text, Offline: true}
	m.ch.Phase, m.ch.Users, m.ch.Convs = true, true, true
	m.errorLine(m.Cur, time.Time{}, text)
	m.ask(&Prompt{Kind: AskNick, Title: lang.L("Choose another nickname"), Text: text, Nick: ev.Nick})
}

// NewNick answers the nickname prompt; it returns false (Hint says why)
// when the nickname cannot be used.
func (m *Model) NewNick(nick string) bool {
	if m.Prompt == nil || m.Prompt.Kind != AskNick {
		return false
	}
	nick = strings.TrimSpace(nick)
	if err := wire.CheckNick(nick); err != nil {
		m.Hint = lang.L("That nickname cannot be used: {{.Why}}.", vars{"Why": NameError(err)})
		return false
	}
	m.ask(nil)
	m.Nick, m.Link = nick, Reconnecting
	m.Send(client.ChangeNick{Nick: nick})
	m.Banner = Banner{Text: lang.L("Connecting as {{.Nick}}…", vars{"Nick": nick}), Offline: true}
	m.ch.Phase = true
	return true
}

// ForgetServer removes addr from the trusted servers.
func (m *Model) ForgetServer(addr string) { m.Send(client.ForgetServer{Addr: addr}) }

func (m *Model) serverForgotten(ev client.ServerForgotten) {
	text := lang.L("{{.Addr}} was removed from the trusted servers: the next connection asks again.", vars{"Addr": ev.Addr})
	if !ev.Existed {
		text = lang.L("{{.Addr}} was not among the trusted servers.", vars{"Addr": ev.Addr})
	}
	if m.Phase == Chat {
		m.system(m.Cur, time.Time{}, text)
		return
	}
	m.formInfo(text)
}
