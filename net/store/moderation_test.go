package store

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestBansSurviveRestartAndEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), File)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMilli()
	dev := make([]byte, 32)
	dev[0] = 7
	for _, b := range []Ban{
		{ID: 1, Name: "bob", Device: dev, Addr: "192.0.2.7", Nick: "bob", Reason: "도배", Created: now, Until: now + 60_000, By: "admin"},
		{ID: 2, Addr: "192.0.2.8", Reason: "spam", Created: now, Until: 0, By: "console"},
		{ID: 3, Nick: "eve", Reason: "short", Created: now, Until: now + 1, By: "admin"},
		{ID: 4, Nick: "gone", Reason: "unbanned", Created: now, By: "admin"},
	} {
		if err := s.PutBan(ctx(t), b); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteBan(ctx(t), 4); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendAudit(ctx(t), AuditEntry{Time: now, Action: "ban", Target: "bob", Reason: "도배"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, path)
	bans, err := s.Bans(ctx(t), now+2) // ban 3 has ended
	if err != nil {
		t.Fatal(err)
	}
	if len(bans) != 2 || bans[0].ID != 1 || bans[1].ID != 2 {
		t.Fatalf("bans after restart = %+v", bans)
	}
	if b := bans[0]; len(b.Device) != 32 || b.Device[0] != 7 || b.Addr != "192.0.2.7" || b.Nick != "bob" || b.Name != "bob" ||
		b.Reason != "도배" || b.Until != now+60_000 || b.By != "admin" {
		t.Fatalf("ban 1 = %+v", b)
	}
	if bans[1].Device != nil || bans[1].Until != 0 {
		t.Fatalf("ban 2 = %+v", bans[1])
	}
	audit, err := s.Audit(ctx(t), 10)
	if err != nil || len(audit) != 1 || audit[0].Action != "ban" || audit[0].Reason != "도배" {
		t.Fatalf("audit = %+v, %v", audit, err)
	}
}

// An audit entry is on disk when AppendAudit returns: a server killed right
// after (kill -9) still has it when it starts again.
func TestAuditSurvivesKill(t *testing.T) {
	if path := os.Getenv("STORE_AUDIT_CHILD"); path != "" {
		s, err := Open(path, Options{})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		for i := range 3 {
			if err := s.AppendAudit(t.Context(), AuditEntry{Time: int64(i), Action: "kick", Target: fmt.Sprint("user", i)}); err != nil {
				fmt.Println("error", err)
				os.Exit(1)
			}
		}
		fmt.Println("written")
		time.Sleep(time.Minute) // killed long before
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), File)
	cmd := exec.Command(os.Args[0], "-test.run=^TestAuditSurvivesKill$")
	cmd.Env = append(os.Environ(), "STORE_AUDIT_CHILD="+path)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	line := ""
	for sc.Scan() {
		if line = sc.Text(); line == "written" || len(line) > 5 && line[:5] == "error" {
			break
		}
	}
	cmd.Process.Kill() // SIGKILL
	cmd.Wait()
	if line != "written" {
		t.Fatalf("child said %q", line)
	}
	s := open(t, path)
	audit, err := s.Audit(ctx(t), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(audit) != 3 || audit[2].Target != "user2" {
		t.Fatalf("audit after kill -9 = %+v", audit)
	}
}
