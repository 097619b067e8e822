package gui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/clientmodel"
)

// The client window's side of moderation: the topic the admin or a room
// operator pinned under the conversation's title, the entry disabled while
// muted or in lecture mode (its placeholder says why), announcements on a
// tinted band.

func (w *ClientWindow) buildTopic() {
	w.topic = widget.NewLabel("")
	w.topic.Wrapping = fyne.TextWrapWord
	w.topic.Importance = widget.HighImportance
	w.topic.Hide()
}

// drawTopic shows the topic of the conversation on screen, if it has one,
// and "Set topic…" to the room's operators.
func (w *ClientWindow) drawTopic() {
	c := w.shown
	show(w.topicBtn, w.m.AmOp(c)) // a room's operator (or a server operator, in the lobby too)
	was, wasText := w.topic.Visible(), w.topic.Text
	if c == nil || c.Topic == "" {
		w.topic.Hide()
	} else {
		w.topic.SetText(lang.L("Topic") + ": " + c.Topic)
		w.topic.Show()
	}
	if w.topic.Visible() != was || w.topic.Visible() && w.topic.Text != wasText {
		// Showing, hiding or rewrapping the topic changes the header's
		// height: lay the conversation out again, or the topic is drawn
		// over the log's first lines.
		w.centerTop.Refresh()
		w.center.Layout.Layout(w.center.Objects, w.center.Size())
	}
}

// drawEntry enables the message entry unless the conversations are read
// only or the user may not write in the one on screen, and says why in the
// placeholder.
func (w *ClientWindow) drawEntry() {
	readOnly := w.m.ReadOnly()
	why := ""
	if !readOnly && w.m.Phase == clientmodel.Chat {
		why = w.m.Silenced(w.shown)
	}
	setEnabled(w.input, !readOnly && why == "")
	setEnabled(w.sendBtn, !readOnly && why == "")
	setEnabled(w.fileBtn, !readOnly && why == "")
	switch {
	case why != "":
		w.input.SetPlaceHolder(why)
	case w.shown != nil:
		w.input.SetPlaceHolder(w.placeholder(w.shown))
	}
}

// noticeColor is the band behind an announcement.
func noticeColor(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x30}
}
