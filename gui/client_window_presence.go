package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
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
	away := widget.NewSelect(opts, nil)
	away.SetSelected(minutes(p.IntWithFallback(prefAwayAfter, 10)))
	if away.Selected == "" {
		away.SetSelected(opts[2])
	}
	typing := widget.NewCheck(lang.L("Show others when I am typing"), nil)
	typing.SetChecked(p.BoolWithFallback(prefTyping, true))
	dnd := widget.NewCheck(lang.L("Do not disturb: no desktop notifications"), nil)
	dnd.SetChecked(p.Bool(prefDND))
	tray := widget.NewCheck(lang.L("Closing the window keeps MultiChat in the system tray"), nil)
	tray.SetChecked(p.Bool(prefCloseTray))
	items := []*widget.FormItem{
		widget.NewFormItem(lang.L("Away"), away),
		widget.NewFormItem(lang.L("Typing"), typing),
		widget.NewFormItem(lang.L("Do not disturb"), dnd),
		widget.NewFormItem(lang.L("System tray"), tray),
	}
	return settingsRows{items: items, save: func() {
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
