package client

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestXDGDownloadDir(t *testing.T) {
	home := t.TempDir()
	file := filepath.Join(t.TempDir(), "user-dirs.dirs")
	for _, tc := range []struct{ content, want string }{
		{"# written by xdg-user-dirs-update\nXDG_DESKTOP_DIR=\"$HOME/바탕화면\"\nXDG_DOWNLOAD_DIR=\"$HOME/다운로드\"\n", filepath.Join(home, "다운로드")},
		{"XDG_DOWNLOAD_DIR=\"/srv/받은 파일\"\n", "/srv/받은 파일"},
		{"XDG_DOWNLOAD_DIR=\"$HOME/\"\n", ""}, // disabled
		{"XDG_DOWNLOAD_DIR=$HOME/x\n", ""},    // not quoted
		{"XDG_DOCUMENTS_DIR=\"$HOME/문서\"\n", ""},
	} {
		if err := os.WriteFile(file, []byte(tc.content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := xdgDownloadDir(file, home); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.content, got, tc.want)
		}
	}
	if got := xdgDownloadDir(filepath.Join(home, "missing"), home); got != "" {
		t.Errorf("missing file: %q", got)
	}
}

// On a Korean Linux desktop received files go to ~/다운로드.
func TestDefaultDownloadDirKorean(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		t.Skip("XDG user dirs are for Linux and BSD desktops")
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	os.MkdirAll(filepath.Join(home, ".config"), 0o755)
	os.WriteFile(filepath.Join(home, ".config", "user-dirs.dirs"), []byte("XDG_DOWNLOAD_DIR=\"$HOME/다운로드\"\n"), 0o644)
	if got, want := DefaultDownloadDir(), filepath.Join(home, "다운로드"); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	os.Remove(filepath.Join(home, ".config", "user-dirs.dirs"))
	os.Mkdir(filepath.Join(home, "Downloads"), 0o755)
	if got, want := DefaultDownloadDir(), filepath.Join(home, "Downloads"); got != want {
		t.Fatalf("without user-dirs.dirs: got %q, want %q", got, want)
	}
}
