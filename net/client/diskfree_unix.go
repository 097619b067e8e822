//go:build unix

package client

import (
	"path/filepath"
	"syscall"
)

// diskFree returns the bytes free to this user on dir's file system (or on
// its nearest existing parent's), or -1 when it cannot tell.
func diskFree(dir string) int64 {
	for {
		var st syscall.Statfs_t
		if err := syscall.Statfs(dir, &st); err == nil {
			return int64(st.Bavail) * int64(st.Bsize)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return -1
		}
		dir = parent
	}
}
