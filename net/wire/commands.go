package wire

import "strings"

// Slash commands typed in the client's message box and the headless
// server's console are words the user types, not frames: both look their
// Korean names up here, so that the seed's names (and the ones a Korean
// user would guess) work wherever the English ones do. One table, one line
// per alias: add yours in its group.
var commandAliases = map[string]string{
	// The seed's command names.
	"접속인원": "users",    // [접속인원] who is connected
	"강퇴":   "kick",     // [kick]
	"공지":   "announce", // an announcement
	"귓속말":  "msg",      // a private message
	"귓":    "msg",

	// Moderation (console).
	"차단":    "ban",
	"차단해제":  "unban",
	"차단목록":  "bans",
	"음소거":   "mute",
	"음소거해제": "unmute",
	"강의":    "lecture",
	"주제":    "topic",
	"기록":    "log",
	"닉네임해제": "release",
	"비밀번호":  "password",
	"지문":    "fingerprint",
	"종료":    "quit",

	// Rooms and files (client).
}

// CommandName returns the command a slash command's name (without the
// slash) stands for: its English name, lower-cased, for an alias; the name
// itself, lower-cased, otherwise.
func CommandName(name string) string {
	if en, ok := commandAliases[name]; ok {
		return en
	}
	return strings.ToLower(name)
}
