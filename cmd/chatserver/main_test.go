package main

import (
	"os"
	"testing"
)

// TestMain keeps the tests' history databases out of the real data folder.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "chatserver-test-data-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_DATA_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
