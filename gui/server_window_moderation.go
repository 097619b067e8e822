package gui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/servermodel"
	"github.com/multichat/multichat/net/server"
)

// The server window's moderation: Mute and Unmute beside Kick, "and ban
// for …" in the Kick dialog, and a Moderation tab with lecture mode, the
// topic, the bans with Unban and the audit log (earlier runs included),
// exportable as CSV. One tab, not two: every tab's title is laid out again
// whenever a title changes (the user count, at every join). The state is
// servermodel's (Model.Mod).

// modWidgets are the moderation widgets of the server window.
type modWidgets struct {
	mute, unmute *widget.Button
	pin          *widget.Check // beside Announce: also pin it as the lobby's topic

	bans      *widget.List
	shownBans []server.BanInfo
	banSel    int
	unban     *widget.Button
	bansEmpty *widget.Label

	modTab     *container.TabItem
	room       *widget.Select // where lecture mode and the topic apply
	lectureOn  *widget.Button
	lectureOff *widget.Button
	state      *widget.Label // where lecture mode is on, and the topics
	topic      *imeEntry
	setTopic   *widget.Button
	audit      *widget.List
	export     *widget.Button
}

// everyRoom is the room selector's choice for lecture mode everywhere (the
// topic then goes to the lobby).
func everyRoom() string { return lang.L("Every room") }

func (s *ServerWindow) buildModeration() {
	md := &s.mod
	md.mute = widget.NewButtonWithIcon(lang.L("Mute…"), theme.VolumeMuteIcon(), s.muteTapped)
	md.unmute = widget.NewButtonWithIcon(lang.L("Unmute"), theme.VolumeUpIcon(), s.unmuteTapped)
	s.userActions.Add(md.mute)
	s.userActions.Add(md.unmute)
	md.pin = widget.NewCheck(lang.L("Pin as topic"), nil)

	md.banSel = -1
	md.bans = widget.NewList(
		func() int { return len(md.shownBans) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < 0 || id >= len(md.shownBans) {
				return
			}
			o.(*widget.Label).SetText(banLine(md.shownBans[id], time.Now()))
		})
	md.bans.OnSelected = func(id widget.ListItemID) {
		md.banSel = id
		s.updateModControls()
	}
	md.bans.OnUnselected = func(widget.ListItemID) {
		md.banSel = -1
		s.updateModControls()
	}
	md.unban = widget.NewButtonWithIcon(lang.L("Unban"), theme.ContentUndoIcon(), s.unbanTapped)
	md.bansEmpty = widget.NewLabel(lang.L("Nobody is banned. To ban someone, select them under Users and press Kick."))
	md.bansEmpty.Wrapping = fyne.TextWrapWord
	// Each pane's button shares its title's row: the audit log gets the room.
	bansPane := container.NewBorder(
		container.NewVBox(container.NewBorder(nil, nil, nil, md.unban,
			widget.NewLabelWithStyle(lang.L("Bans"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})), md.bansEmpty),
		nil, nil, nil, md.bans)

	md.room = widget.NewSelect([]string{everyRoom()}, nil)
	md.room.SetSelected(everyRoom())
	md.lectureOn = widget.NewButton(lang.L("Start lecture mode"), func() { s.lecture(true) })
	md.lectureOff = widget.NewButton(lang.L("End lecture mode"), func() { s.lecture(false) })
	md.state = widget.NewLabel("")
	md.state.Wrapping = fyne.TextWrapWord
	md.topic = newIMEEntry()
	md.topic.SetPlaceHolder(lang.L("Topic shown under the conversation's title (empty: none)"))
	md.topic.OnSubmitted = func(string) { s.topicTapped() }
	md.setTopic = widget.NewButton(lang.L("Set topic"), s.topicTapped)
	md.audit = widget.NewList(
		func() int { return len(s.m.Mod.Audit) },
		func() fyne.CanvasObject { return timedRow("2006-01-02 00:00:00") },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < 0 || id >= len(s.m.Mod.Audit) {
				return
			}
			e := s.m.Mod.Audit[id]
			c := o.(*fyne.Container)
			c.Objects[1].(*widget.Label).SetText(e.Time.Local().Format("2006-01-02 15:04:05"))
			c.Objects[0].(*widget.Label).SetText(servermodel.AuditLine(e))
		})
	md.audit.OnSelected = func(id widget.ListItemID) {
		md.audit.Unselect(id)
		if id >= 0 && id < len(s.m.Mod.Audit) { // tapping a line copies it whole
			e := s.m.Mod.Audit[id]
			s.app.Clipboard().SetContent(e.Time.Local().Format("2006-01-02 15:04:05") + " " + servermodel.AuditLine(e))
		}
	}
	md.export = widget.NewButtonWithIcon(lang.L("Export CSV…"), theme.DocumentSaveIcon(), s.exportAudit)
	controls := container.NewVBox(
		container.NewBorder(nil, nil, widget.NewLabel(lang.L("Room")), container.NewHBox(md.lectureOn, md.lectureOff), md.room),
		container.NewBorder(nil, nil, nil, md.setTopic, md.topic),
		md.state,
		widget.NewSeparator(),
	)
	auditPane := container.NewBorder(
		container.NewBorder(nil, nil, nil, md.export, widget.NewLabelWithStyle(lang.L("Audit log (every admin action, earlier runs included)"),
			fyne.TextAlignLeading, fyne.TextStyle{Bold: true})),
		nil, nil, nil, md.audit)
	split := container.NewVSplit(bansPane, auditPane)
	split.Offset = 0.3
	md.modTab = container.NewTabItemWithIcon(lang.L("Moderation"), theme.WarningIcon(),
		container.NewBorder(controls, nil, nil, nil, split))
}

// applyModeration redraws what moderation events changed.
func (s *ServerWindow) applyModeration(ch servermodel.ModChanges) {
	if ch.Bans {
		s.refreshBans()
	}
	if ch.Audit {
		s.mod.audit.Refresh()
		s.mod.audit.ScrollToBottom()
	}
}

func (s *ServerWindow) refreshBans() {
	md := &s.mod
	md.shownBans = s.m.ActiveBans(time.Now())
	md.banSel = -1
	md.bans.UnselectAll()
	show(md.bansEmpty, len(md.shownBans) == 0)
	md.bans.Refresh()
	title := lang.L("Moderation")
	if len(md.shownBans) > 0 {
		title = fmt.Sprintf(lang.L("Moderation (%d banned)"), len(md.shownBans))
	}
	if md.modTab.Text != title {
		md.modTab.Text = title
		if s.tabs != nil {
			s.tabs.Refresh()
		}
	}
}

// updateModControls sets the moderation buttons' enabled state.
func (s *ServerWindow) updateModControls() {
	md := &s.mod
	running := s.m.State == servermodel.Running && !s.m.Closing
	sel := s.m.Selection()
	muted := false
	for _, n := range sel {
		muted = muted || s.m.IsMuted(n)
	}
	setEnabled(md.mute, running && len(sel) > 0)
	setEnabled(md.unmute, running && muted)
	setEnabled(md.unban, md.banSel >= 0 && md.banSel < len(md.shownBans))
	setEnabled(md.lectureOn, running)
	setEnabled(md.lectureOff, running)
	setEnabled(md.setTopic, running)
	setEnabled(md.topic, running)
	setEnabled(md.export, len(s.m.Mod.Audit) > 0)
	if st := s.m.ModState(); st != md.state.Text {
		md.state.SetText(st)
	}
	rooms := []string{everyRoom()}
	for _, r := range s.m.Rooms {
		rooms = append(rooms, servermodel.RoomName(r.Name))
	}
	if strings.Join(rooms, "\n") != strings.Join(md.room.Options, "\n") {
		md.room.SetOptions(rooms)
		if !containsString(rooms, md.room.Selected) {
			md.room.SetSelected(everyRoom())
		}
	}
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// banLine is one ban in the Bans tab.
func banLine(b server.BanInfo, now time.Time) string {
	return fmt.Sprintf("%s — %s — %s — %s", b.Name, servermodel.UntilText(b.Until, now), servermodel.BanWhat(b), b.Reason)
}

// banSelect is the Kick dialog's "and ban for" choice, with "also ban the
// nickname".
func banSelect() (*dialogSelect, *dialogCheck) {
	noBan := lang.L("Do not ban")
	opts := append([]string{noBan}, servermodel.ChoiceLabels(servermodel.BanChoices)...)
	sel := newDialogSelect(opts, nil)
	sel.SetSelected(noBan)
	nick := newDialogCheck(lang.L("Also ban the nickname (and names that look like it)"), nil)
	return sel, nick
}

// kickOrBan is what the Kick dialog sends for nick: a Kick, or a Ban (which
// kicks too) when a length was chosen.
func kickOrBan(nick, reason, banFor string, byNick bool, now time.Time) server.Command {
	until, ok := servermodel.ChoiceUntil(servermodel.BanChoices, banFor, now)
	if !ok {
		return server.Kick{Nick: nick, Reason: reason}
	}
	if reason == defaultKickReason {
		reason = server.DefaultBanReason
	}
	return server.Ban{Nick: nick, Until: until, Reason: reason, ByNick: byNick}
}

func (s *ServerWindow) muteTapped() {
	nicks := s.m.Selection()
	if len(nicks) == 0 || s.m.State != servermodel.Running {
		return
	}
	reason := newIMEEntry()
	reason.SetPlaceHolder(lang.L("Reason (optional)"))
	length := newDialogSelect(servermodel.ChoiceLabels(servermodel.MuteChoices), nil)
	length.SetSelected(servermodel.MuteChoices[0].Label())
	who := widget.NewLabelWithStyle(listNames(nicks, 12), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	who.Wrapping = fyne.TextWrapWord
	title := lang.L("Mute {{.Nick}}?", map[string]any{"Nick": nicks[0]})
	if len(nicks) > 1 {
		title = fmt.Sprintf(lang.L("Mute %d users?"), len(nicks))
	}
	items := []*widget.FormItem{
		widget.NewFormItem(lang.L("Users"), who),
		widget.NewFormItem(lang.L("For"), length),
		widget.NewFormItem(lang.L("Reason"), reason),
	}
	d := dialog.NewForm(title, lang.L("Mute"), lang.L("Cancel"), items, func(ok bool) {
		if !ok {
			return
		}
		until, _ := servermodel.ChoiceUntil(servermodel.MuteChoices, length.Selected, time.Now())
		for _, nick := range nicks {
			s.out.send(server.Mute{Nick: nick, Until: until, Reason: strings.TrimSpace(reason.Text)})
		}
	}, s.win)
	reason.OnSubmitted = func(string) { d.Submit() }
	dialogKeysTo(d, d.Submit, length)
	d.Resize(fyne.NewSize(460, d.MinSize().Height))
	d.Show()
	s.win.Canvas().Focus(reason)
}

func (s *ServerWindow) unmuteTapped() {
	for _, nick := range s.m.Selection() {
		if s.m.IsMuted(nick) {
			s.out.send(server.Unmute{Nick: nick})
		}
	}
}

func (s *ServerWindow) unbanTapped() {
	md := &s.mod
	if md.banSel < 0 || md.banSel >= len(md.shownBans) {
		return
	}
	s.out.send(server.Unban{ID: md.shownBans[md.banSel].ID})
}

// selectedRoom is the room the Moderation tab's controls act on ("" : every
// room, or the lobby for the topic).
func (s *ServerWindow) selectedRoom() string {
	sel := s.mod.room.Selected
	if sel == everyRoom() {
		return ""
	}
	name := sel
	for _, r := range s.m.Rooms { // the lobby is shown in the interface's language
		if r.Name == sel {
			return sel
		}
		if servermodel.RoomName(r.Name) == sel {
			name = r.Name
		}
	}
	return name
}

func (s *ServerWindow) lecture(on bool) {
	if s.m.State == servermodel.Running {
		s.out.send(server.Lecture{Room: s.selectedRoom(), On: on})
	}
}

func (s *ServerWindow) topicTapped() {
	if s.m.State != servermodel.Running {
		return
	}
	s.out.send(server.SetTopic{Room: s.selectedRoom(), Text: strings.TrimSpace(s.mod.topic.Text)})
	s.mod.topic.SetText("")
}

// exportAudit saves the audit log as CSV where the admin chooses.
func (s *ServerWindow) exportAudit() {
	data := servermodel.AuditCSV(s.m.Mod.Audit)
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil {
			s.showError(lang.L("Could not export the audit log"), err)
			return
		}
		if wc == nil {
			return // cancelled
		}
		_, err = wc.Write(data)
		if cerr := wc.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			s.showError(lang.L("Could not export the audit log"), err)
			return
		}
		s.logNow(servermodel.Info, fmt.Sprintf(lang.L("Exported %d audit entries to %s"), len(s.m.Mod.Audit), wc.URI().Path()))
		s.log.Refresh()
	}, s.win)
	d.SetFileName("multichat-audit-" + time.Now().Format("2006-01-02") + ".csv")
	d.Show()
}

// timedRow is a list row of the activity and audit logs: a time as wide as
// sample, then one line of text (Objects[0] the text, Objects[1] the time).
func timedRow(sample string) fyne.CanvasObject {
	at := widget.NewLabel(sample)
	at.Importance = widget.LowImportance
	text := widget.NewLabel("")
	text.Truncation = fyne.TextTruncateEllipsis
	return container.NewBorder(nil, nil, at, nil, text)
}
