package gui

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/gui/servermodel"
	"github.com/multichat/multichat/net/discovery"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/store"
	"github.com/multichat/multichat/net/wire"
)

// TestLANStatusKorean: the connect form's search line and server rows,
// which net/discovery reports as data, are worded in Korean (the search
// failing for want of a network too).
func TestLANStatusKorean(t *testing.T) {
	useKorean(t)
	lan := &fakeLAN{}
	w, _ := newTestClient(t, ClientOptions{Nick: "민수", Addr: "127.0.0.1:7878", Browse: lan.browse})
	if got := w.serverStatus.Text; got != "이 네트워크에서 서버를 찾는 중…" {
		t.Errorf("searching: %q", got)
	}
	other := lanServer(discovery.Found, "과학실", "10.0.0.8:7878", 1, false, "")
	other.Server.Version = 99
	lan.deliver(t, w, discovery.Event{Kind: discovery.Searched},
		lanServer(discovery.Found, "3학년 2반", "10.0.0.5:7878", 12, true, ""),
		lanServer(discovery.Found, "도서관", "10.0.0.7:7878", 0, false, ""), other)
	if got := w.serverStatus.Text; got != "이 네트워크에서 서버 3개를 찾았습니다" {
		t.Errorf("found: %q", got)
	}
	rows := shownServers(w)
	if len(rows) != 3 || !strings.HasSuffix(rows[0], "10.0.0.5:7878 · 12명 접속 중") ||
		!strings.HasSuffix(rows[1], "10.0.0.8:7878 · 1명 접속 중 · 다른 MultiChat 버전 (서버 프로토콜 99, 이 앱은 2)") ||
		!strings.HasSuffix(rows[2], "10.0.0.7:7878 · 접속한 사람 없음") {
		t.Errorf("rows %q", rows)
	}
	checkKorean(t, "connect form with servers", w.win, "3학년 2반", "도서관", "과학실")

	for _, inst := range []string{"3학년 2반", "도서관", "과학실"} {
		w.applyLAN(w.lanGen, []discovery.Event{{Kind: discovery.Lost, Server: discovery.Server{Instance: inst}}})
	}
	w.applyLAN(w.lanGen, []discovery.Event{{Kind: discovery.Failed, Err: fmt.Errorf("browse: %w", discovery.ErrNoInterface)}})
	if got := w.serverStatus.Text; got != "서버를 찾을 수 없습니다: 연결된 네트워크가 없습니다; 관리자가 알려 준 주소를 입력하세요" {
		t.Errorf("no network: %q", got)
	}
	w.applyLAN(w.lanGen, []discovery.Event{{Kind: discovery.Failed, Err: fmt.Errorf("listen udp4 0.0.0.0:5353: bind: permission denied")}})
	if got := w.serverStatus.Text; got != "이 네트워크에서 서버를 찾을 수 없습니다; 관리자가 알려 준 주소를 입력하세요" {
		t.Errorf("failed: %q", got)
	}
}

// TestAuditLogKorean: the audit log's actions are codes the server window
// words in Korean, with the facts (ends, counts, what a ban covers).
func TestAuditLogKorean(t *testing.T) {
	useKorean(t)
	at := time.Date(2026, 12, 2, 14, 0, 0, 0, time.Local)
	entries := []server.Audit{
		{Time: at, Action: server.AuditBan, Target: "mallory", Reason: "도배", Args: server.AuditArgs{Until: at.Add(time.Hour), Nick: "mallory"}},
		{Time: at, Action: server.AuditLecture, Reason: wire.ReasonLecture, Args: server.AuditArgs{On: true}}, // the server's default reason
		{Time: at, Action: server.AuditStop, Target: "0.0.0.0:7878", Args: server.AuditArgs{Users: 28}},
		{Time: at, Action: server.AuditMute, Target: "bob"},
		{Time: at, Action: server.AuditKick, Target: "eve", Args: server.AuditArgs{Server: "3층"}},
		{Time: at, Action: server.AuditPassword},
		{Time: at, Action: server.AuditRoomKick, Target: "carol", Reason: "도배", Args: server.AuditArgs{Room: "수학", By: "지은"}},
		{Time: at, Action: server.AuditRoomOp, Target: "민수", Args: server.AuditArgs{Room: "수학", By: "지은", On: true}},
		{Time: at, Action: server.AuditOper, Target: "지은", Detail: "교사"},
	}
	var got []string
	for _, e := range entries {
		got = append(got, servermodel.AuditLine(e))
	}
	want := []string{
		"차단 mallory — 도배 (15:00까지; 닉네임 mallory)",
		"강의 모드 시작 모든 방 — 관리자의 공지만 올라옵니다",
		"서버 중지 0.0.0.0:7878 (사용자 28명이 접속해 있었음)",
		"음소거 bob (해제할 때까지)",
		"추방 eve (3층 서버)",
		"비밀번호 해제",
		"방에서 내보냄 carol — 도배 (수학, 지은 님이)",
		"방장 지정 민수 (수학, 지은 님이)",
		"운영자 로그인 지은 (운영자 교사(으)로)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit lines\n%q\nwant\n%q", got, want)
	}
	for _, s := range got {
		if eng := englishIn([]string{strings.NewReplacer("mallory", "", "bob", "", "eve", "", "carol", "").Replace(s)}); len(eng) > 0 {
			t.Errorf("English in %q", s)
		}
	}
}

// TestLostConnectionKorean: the session's "the server closed the
// connection: EOF" is said in Korean, not half in English.
func TestLostConnectionKorean(t *testing.T) {
	useKorean(t)
	err := fmt.Errorf("the server closed the connection: %w", io.EOF)
	if got := clientmodel.Plain(err, ""); got != "서버가 연결을 닫았습니다" {
		t.Errorf("Plain = %q", got)
	}
}

// TestFyneStringsKorean: Fyne's own dialog and menu words (the error
// dialog's title, Yes/No, the entry's menu, the file dialog), which Fyne
// 2.8.1 has no Korean for, come from our ko.json.
func TestFyneStringsKorean(t *testing.T) {
	useKorean(t)
	for key, want := range map[string]string{"Error": "오류", "Yes": "예", "No": "아니요", "Paste": "붙여넣기", "New Folder": "새 폴더"} {
		if got := lang.L(key); got != want {
			t.Errorf("lang.L(%q) = %q, want %q", key, got, want)
		}
	}
	if got := lang.X("file.parent", "Parent"); got != "상위 폴더" {
		t.Errorf("file.parent = %q", got)
	}
}

// TestHistoryDatabaseErrorKorean: net/store's problems with the database
// file are typed, and the server window words them in Korean; in English
// the window says what the store says.
func TestHistoryDatabaseErrorKorean(t *testing.T) {
	err := fmt.Errorf("the bans could not be read: %w", &store.DBError{Problem: store.ProblemInUse, Path: "/srv/history.db"})
	if got, want := servermodel.ErrText(err), "the history database /srv/history.db is in use by another MultiChat server"; got != want {
		t.Errorf("English: %q, want %q", got, want)
	}
	useKorean(t)
	if got, want := servermodel.ErrText(err), "기록 데이터베이스 /srv/history.db을(를) 다른 MultiChat 서버가 쓰고 있습니다"; got != want {
		t.Errorf("Korean: %q, want %q", got, want)
	}
}
