package client

import (
	"path/filepath"

	"golang.org/x/sys/windows"
)

// diskFree returns the bytes free to this user on dir's volume (or on its
// nearest existing parent's), or -1 when it cannot tell.
func diskFree(dir string) int64 {
	for {
		p, err := windows.UTF16PtrFromString(dir)
		if err != nil {
			return -1
		}
		var free uint64
		if windows.GetDiskFreeSpaceEx(p, &free, nil, nil) == nil {
			return int64(free)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return -1
		}
		dir = parent
	}
}
