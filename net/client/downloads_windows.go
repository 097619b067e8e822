package client

import "golang.org/x/sys/windows"

// knownDownloads is the Downloads known folder.
func knownDownloads() string {
	dir, err := windows.KnownFolderPath(windows.FOLDERID_Downloads, 0)
	if err != nil {
		return ""
	}
	return dir
}
