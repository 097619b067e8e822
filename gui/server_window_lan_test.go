package gui

import (
	"errors"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/net/server"
)

// TestServerWindowNameAndLAN: the server name typed in the window goes with
// Start and is remembered; the LAN announcement's state is shown under the
// status line (a failure as a warning) and cleared on Stop.
func TestServerWindowNameAndLAN(t *testing.T) {
	a := test.NewTempApp(t)
	f := newServerFixtureWithApp(t, a, 8)
	sw := f.sw
	if sw.lan.Visible() {
		t.Fatal("LAN line shown before the server started")
	}
	test.Type(sw.name, "Room 7 (지민)")
	test.Tap(sw.start)
	if got, want := f.nextCmd(), (server.Start{Addr: "0.0.0.0:7878", Name: "Room 7 (지민)"}); got != want {
		t.Fatalf("command %#v, want %#v", got, want)
	}
	checkEnabled(t, "name", sw.name, false)
	now := time.Now()
	f.apply(server.Started{Addr: "0.0.0.0:7878", Name: "Room 7 (지민)", At: now},
		server.Announced{Name: "Room 7 (지민)", At: now})
	if !sw.lan.Visible() || sw.lan.Text != "Announced on the LAN as “Room 7 (지민)”: clients on this network see it in their list" ||
		sw.lan.Importance != widget.LowImportance {
		t.Fatalf("LAN line %q (%v)", sw.lan.Text, sw.lan.Importance)
	}
	f.apply(server.Announced{Name: "Room 7 (지민)", Err: errors.New("LAN announcement failed: multicast is not available on eth0; clients must type the address"), At: now})
	if sw.lan.Text != "LAN announcement failed: multicast is not available on eth0; clients must type the address" ||
		sw.lan.Importance != widget.WarningImportance {
		t.Fatalf("LAN line %q (%v)", sw.lan.Text, sw.lan.Importance)
	}
	if sw.errorDialogs != 0 {
		t.Fatal("a LAN failure opened a dialog; the status line says it")
	}
	f.apply(server.Stopped{At: now})
	if sw.lan.Visible() {
		t.Fatalf("LAN line %q shown after Stop", sw.lan.Text)
	}
	checkEnabled(t, "name", sw.name, true)

	// The next run of the app shows the name again.
	g := newServerFixtureWithApp(t, a, 8)
	if g.sw.name.Text != "Room 7 (지민)" {
		t.Fatalf("remembered name %q", g.sw.name.Text)
	}
}
