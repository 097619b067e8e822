package gui

import (
	"os"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/assets"
)

// prefLanguage is the language preference shared by both apps' settings:
// "" (or "system") follows the system locale, "en" or "ko" forces one.
const prefLanguage = "language"

// Languages the interface is translated into, as offered in the settings;
// the first follows the system locale.
var Languages = []struct{ Code, Name string }{
	{"system", ""}, // named by languageName, in the language shown
	{"en", "English"},
	{"ko", "한국어"},
}

// languageName is how the settings list a language code.
func languageName(code string) string {
	for _, l := range Languages[1:] {
		if l.Code == code {
			return l.Name
		}
	}
	return lang.L("Same as the system")
}

// SetupLanguage loads the interface's translations and picks the language:
// the one chosen in the settings (p, which may be nil), else the system's
// locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG: LANG=ko_KR.UTF-8 gives
// Korean), else English. Call it before any window is built: strings are
// translated when a window makes them, so a change of language shows from
// the next start.
func SetupLanguage(p fyne.Preferences) {
	code := ""
	if p != nil {
		code = p.String(prefLanguage)
	}
	forceLanguage(code)
	if err := lang.AddTranslationsFS(assets.Translations, "translations"); err != nil {
		fyne.LogError("Loading the translations", err)
	}
}

// forceLanguage makes the locale Fyne's lang package reads (through
// go-locale, from the environment) say code, unless code is "" or
// "system". LANGUAGE takes precedence over LANG and LC_MESSAGES, but is
// ignored when the locale is C or POSIX, which are then replaced for
// messages only.
func forceLanguage(code string) {
	if code == "" || code == "system" {
		return
	}
	_ = os.Setenv("LANGUAGE", code)
	cPosix := func(v string) bool { return v == "C" || v == "POSIX" || v == "C.UTF-8" }
	switch all := os.Getenv("LC_ALL"); {
	case cPosix(all):
		_ = os.Setenv("LC_ALL", code)
	case all != "":
	case cPosix(os.Getenv("LC_MESSAGES")):
		_ = os.Setenv("LC_MESSAGES", code)
	case os.Getenv("LC_MESSAGES") != "":
	case os.Getenv("LANG") == "" || cPosix(os.Getenv("LANG")):
		_ = os.Setenv("LC_MESSAGES", code)
	}
}

// languageChoice is the Language row of a settings dialog.
type languageChoice struct {
	Select *dialogSelect
	save   func()
}

// languageSelect offers the interface's languages; save stores the choice
// (used from the next start).
func languageSelect(p fyne.Preferences) languageChoice {
	var names []string
	for _, l := range Languages {
		names = append(names, languageName(l.Code))
	}
	sel := newDialogSelect(names, nil)
	cur := p.String(prefLanguage)
	sel.SetSelected(names[0])
	for i, l := range Languages {
		if l.Code == cur {
			sel.SetSelected(names[i])
		}
	}
	return languageChoice{Select: sel, save: func() {
		if i := slices.Index(names, sel.Selected); i >= 0 {
			p.SetString(prefLanguage, Languages[i].Code)
		}
	}}
}

// showLanguageDialog asks for the interface's language (the server window
// has no other settings); the choice is used from the next start.
func showLanguageDialog(a fyne.App, win fyne.Window) {
	choice := languageSelect(a.Preferences())
	item := widget.NewFormItem(lang.L("Language"), choice.Select)
	item.HintText = lang.L("Used from the next start of MultiChat.")
	d := dialog.NewForm(lang.L("Language"), lang.L("Save"), lang.L("Cancel"), []*widget.FormItem{item}, func(ok bool) {
		if ok {
			choice.save()
		}
	}, win)
	dialogKeysTo(d, d.Submit, choice.Select)
	d.Show()
}
