package gui

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/multichat/multichat/assets"
)

// TestMain runs the package's tests in English, with the translations
// loaded (English plurals come from en.json), whatever the machine's locale.
func TestMain(m *testing.M) {
	forceLanguage("en")
	SetupLanguage(nil)
	setUILater(func(func()) {}) // timers (typing lines, idle) do not reach the windows under test
	imeWait = 0                 // Enter submits at once (TestIMEEnter holds it as a person's run does)
	os.Exit(m.Run())
}

// A string key found in the sources, with where it was found.
type i18nKey struct {
	key, pos string
}

// i18nSources are the directories whose strings a person reads: both
// windows and their models.
var i18nSources = []string{".", "clientmodel", "servermodel"}

// userTextCalls are functions and methods whose string arguments a person
// reads; a plain (untranslated) literal in one of them is a finding.
var userTextCalls = map[string]bool{
	"NewLabel": true, "NewLabelWithStyle": true, "NewButton": true, "NewButtonWithIcon": true, "NewCheck": true,
	"SetText": true, "SetPlaceHolder": true, "NewMenuItem": true, "NewMenu": true, "NewFormItem": true,
	"NewCustom": true, "NewCustomConfirm": true, "NewForm": true, "NewInformation": true, "NewConfirm": true,
	"NewTabItem": true, "NewTabItemWithIcon": true, "NewNotification": true, "NewHyperlink": true,
	"SetTitle": true, "newDialogCheck": true, "newDialogSelect": true, "NewRadioGroup": true, "ShowInformation": true, "NewError": true, "ShowConfirm": true,
}

// langCalls are the lang functions that take a key first.
var langCalls = map[string]bool{"L": true, "N": true, "X": true, "XN": true, "Localize": true, "LocalizeKey": true,
	"LocalizePlural": true, "LocalizePluralKey": true}

// notWords are literals that may stay as they are in any language.
var notWords = map[string]bool{"MultiChat": true, "English": true, "한국어": true}

var latinWord = regexp.MustCompile(`[A-Za-z]{2,}`)

// scanI18n parses the sources and returns the keys given to lang.L, lang.N,
// lang.X and lang.XN, and the findings: a non-literal key, or a plain
// literal where a person reads it.
func scanI18n(t *testing.T) (keys []i18nKey, findings []string) {
	t.Helper()
	fset := token.NewFileSet()
	for _, dir := range i18nSources {
		for _, f := range parseSources(t, fset, dir) {
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				var name string
				switch fn := call.Fun.(type) {
				case *ast.SelectorExpr:
					name = fn.Sel.Name
					if pkg, ok := fn.X.(*ast.Ident); ok && pkg.Name == "lang" && langCalls[name] {
						if len(call.Args) == 0 {
							return true
						}
						s, ok := literal(call.Args[0])
						if !ok {
							findings = append(findings, fset.Position(call.Pos()).String()+": lang."+name+" with a key that is not a string literal")
							return true
						}
						keys = append(keys, i18nKey{s, fset.Position(call.Pos()).String()})
						return true // its data may hold more lang calls
					}
				case *ast.Ident:
					name = fn.Name
				}
				if !userTextCalls[name] {
					return true
				}
				for _, a := range call.Args {
					if s, ok := literal(a); ok && latinWord.MatchString(s) && !notWords[s] {
						findings = append(findings, fset.Position(a.Pos()).String()+": untranslated "+strconv.Quote(s)+" (use lang.L)")
					}
				}
				return true
			})
		}
	}
	return keys, findings
}

// parseSources parses the Go sources in dir (not the tests).
func parseSources(t *testing.T, fset *token.FileSet, dir string) []*ast.File {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no Go sources in %s: %v", dir, err)
	}
	var files []*ast.File
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

// literal is the value of a string literal, or of a + of them.
func literal(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		}
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			a, ok1 := literal(e.X)
			b, ok2 := literal(e.Y)
			return a + b, ok1 && ok2
		}
	case *ast.ParenExpr:
		return literal(e.X)
	}
	return "", false
}

// translations reads one of the embedded translation files: each key and
// its text (for a plural, its forms joined).
func translations(t *testing.T, name string) map[string]string {
	t.Helper()
	data, err := fs.ReadFile(assets.Translations, "translations/"+name)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
			continue
		}
		var forms map[string]string
		if err := json.Unmarshal(v, &forms); err != nil {
			t.Fatalf("%s: %q is neither a text nor plural forms: %v", name, k, err)
		}
		var all []string
		for _, f := range []string{"zero", "one", "two", "few", "many", "other"} {
			if forms[f] != "" {
				all = append(all, forms[f])
			}
		}
		if forms["other"] == "" {
			t.Errorf("%s: %q has no \"other\" form", name, k)
		}
		out[k] = strings.Join(all, "\n")
	}
	return out
}

var printfVerb = regexp.MustCompile(`%[-+# 0]*[0-9.]*[a-zA-Z%]`)

// verbs are the Printf verbs of a key used with fmt.Sprintf(lang.L(key), …).
func verbs(s string) []string { return printfVerb.FindAllString(s, -1) }

var templateField = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func fields(s string) []string {
	var out []string
	for _, m := range templateField.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}

// TestTranslationsComplete checks that every string the windows show goes
// through lang and has a Korean translation that uses the same fields.
// Adding strings: write lang.L("Plain English") in gui; this test then
// prints the missing entries as JSON lines to paste into
// assets/translations/ko.json with their Korean text.
func TestTranslationsComplete(t *testing.T) {
	keys, findings := scanI18n(t)
	for _, f := range findings {
		t.Error(f)
	}
	if len(keys) < 100 {
		t.Fatalf("found %d keys: the scan is broken", len(keys))
	}
	ko := translations(t, "ko.json")
	en := translations(t, "en.json")
	seen := map[string]bool{}
	var missing []string
	for _, k := range keys {
		if seen[k.key] {
			continue
		}
		seen[k.key] = true
		tr, ok := ko[k.key]
		if !ok {
			q, _ := json.Marshal(k.key)
			missing = append(missing, "\t"+string(q)+": \"\",  // "+k.pos)
			continue
		}
		if tr == "" {
			t.Errorf("%s: empty Korean text for %q", k.pos, k.key)
		}
		if want, got := fields(k.key), fields(tr); !slices.Equal(want, got) {
			// A plural's forms may leave out .Count (Korean says "명" once).
			if got = slices.DeleteFunc(got, func(s string) bool { return s == "Count" }); !slices.Equal(slices.DeleteFunc(want, func(s string) bool { return s == "Count" }), got) {
				t.Errorf("%s: %q: Korean uses fields %v, English %v", k.pos, k.key, fields(tr), fields(k.key))
			}
		}
		if want, got := verbs(k.key), verbs(tr); !slices.Equal(want, got) {
			t.Errorf("%s: %q: Korean has the Printf verbs %q, English %q (same ones, same order)", k.pos, k.key, got, want)
		}
		if e, ok := en[k.key]; ok && !slices.Equal(fields(e), fields(k.key)) {
			t.Errorf("en.json: %q uses fields %v, the key %v", k.key, fields(e), fields(k.key))
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d strings have no Korean translation; add to assets/translations/ko.json:\n%s", len(missing), strings.Join(missing, "\n"))
	}
	for k := range ko {
		if !seen[k] {
			t.Logf("ko.json: %q is not used (any more?)", k)
		}
	}
}
