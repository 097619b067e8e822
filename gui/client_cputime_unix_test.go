//go:build unix

package gui

import (
	"syscall"
	"time"
)

// cpuTime is the process's user+system CPU time so far (all threads, GC
// included), which unlike wall time does not grow when other processes share
// the cores.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
