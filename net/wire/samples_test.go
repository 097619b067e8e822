package wire

import "crypto/sha256"

// samples holds at least one value of every message type, with the awkward
// cases a codec gets wrong: Korean and emoji text, empty strings and lists,
// extreme integers, negative times.
func samples() []Message {
	sum := sha256.Sum256([]byte("파일 내용"))
	return []Message{
		Hello{Version: Version, Nick: "홍길동"},
		Hello{Version: 0xFFFF, Nick: ""},
		Hello{Version: Version, Nick: "bob", Device: sum, Proof: [64]byte{1, 2, 63: 0xFF}, Password: "반 코드 7"},
		Challenge{Version: Version, Nonce: sum, Flags: ChallengePassword, Server: "교실 서버"},
		Challenge{Version: Version},
		Say{Ref: 1, Room: Lobby, Text: "안녕하세요 👋"},
		Say{Ref: 0xFFFFFFFF, Room: "개발 팀", Text: "[kick] is just text\n두 번째 줄"},
		Private{Ref: 7, To: "bob", Text: "비밀"},
		Join{Room: "개발 팀"},
		Part{Room: "rust"},
		ListRooms{},
		Quit{},
		Ping{Token: 0},
		Ping{Token: 0xFFFFFFFFFFFFFFFF},
		Pong{Token: 42},
		Welcome{Version: Version, Nick: "홍길동", Server: "MultiChat", Lobby: Lobby, MaxText: 4096,
			MaxFrame: DefaultMaxFrame, Time: 1767225600000},
		Refused{Code: RefuseNickTaken, Text: "nickname “bob” is taken"},
		Refused{Code: 200, Text: ""},
		Chat{ID: 1, Time: 1767225600123, Room: Lobby, From: "홍길동", Text: "안녕하세요, 여러분!", Ref: 3},
		Chat{ID: 0xFFFFFFFFFFFFFFFF, Time: -1, Room: "", From: "", Text: "", Ref: 0},
		PrivMsg{ID: 9, Time: 5, From: "alice", To: "bob", Text: "hi 🙂", Ref: 12},
		UserList{Room: Lobby, Flags: ListFirst | ListLast, Users: []string{"alice", "bob", "홍길동", "👩‍💻"}},
		UserList{Room: "empty", Flags: ListFirst, Users: nil},
		Joined{Time: 10, Room: Lobby, Users: []string{"carol"}},
		Joined{Time: 11, Room: "개발 팀", Users: []string{"dave", "erin", "frank"}},
		Left{Time: 12, Room: Lobby, User: "bob", Reason: LeftSlowConsumer},
		Left{Time: 13, Room: "rust", User: "carol", Reason: 99},
		Kicked{Reason: "도배 금지", By: "admin"},
		Removed{Time: 14, User: "bob", Reason: "spam"},
		Notice{Time: 15, Text: "서버 점검 예정"},
		Error{Code: CodeNoSuchUser, Ref: 7, Text: "no such user: zed"},
		Stopping{Reason: "server is stopping"},
		RoomList{Flags: ListFirst | ListLast, Rooms: []RoomInfo{{Name: Lobby, Members: 3}, {Name: "개발 팀", Members: 0xFFFFFFFF}}},
		RoomList{Flags: ListFirst | ListLast, Rooms: nil},
		FileOffer{Ref: 5, Room: Lobby, Name: "보고서.pdf", Size: 1 << 30},
		FileOffer{Ref: 6, To: "bob", Name: "a.txt", Size: 0},
		FileOffered{ID: 77, Time: 16, From: "alice", Room: Lobby, Name: "보고서.pdf", Size: 12345, Ref: 5},
		FileChunk{ID: 77, Data: []byte{0, 1, 2, 0xFF, 0xFE}},
		FileChunk{ID: 78, Data: nil},
		FileAck{ID: 77, Bytes: 32 << 10},
		FileEnd{ID: 77, SHA256: sum},
		FileAbort{ID: 77, Reason: "sender left"},
		Missed{Ref: 1, Room: "개발 팀", After: 0xFFFFFFFFFFFFFFFF},
		Missed{Ref: 2, Peer: "bob"},
		Older{Ref: 3, Room: Lobby, Before: 500, Limit: 50},
		Search{Ref: 4, Text: "회의", Before: 0, Limit: 0xFFFF},
		History{Ref: 4, Kind: HistSearch, Flags: ListFirst | ListLast | HistMore, Earlier: 7, Entries: []Entry{
			{ID: 9, Time: 17, Kind: EntryChat, Room: "개발 팀", From: "홍길동", Text: "오늘 회의는 3시", Ref: 2},
			{ID: 10, Time: -1, Kind: EntryPrivate, From: "a", To: "b", Text: "🙂"},
			{ID: 11, Kind: EntryLeft, Room: Lobby, From: "c", Text: "quit"}}},
		History{Kind: HistReplay, Flags: ListFirst | ListLast, Room: Lobby},
		History{Kind: HistAway, Flags: ListFirst | ListLast, Earlier: 3, Entries: []Entry{
			{ID: 12, Time: 18, Kind: EntryPrivate, From: "ann", To: "밥", Text: "sent while you were away"}}},
		Queued{ID: 12, Ref: 9, To: "밥"},
	}
}
