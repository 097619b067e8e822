// Package datadir finds the server's data directory: the one place its
// files (the history database, and the certificates of the trust work) live.
package datadir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// Default is the platform's per-user data folder for MultiChat:
// $XDG_DATA_HOME/multichat (else ~/.local/share/multichat) on Linux and
// other Unixes, %AppData%\MultiChat on Windows, ~/Library/Application
// Support/MultiChat on macOS.
func Default() (string, error) {
	switch runtime.GOOS {
	case "windows", "darwin":
		dir, err := os.UserConfigDir() // %AppData%; ~/Library/Application Support
		if err != nil {
			return "", err
		}
		return filepath.Join(dir, "MultiChat"), nil
	}
	if x := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "multichat"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", errors.New("no home directory to keep data in; give one with -data")
	}
	return filepath.Join(home, ".local", "share", "multichat"), nil
}

// Resolve returns dir (Default when empty), created if missing (readable by
// its owner only).
func Resolve(dir string) (string, error) {
	if dir == "" {
		d, err := Default()
		if err != nil {
			return "", err
		}
		dir = d
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("cannot create the data directory: %w", err)
	}
	return dir, nil
}
