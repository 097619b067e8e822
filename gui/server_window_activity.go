package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// buildDetail builds the pane under the activity log that shows a picked
// line in full, selectable, with Copy.
func (s *ServerWindow) buildDetail() {
	s.log.OnSelected = s.showDetail
	s.log.OnUnselected = func(widget.ListItemID) { s.hideDetail() }
	s.detail = widget.NewLabel("")
	s.detail.Wrapping = fyne.TextWrapWord
	s.detail.Selectable = true
	copyBtn := widget.NewButtonWithIcon(lang.L("Copy"), theme.ContentCopyIcon(), s.copyDetail)
	closeBtn := widget.NewButtonWithIcon("", theme.CancelIcon(), func() { s.log.UnselectAll() })
	closeBtn.Importance = widget.LowImportance
	scroll := container.NewVScroll(s.detail)
	scroll.SetMinSize(fyne.NewSize(0, 96))
	s.detailPane = container.NewBorder(widget.NewSeparator(), nil, nil,
		container.NewVBox(copyBtn, closeBtn), scroll)
	s.detailPane.Hide()
}

func (s *ServerWindow) logPane() fyne.CanvasObject {
	title := widget.NewLabelWithStyle(lang.L("Activity"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	hint := widget.NewLabel(lang.L("click a line to read or copy it in full"))
	hint.Importance = widget.LowImportance
	hint.Truncation = fyne.TextTruncateEllipsis
	return container.NewBorder(container.NewBorder(nil, nil, title, nil, hint), s.detailPane, nil, nil, s.log)
}

// showDetail shows the full text of log line id under the log.
func (s *ServerWindow) showDetail(id widget.ListItemID) {
	if id < 0 || id >= len(s.m.Lines) {
		return
	}
	s.logSel = id
	s.detail.SetText(s.m.Lines[id].CopyText())
	s.detailPane.Show()
}
func (s *ServerWindow) hideDetail() {
	s.logSel = -1
	s.detailPane.Hide()
}

// copyDetail puts the selected log line on the clipboard.
func (s *ServerWindow) copyDetail() {
	if s.logSel >= 0 && s.logSel < len(s.m.Lines) {
		s.app.Clipboard().SetContent(s.m.Lines[s.logSel].CopyText())
	}
}

// confirmStop runs then at once when nobody is connected, otherwise after
// the user agreed to "33 people are connected. Stop the server?".
func (s *ServerWindow) confirmStop(closing bool, then func()) {
	q := s.m.StopQuestion(closing)
	if q == "" {
		then()
		return
	}
	if s.askOpen {
		return
	}
	s.askOpen = true
	d := dialog.NewConfirm(lang.L("Stop the server?"), q, func(ok bool) {
		s.askOpen = false
		if ok {
			then()
		}
	}, s.win)
	d.SetConfirmText(lang.L("Stop the server"))
	d.SetDismissText(lang.L("Keep running"))
	d.SetConfirmImportance(widget.DangerImportance)
	d.Show()
}
