//go:build !unix && !windows

package client

// diskFree cannot tell on this system.
func diskFree(string) int64 { return -1 }
