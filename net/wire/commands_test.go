package wire

import "testing"

func TestCommandName(t *testing.T) {
	for in, want := range map[string]string{"강퇴": "kick", "차단": "ban", "공지": "announce", "접속인원": "users",
		"귓속말": "msg", "KICK": "kick", "join": "join", "없는명령": "없는명령"} {
		if got := CommandName(in); got != want {
			t.Errorf("CommandName(%q) = %q, want %q", in, got, want)
		}
	}
	for alias, en := range commandAliases {
		if CommandName(en) != en {
			t.Errorf("%s → %s, which is itself an alias", alias, en)
		}
	}
}
