package assets

import "embed"

// Translations holds the interface's translation files, one JSON file per
// language (en.json, ko.json) in go-i18n's format, keyed by the English text
// that the code passes to Fyne's lang.L. Load them with
// lang.AddTranslationsFS(assets.Translations, "translations").
//
//go:embed translations/*.json
var Translations embed.FS
