package gui

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/multichat/multichat/gui/servermodel"
	"github.com/multichat/multichat/net/discovery"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/store"
	"github.com/multichat/multichat/net/wire"
)

// TestServerNoticesKorean: the hub's notices about files, the cluster
// (commands sent to another server, its announcements, bans and mutes,
// nicknames released everywhere) reach the server window's activity log in
// Korean, not as the hub's English; the lobby is named in Korean too.
func TestServerNoticesKorean(t *testing.T) {
	useKorean(t)
	at := time.Date(2026, 12, 2, 14, 0, 0, 0, time.Local)
	from := netip.MustParseAddrPort("192.168.1.99:4000")
	f := newServerFixture(t, 16)
	f.apply(server.Started{Addr: "0.0.0.0:7878", At: at})
	before := len(f.sw.m.Lines)
	f.apply(
		server.Notice{Text: `민수 offers "과제" (160000 bytes) to room lobby`, At: at,
			News: server.FileOfferNews{From: "민수", Name: "과제", Size: 160000, Room: wire.Lobby}},
		server.Notice{Text: `민수 offers "사진" (900 bytes) to 지은`, At: at,
			News: server.FileOfferNews{From: "민수", Name: "사진", Size: 900, To: "지은"}},
		server.Notice{Text: `민수's file "사진" (900 bytes) relayed to 지은`, At: at,
			News: server.FileRelayNews{From: "민수", Name: "사진", Size: 900, To: "지은"}},
		server.Notice{Text: "kick: asked 3층, where 서준 is connected", At: at,
			News: server.AskedNews{Op: "kick", Nick: "서준", Server: "3층"}},
		server.Notice{Text: "announced on 3층: 점심시간", At: at, News: server.AnnouncedNews{Server: "3층", Text: "점심시간"}},
		server.Notice{Text: "released the nickname 서준 on every server: anyone may take it now", At: at,
			News: server.ReleasedNews{Nick: "서준"}},
		server.Notice{Text: "지은 set the topic of “수학”: 퀴즈는 금요일", At: at,
			News: server.TopicNews{Room: "수학", Text: "퀴즈는 금요일", By: "지은"}},
		server.Notice{Text: "지은 removed the topic of “수학” on 3층", At: at,
			News: server.TopicNews{Room: "수학", By: "지은", Server: "3층"}},
		server.Notice{Text: "wrong operator login by 민수 from 192.168.1.99", At: at,
			News: server.OperFailedNews{Nick: "민수", Addr: "192.168.1.99"}},
		// A ban made on another server: the English notice is typed, the
		// audit entry says it.
		server.Notice{Text: "banned 서준 until 15:00 on 3층 (nickname 서준): 도배", At: at, Typed: true},
		server.Audited{Entry: server.Audit{Time: at, Action: server.AuditBan, Target: "서준", Reason: "도배",
			Args: server.AuditArgs{Until: at.Add(time.Hour), Nick: "서준", Server: "3층"}}},
		server.Audited{Entry: server.Audit{Time: at, Action: server.AuditTopic, Target: wire.Lobby, Detail: "시험은 3시"}},
		server.TopicChanged{Room: wire.Lobby, Text: "시험은 3시", At: at},
		// Hellos refused: the reason's facts, not the hub's English.
		server.Refused{Nick: "민수2", Addr: from, At: at, Reason: "nickname “민수2” is taken: it looks like “민수”",
			Code: wire.RefuseNickTaken, Like: "민수"},
		server.Refused{Nick: "서버", Addr: from, At: at, Reason: "the nickname “서버” is reserved; please pick another",
			Code: wire.RefuseNickReserved},
		server.Refused{Nick: "김 민수", Addr: from, At: at, Reason: "nickname may not contain spaces", Code: wire.RefuseNickInvalid},
		server.Refused{Nick: "서준", Addr: from, At: at, Reason: "banned until 15:00: 도배", Code: wire.RefuseBanned,
			Until: at.Add(time.Hour), BanReason: "도배"},
		// Why people left, as the hub says it (wire.LeftReason's words).
		server.UserLeft{Nick: "지은", Reason: wire.LeftLost.String(), At: at},
		server.UserLeft{Nick: "지은", Reason: wire.LeftTimedOut.String(), At: at},
		server.UserLeft{Nick: "지은", Reason: server.ReasonStopped, At: at},
	)
	got := lineTexts(f.sw.m.Lines[before:])
	want := []string{
		"민수 님이 로비 방에 파일 “과제” (156.2 KiB)을(를) 보내려고 합니다",
		"민수 님이 지은 님에게 파일 “사진” (900 B)을(를) 보내려고 합니다",
		"지은 님이 민수 님의 파일 “사진” (900 B)을(를) 받았습니다",
		"서준 님이 접속한 3층 서버에 추방을 요청했습니다",
		"3층 서버의 공지: 점심시간",
		"모든 서버에서 닉네임 서준을(를) 풀어 주었습니다: 이제 누구나 쓸 수 있습니다",
		"지은 님이 수학의 주제를 정했습니다: 퀴즈는 금요일",
		"지은 님이 3층 서버에서 수학의 주제를 지웠습니다",
		"민수 님(192.168.1.99)의 운영자 로그인 실패",
		"차단 서준 — 도배 (15:00까지; 닉네임 서준; 3층 서버)",
		"주제 고정 로비 (시험은 3시)",
		"192.168.1.99:4000의 “민수2” 접속을 거부했습니다: 이미 쓰이는 “민수”와(과) 비슷한 닉네임입니다",
		"192.168.1.99:4000의 “서버” 접속을 거부했습니다: 예약된 닉네임입니다",
		"192.168.1.99:4000의 “김 민수” 접속을 거부했습니다: 쓸 수 없는 닉네임입니다 (공백을 쓸 수 없습니다)",
		"192.168.1.99:4000의 “서준” 접속을 거부했습니다: 차단됨 (15:00까지): 도배",
		"지은 님이 나갔습니다 (연결 끊김)",
		"지은 님이 나갔습니다 (응답 시간 초과)",
		"지은 님이 나갔습니다 (서버가 멈춤)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("activity log\n%q\nwant\n%q", got, want)
	}
	if st := f.sw.m.ModState(); !strings.Contains(st, "로비: 시험은 3시") {
		t.Errorf("moderation state %q names the lobby in English", st)
	}
	checkKorean(t, "activity log", f.win, discovery.DefaultName())
}

// TestCommandErrorsKorean: a command the hub could not carry out (the user
// left meanwhile, the ban ended, the room is gone) is said in Korean in the
// activity log and the error dialog, with the hub's English kept in English.
func TestCommandErrorsKorean(t *testing.T) {
	gone := &server.CommandError{Problem: server.ProblemNoSuchUser, Name: "서준",
		Err: fmt.Errorf("%w: %q", server.ErrNoSuchUser, "서준")}
	if got := servermodel.ErrText(gone); got != "서준 is not online" {
		t.Errorf("English: %q", got)
	}
	useKorean(t)
	var m servermodel.Model
	at := time.Now()
	m.Apply(server.Error{Op: "kick", Err: gone, At: at})
	m.Apply(server.Error{Op: "unban", Err: &server.CommandError{Problem: server.ProblemNoSuchBan, Name: "7",
		Err: errors.New("there is no ban 7 (it may have ended)")}, At: at})
	m.Apply(server.Error{Op: "topic", Err: &server.CommandError{Problem: server.ProblemNoSuchRoom, Name: "수학",
		Err: errors.New("there is no room “수학”")}, At: at})
	m.Apply(server.Error{Op: "announce", Err: server.ErrNotRunning, At: at})
	m.Apply(server.Error{Op: "start", Err: server.ErrServerName, At: at})
	m.Apply(server.Error{Op: "mute", Err: fmt.Errorf("reason: %w", &wire.TextTooLongError{Size: 5000, Max: 4000, Chars: true}), At: at})
	full := &store.DBError{Path: "/data/history.db", Problem: store.ProblemDiskFull, Err: errors.New("disk full")}
	m.Apply(server.Error{Op: "moderation", Err: &server.CommandError{Problem: server.ProblemNotSaved,
		Err: fmt.Errorf("saving to the database: %w", full)}, At: at})
	got := lineTexts(m.Lines)
	want := []string{
		"추방하지 못했습니다: 서준 님은 접속해 있지 않습니다",
		"차단을 풀지 못했습니다: 그 차단은 이제 없습니다 (기간이 끝났을 수 있습니다)",
		"주제를 바꾸지 못했습니다: “수학” 방이 없습니다",
		"공지를 보내지 못했습니다: 서버가 실행 중이 아닙니다",
		"서버를 시작하지 못했습니다: 서버 이름이 너무 깁니다: 최대 255바이트(한글 약 85자)까지입니다",
		"음소거하지 못했습니다: 글이 5\u202f000자입니다; 한도는 4\u202f000자입니다",
		"관리 변경을 저장하지 못했습니다: 기록 데이터베이스 /data/history.db이(가) 있는 디스크가 가득 찼습니다",
	}
	if !slices.Equal(got, want) {
		t.Errorf("activity log\n%q\nwant\n%q", got, want)
	}
	if len(m.Problems) != 7 || m.Problems[0].Err.Error() != "서준 님은 접속해 있지 않습니다" {
		t.Errorf("dialogs %+v", m.Problems)
	}
}

// TestLobbyNamedKorean: the Rooms tab and the Moderation tab's room
// selector name the lobby in Korean; lecture mode chosen for “로비” is sent
// for the lobby itself.
func TestLobbyNamedKorean(t *testing.T) {
	useKorean(t)
	f := newServerFixture(t, 16)
	at := time.Now()
	f.apply(server.Started{Addr: "0.0.0.0:7878", At: at},
		server.RoomChanged{Room: wire.Lobby, Members: []string{"민수", "지은"}},
		server.RoomChanged{Room: "수학", Members: []string{"민수"}})
	if got := cellText(f.sw.roomList, 0, 0); got != "로비" {
		t.Errorf("rooms tab: %q", got)
	}
	if got := f.sw.mod.room.Options; !slices.Equal(got, []string{"모든 방", "로비", "수학"}) {
		t.Errorf("room selector %q", got)
	}
	f.sw.mod.room.SetSelected("로비")
	test.Tap(f.sw.mod.lectureOn)
	if cmd, ok := f.nextCmd().(server.Lecture); !ok || cmd.Room != wire.Lobby || !cmd.On {
		t.Errorf("lecture for %+v, want the lobby", cmd)
	}
	f.sw.mod.room.SetSelected("수학")
	test.Tap(f.sw.mod.lectureOff)
	if cmd, ok := f.nextCmd().(server.Lecture); !ok || cmd.Room != "수학" || cmd.On {
		t.Errorf("lecture for %+v, want 수학", cmd)
	}
}

// TestLANFailureKorean: the server window's LAN line says in Korean that
// announcing failed (the discovery package says why in English).
func TestLANFailureKorean(t *testing.T) {
	useKorean(t)
	f := newServerFixture(t, 16)
	at := time.Now()
	f.apply(server.Started{Addr: "0.0.0.0:7878", At: at},
		server.Announced{Name: "교실", At: at, Err: fmt.Errorf("LAN announcement failed: %w; clients must type the address", discovery.ErrNoInterface)})
	if got := f.sw.lan.Text; got != "LAN 알림 실패: 연결된 네트워크가 없습니다; 클라이언트는 주소를 입력해야 합니다" {
		t.Errorf("no network: %q", got)
	}
	f.apply(server.Announced{Name: "교실", At: at, Err: errors.New("LAN announcement failed: multicast is not available on eth0; clients must type the address")})
	if got := f.sw.lan.Text; got != "LAN 알림 실패: 이 네트워크에서 멀티캐스트가 되지 않습니다; 클라이언트는 주소를 입력해야 합니다" {
		t.Errorf("no multicast: %q", got)
	}
	if last := f.sw.m.Lines[len(f.sw.m.Lines)-1]; last.Text != f.sw.lan.Text {
		t.Errorf("activity log %q", last.Text)
	}
}

// TestServerNoticesTyped: every Notice the hub emits is worded by the
// window in its own language: it carries its facts (News) or is Typed (an
// event beside it says the same). A plain English Notice would show in
// English in a Korean activity log.
func TestServerNoticesTyped(t *testing.T) {
	fset := token.NewFileSet()
	found := 0
	for _, f := range parseSources(t, fset, filepath.Join("..", "net", "server")) {
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			if id, ok := lit.Type.(*ast.Ident); !ok || id.Name != "Notice" {
				return true
			}
			found++
			for _, el := range lit.Elts {
				if kv, ok := el.(*ast.KeyValueExpr); ok {
					if k, ok := kv.Key.(*ast.Ident); ok && (k.Name == "News" || k.Name == "Typed") {
						return true
					}
				}
			}
			t.Errorf("%s: a Notice with neither News nor Typed: the server window would show its English", fset.Position(lit.Pos()))
			return true
		})
	}
	if found < 10 {
		t.Fatalf("found only %d Notices in net/server", found)
	}
}

// lineTexts are the activity log lines' texts.
func lineTexts(lines []servermodel.Line) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Text
	}
	return out
}

// TestHistoryReasonsKorean: the History tab says why someone left or was
// removed in Korean (the store keeps the hub's English words).
func TestHistoryReasonsKorean(t *testing.T) {
	useKorean(t)
	at := time.Now().UnixMilli()
	for _, tc := range []struct {
		rec  store.Record
		want string
	}{
		{store.Record{Time: at, Kind: store.KindLeft, Room: wire.Lobby, From: "지은", Text: wire.LeftLost.String()}, "지은 님이 나갔습니다 (연결 끊김)"},
		{store.Record{Time: at, Kind: store.KindLeft, Room: wire.Lobby, From: "지은", Text: wire.LeftSlowConsumer.String()},
			"지은 님이 나갔습니다 (너무 느려서 따라오지 못함)"},
		{store.Record{Time: at, Kind: store.KindKicked, Room: wire.Lobby, From: "서준", Text: wire.ReasonKicked}, "서준 님이 추방되었습니다 (관리자가 내보냄)"},
	} {
		if _, _, _, got := servermodel.HistoryLine(tc.rec); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.rec.Text, got, tc.want)
		}
	}
}

// TestGatewayProblemKorean: the gateways line says why IRC is off in
// Korean; a problem without a name (a listen error) stays as it was said.
func TestGatewayProblemKorean(t *testing.T) {
	useKorean(t)
	st := servermodel.GatewayStatus{Problem: "IRC cannot listen on :6667: listen tcp :6667: bind: address already in use",
		Why: servermodel.IRCPortInUse}
	if got := servermodel.GatewayText(st, "7878"); got != "IRC가 꺼져 있습니다: 다른 프로그램이 그 포트를 쓰고 있습니다" {
		t.Errorf("port in use: %q", got)
	}
	st = servermodel.GatewayStatus{IRC: true, IRCTLS: "0.0.0.0:6697", Problem: "plain IRC is off: plaintext clients are not allowed",
		Why: servermodel.PlainIRCOff}
	if got := servermodel.GatewayText(st, "7878"); !strings.HasSuffix(got, " · 일반 IRC는 꺼져 있습니다: 암호화하지 않은 클라이언트가 허용되지 않습니다") {
		t.Errorf("plain IRC off: %q", got)
	}
}

// TestStartProblemKorean: the server that cannot listen says why in
// Korean alone (the system's English words are left for English).
func TestStartProblemKorean(t *testing.T) {
	useKorean(t)
	var m servermodel.Model
	m.Apply(server.Error{Op: "start", Err: fmt.Errorf("listen tcp 0.0.0.0:80: bind: %w", syscall.EACCES), At: time.Now()})
	if len(m.Problems) != 1 || m.Problems[0].Err.Error() != "이 포트는 관리자 권한으로만 쓸 수 있습니다 (1024 미만의 포트). 7878 같은 다른 포트를 고르세요." {
		t.Errorf("problems %+v", m.Problems)
	}
}

// TestDatesKorean: a time on another day is written with its date in the
// interface's order and words ("12월 2일", not "Dec 2").
func TestDatesKorean(t *testing.T) {
	at := time.Date(2026, 12, 2, 14, 0, 0, 0, time.Local)
	if got := formatSince(at, at.AddDate(0, 0, 1)); got != "2 Dec 14:00" {
		t.Errorf("English: %q", got)
	}
	useKorean(t)
	if got := formatSince(at, at.AddDate(0, 0, 1)); got != "12월 2일 14:00" {
		t.Errorf("Korean: %q", got)
	}
	if got := formatSince(at, at.Add(time.Hour)); got != "14:00:00" {
		t.Errorf("same day: %q", got)
	}
}

// TestStartupProblems: the nicknames' owners that could not be read or
// saved, and a cluster the server could not join, are said in plain words
// with what they mean, in English and in Korean (no "open …: no space left
// on device" under a Korean title).
func TestStartupProblems(t *testing.T) {
	at := time.Now()
	path := "/data/nicknames.json"
	events := []server.Event{
		server.Error{Op: "bindings", At: at, Err: &server.BindingsError{Path: path,
			Err: &json.SyntaxError{Offset: 3}}},
		server.Error{Op: "bindings", At: at, Err: &server.BindingsError{Save: true, Path: path,
			Err: &fs.PathError{Op: "open", Path: path + ".tmp", Err: syscall.ENOSPC}}},
		server.Error{Op: "cluster", At: at, Err: fmt.Errorf("cluster: %w",
			&net.OpError{Op: "listen", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 16300},
				Err: os.NewSyscallError("bind", syscall.EADDRINUSE)})},
	}
	check := func(want [][2]string) {
		t.Helper()
		var m servermodel.Model
		for _, ev := range events {
			m.Apply(ev)
		}
		if len(m.Problems) != len(want) {
			t.Fatalf("problems %+v", m.Problems)
		}
		for i, p := range m.Problems {
			if p.Title != want[i][0] || !strings.HasPrefix(p.Err.Error(), want[i][1]) {
				t.Errorf("problem %d: %q: %q\nwant %q: %q…", i, p.Title, p.Err, want[i][0], want[i][1])
			}
		}
	}
	check([][2]string{
		{"Could not read the nicknames' owners", path + " is damaged; it was renamed " + path + ".damaged and a new one is started\n\nNicknames held by devices"},
		{"Could not save the nicknames' owners", "the disk holding " + path + " is full\n\nNicknames stay with their owners"},
		{"Could not join the cluster", "The cluster's port 127.0.0.1:16300 is already in use by another program (or another MultiChat server). Start the server with another -cluster-listen port, or stop the other program.\n\nThis server runs on its own"},
	})
	useKorean(t)
	check([][2]string{
		{"닉네임 주인 정보를 읽지 못했습니다", path + "이(가) 손상되었습니다; " + path + ".damaged(으)로 이름을 바꾸고 새로 시작합니다\n\n이번 시작 전에"},
		{"닉네임 주인 정보를 저장하지 못했습니다", path + "이(가) 있는 디스크가 가득 찼습니다\n\n서버가 실행되는 동안에는"},
		{"클러스터에 참여하지 못했습니다", "다른 프로그램(또는 다른 MultiChat 서버)이 이미 클러스터 포트 127.0.0.1:16300을(를) 쓰고 있습니다. 다른 -cluster-listen 포트로 서버를 시작하거나 그 프로그램을 멈추세요.\n\n이 서버는 혼자"},
	})
}
