//go:build !windows

package client

// knownDownloads: no system call names the folder here; see
// DefaultDownloadDir.
func knownDownloads() string { return "" }
