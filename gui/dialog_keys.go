package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// Fyne hands a key to the focused widget only, and a check box, a select or
// a radio button ignores Escape and Enter: in a dialog, with one of them
// focused, neither key did anything. The dialogs' check boxes and selects
// are these: Escape closes the dialog and Enter does what its main button
// does, as in its entries. (Themes and other one-of-a-few choices in
// dialogs are selects, not radio groups: a radio group's buttons are
// Fyne's own unexported widgets and cannot be taught the keys.)

// dialogKeys are what Escape and Enter do in a dialog's widget.
type dialogKeys struct {
	onEscape func()
	onEnter  func()
}

// typedKey runs what the key does in the dialog, and reports whether it
// did anything.
func (k *dialogKeys) typedKey(ev *fyne.KeyEvent) bool {
	switch {
	case ev.Name == fyne.KeyEscape && k.onEscape != nil:
		k.onEscape()
	case (ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter) && k.onEnter != nil:
		k.onEnter()
	default:
		return false
	}
	return true
}

func (k *dialogKeys) keys() *dialogKeys { return k }

// dialogCheck is a check box in a dialog (Space toggles it, as in any).
type dialogCheck struct {
	widget.Check
	dialogKeys
}

func newDialogCheck(text string, changed func(bool)) *dialogCheck {
	c := &dialogCheck{}
	c.Text, c.OnChanged = text, changed
	c.ExtendBaseWidget(c)
	return c
}

func (c *dialogCheck) TypedKey(ev *fyne.KeyEvent) {
	if !c.typedKey(ev) {
		c.Check.TypedKey(ev)
	}
}

// dialogSelect is a select in a dialog (Space and ↑/↓ open its list, ←/→
// change it, as in any).
type dialogSelect struct {
	widget.Select
	dialogKeys
}

func newDialogSelect(options []string, changed func(string)) *dialogSelect {
	s := &dialogSelect{}
	s.Options, s.OnChanged = options, changed
	s.ExtendBaseWidget(s)
	return s
}

func (s *dialogSelect) TypedKey(ev *fyne.KeyEvent) {
	if !s.typedKey(ev) {
		s.Select.TypedKey(ev)
	}
}

// keyed is a dialog widget that Escape and Enter reach.
type keyed interface{ keys() *dialogKeys }

// dialogKeysTo makes Escape close d and Enter run onEnter (nil: close d)
// in the given widgets of d.
func dialogKeysTo(d dialog.Dialog, onEnter func(), ws ...keyed) {
	if onEnter == nil {
		onEnter = d.Hide
	}
	for _, w := range ws {
		k := w.keys()
		k.onEscape, k.onEnter = d.Hide, onEnter
	}
}
