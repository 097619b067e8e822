package client

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzSanitizeFileName: whatever a server offers as a name, the name saved
// is one plain file name in the download folder: not empty, at most 200
// bytes of valid UTF-8, no path separators, control, format or reserved
// characters, no leading dot, no trailing dot or space, not a Windows device
// name; and sanitising it again changes nothing.
func FuzzSanitizeFileName(f *testing.F) {
	for _, s := range []string{"report.pdf", "../../.bashrc", `C:\Windows\system32\CON.txt`, "보고서.pdf",
		"a\x00b\u202e.exe", "....", " . ", "COM1", "nul.tar.gz", strings.Repeat("가", 100) + ".txt",
		strings.Repeat("x", 199) + " .y", "\xff\xfe", "a/b/", "file.", "<>:\"|?*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := sanitizeFileName(name)
		switch {
		case got == "" || len(got) > 200 || !utf8.ValidString(got):
			t.Fatalf("%q → %q: empty, too long or not UTF-8", name, got)
		case strings.ContainsAny(got, "/\\<>:\"|?*"):
			t.Fatalf("%q → %q: separator or reserved character", name, got)
		case strings.HasPrefix(got, ".") || strings.HasSuffix(got, ".") || strings.HasSuffix(got, " "):
			t.Fatalf("%q → %q: leading dot or trailing dot or space", name, got)
		case filepath.Base(got) != got:
			t.Fatalf("%q → %q: not a plain file name", name, got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("%q → %q: control or format character %U", name, got, r)
			}
		}
		if stem, _, _ := strings.Cut(got, "."); windowsReserved[strings.ToUpper(stem)] {
			t.Fatalf("%q → %q: a Windows device name", name, got)
		}
		if again := sanitizeFileName(got); again != got {
			t.Fatalf("%q → %q → %q: not stable", name, got, again)
		}
	})
}
