package main

import (
	"testing"

	"go.uber.org/goleak"
)

// Every scenario closes its connections and waits for its goroutines, and
// every test stops its server: nothing may be left running.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
