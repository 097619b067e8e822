package gui

import (
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/clientmodel"
)

// Preference keys of presence.
const (
	prefAwayAfter = "client.awayafter" // idle minutes before I am shown away; 0: never
	prefTyping    = "client.typing"    // tell others when I am typing
	prefDND       = "client.dnd"       // do not disturb: no notifications
	prefCloseTray = "client.closetray" // closing the window hides it in the tray
)

// awayChoices are the idle times offered, in minutes (0: never).
var awayChoices = []int{0, 5, 10, 15, 30, 60}

// toggleAway switches me between away and here (Chat ▸ Away).
func (w *ClientWindow) toggleAway() {
	w.change(func() { w.m.SetAway(!w.m.Away, "") })
	w.awayItem.Checked = w.m.Away
}

// settingsRows are rows of the Settings dialog and what saves them.
type settingsRows struct {
	items []*widget.FormItem
	save  func()
	keyed []keyed // its widgets that Escape and Enter reach
}

// presenceSettings are the Settings rows for away, typing, do not disturb
// and the tray.
func (w *ClientWindow) presenceSettings(p fyne.Preferences) settingsRows {
	minutes := func(n int) string {
		if n == 0 {
			return lang.L("Never")
		}
		return lang.N("After {{.Count}} minutes idle", n, map[string]any{"Count": n})
	}
	var opts []string
	for _, n := range awayChoices {
		opts = append(opts, minutes(n))
	}
	away := newDialogSelect(opts, nil)
	away.SetSelected(minutes(p.IntWithFallback(prefAwayAfter, 10)))
	if away.Selected == "" {
		away.SetSelected(opts[2])
	}
	typing := newDialogCheck(lang.L("Show others when I am typing"), nil)
	typing.SetChecked(p.BoolWithFallback(prefTyping, true))
	dnd := newDialogCheck(lang.L("Do not disturb: no desktop notifications"), nil)
	dnd.SetChecked(p.Bool(prefDND))
	tray := newDialogCheck(lang.L("Closing the window keeps MultiChat in the system tray"), nil)
	tray.SetChecked(p.Bool(prefCloseTray))
	items := []*widget.FormItem{
		widget.NewFormItem(lang.L("Away"), away),
		widget.NewFormItem(lang.L("Typing"), typing),
		widget.NewFormItem(lang.L("Do not disturb"), dnd),
		widget.NewFormItem(lang.L("System tray"), tray),
	}
	return settingsRows{items: items, keyed: []keyed{away, typing, dnd, tray}, save: func() {
		for i, o := range opts {
			if o == away.Selected {
				p.SetInt(prefAwayAfter, awayChoices[i])
			}
		}
		p.SetBool(prefTyping, typing.Checked)
		p.SetBool(prefDND, dnd.Checked)
		p.SetBool(prefCloseTray, tray.Checked)
		w.presencePrefs()
	}}
}

// presencePrefs hands the presence settings to the model.
func (w *ClientWindow) presencePrefs() {
	p := w.app.Preferences()
	w.m.AwayAfter = p.IntWithFallback(prefAwayAfter, 10)
	w.m.SendTyping = p.BoolWithFallback(prefTyping, true)
}

// awayLabel marks a name (or a header) as away, with the away text.
func awayLabel(name, text string) string {
	if text != "" {
		return lang.L("{{.Name}} — away: {{.Text}}", map[string]any{"Name": name, "Text": text})
	}
	return lang.L("{{.Name}} — away", map[string]any{"Name": name})
}

// notifying reports whether desktop notifications may be sent now: they
// are on, do not disturb is off, and I am not away.
func (w *ClientWindow) notifying() bool {
	p := w.app.Preferences()
	return p.BoolWithFallback(prefNotify, true) && !p.Bool(prefDND) && !w.m.Away
}

// drawTyping shows who is typing in the conversation on screen, and clears
// the line when it expires.
func (w *ClientWindow) drawTyping() {
	line, next := w.m.TypingLine(w.shown)
	if w.m.Phase != clientmodel.Chat {
		line = ""
	}
	if line != w.typingLine.Text {
		w.typingLine.SetText(line)
	}
	if w.typingLine.Hidden != (line == "") {
		show(w.typingLine, line != "")
		w.bottom.Refresh() // lay the entry out again around the line
	}
	if w.typingTimer != nil {
		w.typingTimer.Stop()
		w.typingTimer = nil
	}
	if !next.IsZero() {
		w.typingTimer = time.AfterFunc(time.Until(next)+50*time.Millisecond, func() {
			uiLater(w.drawTyping)
		})
	}
}

// uiLater runs f on Fyne's goroutine, from a timer. Tests replace it
// (setUILater): the test driver would run f at once on the timer's
// goroutine, racing with the test's own. It is kept atomically: the timers
// of windows from earlier tests may still fire while a test replaces it.
func uiLater(f func()) { (*uiLaterFn.Load())(f) }

var uiLaterFn atomic.Pointer[func(func())]

func setUILater(fn func(func())) { uiLaterFn.Store(&fn) }

func init() { setUILater(fyne.Do) }

// idleEvery is how often the window checks for idle minutes.
const idleEvery = 30 * time.Second

// startIdleTicker checks every half minute whether the user has been idle
// long enough to be shown away; it ends with the window.
func (w *ClientWindow) startIdleTicker() {
	go func() {
		t := time.NewTicker(idleEvery)
		defer t.Stop()
		for {
			select {
			case <-w.closed:
				return
			case <-t.C:
				uiLater(func() { w.change(w.m.IdleCheck) })
			}
		}
	}()
}

// typed hands the entry's text to the model (a typing notice), and retries
// when the model's limit held the notice back.
func (w *ClientWindow) typed(text string) {
	var retry time.Time
	w.change(func() { retry = w.m.Typed(text) })
	if w.typingRetry != nil {
		w.typingRetry.Stop()
		w.typingRetry = nil
	}
	if !retry.IsZero() {
		w.typingRetry = time.AfterFunc(time.Until(retry)+10*time.Millisecond, func() {
			uiLater(func() { w.typed(w.input.Text) })
		})
	}
}
