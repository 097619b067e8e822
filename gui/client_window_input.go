package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/multichat/multichat/gui/clientmodel"
)

// submit handles Enter in the message entry: a chat line or a command. The
// entry is cleared only when the line was accepted; otherwise the text stays
// and a hint under the entry says why.
func (w *ClientWindow) submit(text string) {
	var accepted bool
	w.change(func() { accepted = w.m.Submit(text) })
	if accepted {
		w.input.SetText("")
		w.setHint("")
	}
	w.win.Canvas().Focus(w.input)
}

func (w *ClientWindow) setHint(text string) {
	w.inputHint.SetText(text)
	show(w.inputHint, text != "")
}

func (w *ClientWindow) showHelp() {
	if w.m.Cur == nil {
		return
	}
	w.m.Submit("/help")
}

func (w *ClientWindow) leaveCurrent() {
	w.change(func() { w.m.Leave(w.m.Cur) })
}

// Keyboard shortcuts of the chat view.
var (
	scSwitcher = &desktop.CustomShortcut{KeyName: fyne.KeyK, Modifier: fyne.KeyModifierShortcutDefault}
	scNext     = &desktop.CustomShortcut{KeyName: fyne.KeyTab, Modifier: fyne.KeyModifierControl}
	scPrev     = &desktop.CustomShortcut{KeyName: fyne.KeyTab, Modifier: fyne.KeyModifierControl | fyne.KeyModifierShift}
	scUp       = &desktop.CustomShortcut{KeyName: fyne.KeyUp, Modifier: fyne.KeyModifierAlt}
	scDown     = &desktop.CustomShortcut{KeyName: fyne.KeyDown, Modifier: fyne.KeyModifierAlt}
	scClose    = &desktop.CustomShortcut{KeyName: fyne.KeyW, Modifier: fyne.KeyModifierShortcutDefault}
	scFind     = &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}
)

// shortcut runs the chat view's shortcut s and reports whether it was one.
func (w *ClientWindow) shortcut(s fyne.Shortcut) bool {
	if w.m.Phase != clientmodel.Chat {
		return false
	}
	switch s.ShortcutName() {
	case scSwitcher.ShortcutName():
		w.showSwitcher()
	case scNext.ShortcutName(), scDown.ShortcutName():
		w.change(func() { w.m.Step(1) })
	case scPrev.ShortcutName(), scUp.ShortcutName():
		w.change(func() { w.m.Step(-1) })
	case scClose.ShortcutName():
		w.leaveCurrent()
	case scFind.ShortcutName():
		w.showSearch()
	case (&fyne.ShortcutCopy{}).ShortcutName():
		if w.selected < 0 {
			return false
		}
		w.copyEntry(w.selected)
	default:
		return false
	}
	return true
}

func (w *ClientWindow) addShortcuts() {
	for _, s := range []fyne.Shortcut{scSwitcher, scNext, scPrev, scUp, scDown, scClose, scFind, &fyne.ShortcutCopy{}} {
		w.win.Canvas().AddShortcut(s, func(s fyne.Shortcut) { w.shortcut(s) })
	}
}

// chatEntry is the message entry: the chat view's shortcuts work while it has
// the focus, Tab completes nicknames, and Ctrl+C copies the selected log
// line when no text of the entry is selected. Enter waits for an input
// method's last syllable (imeEntry).
type chatEntry struct {
	imeEntry
	w *ClientWindow
}

func newChatEntry(w *ClientWindow) *chatEntry {
	e := &chatEntry{w: w}
	e.ExtendBaseWidget(e)
	return e
}

// AcceptsTab lets Tab reach TypedKey (completion) instead of moving focus.
func (e *chatEntry) AcceptsTab() bool { return true }

func (e *chatEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name != fyne.KeyTab {
		e.imeEntry.TypedKey(k)
		return
	}
	e.flush()
	w := e.w
	if w.completeN == 0 {
		w.completeFrom = e.Text
	}
	if text, ok := w.m.Complete(w.completeFrom, w.completeN); ok {
		e.SetText(text)
		e.CursorColumn = len([]rune(text))
		e.Refresh()
		w.completeN++ // after SetText, whose OnChanged resets it
	}
}

func (e *chatEntry) TypedShortcut(s fyne.Shortcut) {
	e.flush()
	if _, copy := s.(*fyne.ShortcutCopy); copy && e.SelectedText() != "" {
		e.Entry.TypedShortcut(s)
		return
	}
	if !e.w.shortcut(s) {
		e.Entry.TypedShortcut(s)
	}
}
