package clientmodel

import (
	"time"

	"fyne.io/fyne/v2/lang"
)

// SetAway marks me away (with an optional text) or back, by hand.
func (m *Model) SetAway(away bool, text string) {
	m.Away, m.AwayText = away, text
	if away {
		m.system(m.Cur, time.Time{}, lang.L("You are shown as away."))
	} else {
		m.system(m.Cur, time.Time{}, lang.L("You are shown as here again."))
	}
}
