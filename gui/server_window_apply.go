package gui

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/servermodel"
	"github.com/multichat/multichat/net/server"
)

// --- events ---

// applyBatch applies a burst of events, then refreshes what changed once.
func (s *ServerWindow) applyBatch(batch []server.Event) {
	follow := s.logAtBottom()
	nLines, usersChanged, roomsChanged, clusterChanged := len(s.m.Lines), false, false, false
	var mod servermodel.ModChanges
	for _, ev := range batch {
		ch := s.m.Apply(ev)
		usersChanged = usersChanged || ch.Users
		roomsChanged = roomsChanged || ch.Rooms
		mod.Bans, mod.Audit = mod.Bans || ch.Mod.Bans, mod.Audit || ch.Mod.Audit
		clusterChanged = clusterChanged || ch.Cluster
	}
	if clusterChanged || usersChanged {
		s.refreshCluster()
	}
	s.applyModeration(mod)
	for _, p := range s.m.Problems {
		s.showError(p.Title, p.Err)
	}
	s.m.Problems = s.m.Problems[:0]
	if usersChanged {
		s.users.Refresh()
	}
	if roomsChanged {
		s.roomList.Refresh()
	}
	s.trimLog(follow)
	if len(s.m.Lines) != nLines || usersChanged {
		s.log.Refresh()
		if follow {
			s.log.ScrollToBottom()
		}
	}
	s.updateControls()
	if s.m.Closing && s.m.State == servermodel.Stopped {
		s.closeNow()
	}
}

// showError shows one error dialog at a time; while one is open, later
// errors are only logged, so that a burst cannot bury the window.
func (s *ServerWindow) showError(title string, err error) {
	if s.errShown {
		return
	}
	s.errShown = true
	s.errorDialogs++
	d := dialog.NewError(fmt.Errorf("%s.\n\n%w", title, err), s.win)
	d.SetOnClosed(func() { s.errShown = false })
	d.Show()
}

// updateControls sets every button's enabled state and the status line from
// the window's state.
func (s *ServerWindow) updateControls() {
	running := s.m.State == servermodel.Running && !s.m.Closing
	nSel := len(s.m.Selected)
	setEnabled(s.name, s.m.State == servermodel.Stopped)
	setEnabled(s.host, s.m.State == servermodel.Stopped)
	setEnabled(s.port, s.m.State == servermodel.Stopped)
	setEnabled(s.start, s.m.State == servermodel.Stopped && !s.m.Closing)
	setEnabled(s.stop, running)
	setEnabled(s.kick, running && nSel > 0)
	setEnabled(s.selectAll, len(s.m.Shown) > 0 || nSel > 0)
	if nSel > 0 {
		s.kick.SetText(lang.L("Kick {{.Count}}…", map[string]any{"Count": nSel}))
		s.selectAll.SetText(lang.L("Clear selection ({{.Count}})", map[string]any{"Count": nSel}))
	} else {
		s.kick.SetText(lang.L("Kick…"))
		s.selectAll.SetText(lang.L("Select all shown"))
	}
	setEnabled(s.announce, running)
	setEnabled(s.announceBtn, running)
	s.updateModControls()
	s.updateGateways()
	if s.m.State == servermodel.Running {
		s.copyReach.Show()
	} else {
		s.copyReach.Hide() // its placeholder keeps the status line's height
	}

	switch s.m.State {
	case servermodel.Stopped:
		s.stateLabel.SetText(lang.L("Stopped"))
		s.stateLabel.Importance = widget.MediumImportance
		s.reach.SetText(lang.L("Not serving. Choose the address and port, then press Start."))
		s.counts.SetText("")
	case servermodel.Starting:
		s.stateLabel.SetText(lang.L("Starting"))
		s.stateLabel.Importance = widget.WarningImportance
		s.reach.SetText("")
		s.counts.SetText("")
	case servermodel.Running:
		s.stateLabel.SetText(lang.L("Running"))
		s.stateLabel.Importance = widget.SuccessImportance
		s.reach.SetText(lang.L("Clients connect to {{.Addrs}}", map[string]any{"Addrs": strings.Join(s.reachable(), lang.L("  or  "))}))
		s.counts.SetText(lang.N("{{.Count}} users connected · since {{.Since}}", len(s.m.Users),
			map[string]any{"Count": len(s.m.Users), "Since": formatSince(s.m.Since, time.Now())}))
	case servermodel.Stopping:
		s.stateLabel.SetText(lang.L("Stopping"))
		s.stateLabel.Importance = widget.WarningImportance
		s.counts.SetText("")
	}
	if s.m.Closing {
		s.reach.SetText(lang.L("Stopping the server before closing"))
	}
	s.updateTrust()
	s.lan.SetText(s.m.Announced)
	s.lan.Importance = widget.LowImportance
	if s.m.LANFailed {
		s.lan.Importance = widget.WarningImportance
	}
	show(s.lan, s.m.Announced != "")
	s.lan.Refresh()
	s.stateLabel.Refresh()
	s.win.SetTitle(s.m.Title(serverTitle()))
	users := strconv.Itoa(len(s.m.Users))
	if len(s.m.Shown) != len(s.m.Users) {
		users = lang.L("{{.Shown}} of {{.Count}}", map[string]any{"Shown": len(s.m.Shown), "Count": len(s.m.Users)})
	}
	ut := lang.L("Users ({{.Count}})", map[string]any{"Count": users})
	rt := lang.L("Rooms ({{.Count}})", map[string]any{"Count": len(s.m.Rooms)})
	if ut != s.usersTab.Text || rt != s.roomsTab.Text { // a refresh lays out every tab's title again
		s.usersTab.Text, s.roomsTab.Text = ut, rt
		s.tabs.Refresh()
	}
}

// reachable lists what clients should type to reach the bound address: the
// machine's LAN IPv4 addresses when listening on every interface.
func (s *ServerWindow) reachable() []string {
	ap, err := netip.ParseAddrPort(s.m.Bound)
	if err != nil {
		if s.m.Bound == "" {
			return nil
		}
		return []string{s.m.Bound}
	}
	port := strconv.Itoa(int(ap.Port()))
	a := ap.Addr().Unmap()
	switch {
	case a.IsUnspecified():
		var out []string
		for _, ip := range s.lanAddrs() {
			out = append(out, net.JoinHostPort(ip.String(), port))
		}
		if len(out) == 0 {
			out = []string{net.JoinHostPort("127.0.0.1", port) + " " + lang.L("(no network found: this computer only)")}
		}
		return out
	case a.IsLoopback():
		return []string{net.JoinHostPort(a.String(), port) + " " + lang.L("(this computer only)")}
	}
	return []string{net.JoinHostPort(a.String(), port)}
}

// --- activity log ---

func (s *ServerWindow) addLog(at time.Time, kind servermodel.Kind, text string) {
	s.m.Log(at, kind, text)
}

// logNow adds a line from a user action (outside applyBatch) and shows it.
func (s *ServerWindow) logNow(kind servermodel.Kind, text string) {
	follow := s.logAtBottom()
	s.addLog(time.Now(), kind, text)
	s.log.Refresh()
	if follow {
		s.log.ScrollToBottom()
	}
}

// logAtBottom reports whether the log shows (most of) its last line, so that
// new lines should scroll it.
func (s *ServerWindow) logAtBottom() bool {
	n := len(s.m.Lines)
	if n == 0 {
		return true
	}
	pad := theme.Padding()
	content := float32(n)*(s.logItemHt+pad) - pad
	return s.log.GetScrollOffset()+s.log.Size().Height >= content-s.logItemHt
}

// trimLog drops the oldest lines beyond maxLogLines, keeping the view on the
// same lines when the user has scrolled up.
func (s *ServerWindow) trimLog(follow bool) {
	drop := s.m.Trim(maxLogLines, logTrimSlack)
	if drop > 0 && s.logSel >= 0 {
		s.log.UnselectAll()
	}
	if drop > 0 && !follow {
		off := s.log.GetScrollOffset() - float32(drop)*(s.logItemHt+theme.Padding())
		s.log.Refresh()
		s.log.ScrollToOffset(max(off, 0))
	}
}
