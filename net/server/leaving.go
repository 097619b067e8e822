package server

import (
	"strings"

	"github.com/multichat/multichat/net/wire"
)

// maxLeavingWords bounds the words a user leaves with (IRC's PART and QUIT
// reasons): a line, not a message.
const maxLeavingWords = 300

// leavingWords returns the words c leaves a room or the server with, as the
// others see them in Left: one line, checked like chat text, and nothing
// for a muted user (a way out is not a way around the mute) or for words
// the server would refuse as a message.
func (h *hub) leavingWords(c *conn, text string) string {
	if text == "" || c.muted != nil || h.mod.all != "" {
		return ""
	}
	text = strings.TrimSpace(strings.Join(strings.Fields(text), " "))
	if _, err := wire.CheckText(text, min(h.cfg.MaxText, maxLeavingWords)); err != nil {
		return ""
	}
	return text
}
