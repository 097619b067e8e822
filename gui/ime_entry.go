package gui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// imeWait is how long Enter waits for an input method's commit (tests of
// other things set it to 0: Enter then submits at once).
var imeWait = 120 * time.Millisecond

// imeEntry is a one-line entry whose Enter does not cut off the syllable
// an input method is composing. On Linux, Fyne (through GLFW's XIM) gets
// the Enter key at once, while ibus-hangul's commit of the syllable being
// composed comes back from the input method afterwards, as text with no
// key of its own: submitted at once, the message lost its last syllable
// and the syllable landed in the emptied entry. So Enter is held back
// until that text comes (it is typed in, then the entry submits), until
// another key is pressed (which no commit precedes), or at most imeWait.
type imeEntry struct {
	widget.Entry
	held  *fyne.KeyEvent // the Enter waiting
	heldN int            // counts Enters, so that a late timer submits nothing
}

func newIMEEntry() *imeEntry {
	e := &imeEntry{}
	e.ExtendBaseWidget(e)
	return e
}

func (e *imeEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name != fyne.KeyReturn && k.Name != fyne.KeyEnter {
		e.flush()
		e.Entry.TypedKey(k)
		return
	}
	e.flush()
	if imeWait <= 0 {
		e.Entry.TypedKey(k)
		return
	}
	e.held = k
	e.heldN++
	n := e.heldN
	time.AfterFunc(imeWait, func() {
		uiLater(func() {
			if e.heldN == n {
				e.flush()
			}
		})
	})
}

// TypedRune types r; while Enter waits, r is the input method's commit,
// and the entry submits once the commit's runes are in.
func (e *imeEntry) TypedRune(r rune) {
	e.Entry.TypedRune(r)
	if e.held != nil {
		n := e.heldN
		fyne.Do(func() {
			if e.heldN == n {
				e.flush()
			}
		})
	}
}

// KeyDown: a key pressed after Enter comes after any commit.
func (e *imeEntry) KeyDown(k *fyne.KeyEvent) {
	e.flush()
	e.Entry.KeyDown(k)
}

func (e *imeEntry) TypedShortcut(s fyne.Shortcut) {
	e.flush()
	e.Entry.TypedShortcut(s)
}

func (e *imeEntry) FocusLost() {
	e.flush()
	e.Entry.FocusLost()
}

// flush submits the Enter that waits, if one does.
func (e *imeEntry) flush() {
	if k := e.held; k != nil {
		e.held = nil
		e.heldN++
		e.Entry.TypedKey(k)
	}
}
