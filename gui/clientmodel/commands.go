package clientmodel

import (
	"strings"

	"fyne.io/fyne/v2/lang"
)

// A command the message entry understands: its name, the other names it
// answers to (Korean ones among them: what a Korean user would guess), and
// its line in /help. Add a command here and a case in Submit; /help lists
// them in this order.
type command struct {
	name    string
	aliases []string
	// help is "/name ARGS — what it does", in the interface's language;
	// nil: the line before says it (and lists this one's other names).
	help func() string
}

var commands = []command{
	{"help", []string{"?", "도움말", "도움", "명령어"}, func() string { return lang.L("/help — this list") }},
	{"users", []string{"who", "names", "접속인원", "사용자", "누구"}, func() string { return lang.L("/users — who is in this conversation") }},
	{"join", []string{"방", "입장", "참여"}, func() string {
		return lang.L("/join NAME — join a room (it is created if needed); or use Rooms ▸ Join or create…")
	}},
	{"leave", []string{"part", "close", "나가기", "퇴장", "닫기"}, func() string {
		return lang.L("/leave — leave this room, or close this private chat (Ctrl+W)")
	}},
	{"rooms", []string{"list", "방목록"}, func() string { return lang.L("/rooms — list the rooms and how many are in each") }},
	{"msg", []string{"query", "m", "귓속말", "귓", "귓말"}, func() string {
		return lang.L("/msg NICK text — send a private message (opens a private chat)")
	}},
	{"send", []string{"file", "파일", "보내기"}, func() string { return lang.L("/send PATH — send a file to this conversation") }},
	{"search", []string{"find", "검색", "찾기"}, func() string {
		return lang.L("/search WORDS — search the server's history of your rooms and private chats (Ctrl+F)")
	}},
	{"away", []string{"자리비움", "비움"}, func() string { return lang.L("/away [text] — show others you are away; /back when you return") }},
	{"back", []string{"복귀", "돌아옴"}, func() string { return lang.L("/back — show others you are here again") }},
	// A room operator's commands share one line of /help.
	{"topic", []string{"주제", "방제목"}, func() string {
		return lang.L("/topic [text], /kick NICK [reason], /op NICK, /deop NICK — for a room's operators; /oper NAME PASSWORD logs in as a server operator")
	}},
	{"kick", []string{"강퇴", "추방", "내보내기"}, nil},
	{"op", []string{"방장", "운영자"}, nil},
	{"deop", []string{"방장해제", "운영자해제"}, nil},
	{"oper", []string{"운영자로그인"}, nil},
	{"clear", []string{"지우기", "청소"}, func() string { return lang.L("/clear — clear this conversation's log") }},
	{"quit", []string{"exit", "disconnect", "종료", "나감", "접속종료"}, func() string {
		return lang.L("/quit — disconnect (the conversations stay here to read)")
	}},
}

// commandName is the command that name (typed after the slash, any case)
// calls, or "".
func commandName(name string) string {
	name = strings.ToLower(name)
	for _, c := range commands {
		if c.name == name {
			return c.name
		}
		for _, a := range c.aliases {
			if a == name {
				return c.name
			}
		}
	}
	return ""
}

// HelpLines is what /help prints (and what an unknown command gets): each
// command with its other names (a Korean interface lists the Korean ones
// first), the keys and tips.
func HelpLines() []string {
	out := []string{lang.L("Commands:")}
	korean := !English()
	for i := 0; i < len(commands); {
		line := commands[i].help()
		var other []string
		for first := i; i < len(commands) && (i == first || commands[i].help == nil); i++ {
			for _, a := range commands[i].aliases {
				if isHangul(a) == korean {
					other = append(other, "/"+a)
				}
			}
		}
		if len(other) > 0 {
			line += "  (" + strings.Join(other, " ") + ")"
		}
		out = append(out, line)
	}
	return append(out,
		lang.L("//text — send text that starts with a slash, e.g. //shrug sends “/shrug”"),
		lang.L("Keys: Ctrl+K switch conversation, Ctrl+Tab / Alt+↑↓ next and previous, Tab completes a nickname, Ctrl+F searches the history."),
		lang.L("Tips: double-click a user to chat privately; click a line to select it (Ctrl+C copies it)."))
}

func isHangul(s string) bool {
	for _, r := range s {
		if r >= 0xAC00 && r <= 0xD7A3 || r >= 0x3131 && r <= 0x318E {
			return true
		}
	}
	return false
}
