package client

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// DefaultDownloadDir is where received files go unless the user chose a
// folder: the desktop's download folder (XDG_DOWNLOAD_DIR from
// user-dirs.dirs on Linux and BSD, which is ~/다운로드 on a Korean desktop;
// the Downloads known folder on Windows; ~/Downloads elsewhere), else the
// home folder.
func DefaultDownloadDir() string {
	if dir := knownDownloads(); dir != "" {
		return dir
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "received_files")
	}
	if runtime.GOOS != "windows" && runtime.GOOS != "darwin" {
		config := os.Getenv("XDG_CONFIG_HOME")
		if config == "" {
			config = filepath.Join(home, ".config")
		}
		if dir := xdgDownloadDir(filepath.Join(config, "user-dirs.dirs"), home); dir != "" {
			return dir
		}
	}
	if fi, err := os.Stat(filepath.Join(home, "Downloads")); err == nil && fi.IsDir() {
		return filepath.Join(home, "Downloads")
	}
	return home
}

// xdgDownloadDir reads XDG_DOWNLOAD_DIR from a user-dirs.dirs file
// (lines like XDG_DOWNLOAD_DIR="$HOME/다운로드"). It returns "" when the
// file or the line is missing, or names the home folder itself (which the
// specification says means the folder is disabled).
func xdgDownloadDir(file, home string) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		val, ok := strings.CutPrefix(line, "XDG_DOWNLOAD_DIR=")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		if len(val) < 2 || val[0] != '"' || val[len(val)-1] != '"' {
			return ""
		}
		val = val[1 : len(val)-1]
		switch {
		case val == "$HOME" || val == "$HOME/":
			return ""
		case strings.HasPrefix(val, "$HOME/"):
			return filepath.Join(home, filepath.FromSlash(val[len("$HOME/"):]))
		case filepath.IsAbs(val):
			return filepath.Clean(val)
		}
		return "" // only $HOME/… and absolute paths are allowed
	}
	return ""
}
