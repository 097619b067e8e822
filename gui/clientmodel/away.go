package clientmodel

import (
	"fmt"

	"fyne.io/fyne/v2/lang"

	"github.com/multichat/multichat/net/client"
)

// Private messages kept by the server while a user was offline (see
// net/wire/PROTOCOL.md, "Private history and offline delivery").

// away shows the private messages sent while I was away, each private chat
// headed by a line that says so; they count as new and unread.
func (m *Model) away(ev client.Away) {
	var prev *Conv
	for _, msg := range ev.Messages {
		peer := msg.From
		if msg.Mine {
			peer = msg.To
		}
		if c := m.PrivateConv(peer); c != prev {
			if ev.Earlier > 0 && prev == nil {
				m.system(c, msg.Time, fmt.Sprintf(lang.L("%d earlier messages were sent while you were away"), ev.Earlier))
			}
			m.system(c, msg.Time, lang.L("Sent while you were away:"))
			prev = c
		}
		m.message(msg)
	}
}

// queued says in the private chat with To that my message waits for them.
func (m *Model) queued(ev client.Queued) {
	m.system(m.PrivateConv(ev.To), m.now(), fmt.Sprintf(
		lang.L("%s is offline: they will get your message when they next connect"), ev.To))
}
