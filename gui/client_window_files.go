package gui

import (
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/clientmodel"
)

// maxCards is how many file cards the conversation shows at once (the
// newest); finished ones can be dismissed.
const maxCards = 4

// fileCard is one transfer's card above the message entry: who, what, how
// far, and the buttons that apply now.
type fileCard struct {
	box                                      *fyne.Container
	title, info                              *widget.Label
	bar                                      *widget.ProgressBar
	accept, decline, cancel, open, folder, x *widget.Button
	rcpts                                    *fyne.Container // a room offer of mine: a bar per recipient
	rows                                     []rcptRow
}

// rcptRow is one recipient's line on the card of a file I offer to a room.
type rcptRow struct {
	box        *fyne.Container
	nick, note *widget.Label
	bar        *widget.ProgressBar
}

func (w *ClientWindow) newFileCard(key string) *fileCard {
	c := &fileCard{title: widget.NewLabel(""), info: widget.NewLabel(""), bar: widget.NewProgressBar()}
	c.title.Truncation = fyne.TextTruncateEllipsis
	c.info.Truncation = fyne.TextTruncateEllipsis
	c.title.TextStyle.Bold = true
	act := func(f func(string)) func() { return func() { w.change(func() { f(key) }) } }
	c.accept = widget.NewButtonWithIcon(lang.L("Accept"), theme.DownloadIcon(), act(w.m.AcceptFile))
	c.accept.Importance = widget.HighImportance
	c.decline = widget.NewButtonWithIcon(lang.L("Decline"), theme.CancelIcon(), act(w.m.CancelFile))
	c.cancel = widget.NewButtonWithIcon(lang.L("Cancel"), theme.CancelIcon(), act(w.m.CancelFile))
	c.open = widget.NewButtonWithIcon(lang.L("Open"), theme.FileIcon(), func() {
		if t := w.m.Transfer(key); t != nil && t.Path != "" {
			w.openPath(t.Path)
		}
	})
	c.folder = widget.NewButtonWithIcon(lang.L("Show in folder"), theme.FolderOpenIcon(), func() {
		if t := w.m.Transfer(key); t != nil && t.Path != "" {
			w.openPath(filepath.Dir(t.Path))
		}
	})
	c.x = widget.NewButtonWithIcon("", theme.WindowCloseIcon(), act(w.m.DismissFile))
	buttons := container.NewHBox(c.accept, c.decline, c.cancel, c.open, c.folder, c.x)
	c.rcpts = container.NewVBox()
	c.box = container.NewBorder(nil, nil, nil, buttons, container.NewVBox(c.title, c.bar, c.rcpts, c.info))
	return c
}

// openPath opens a file or folder with the desktop's application for it.
func (w *ClientWindow) openPath(path string) {
	_ = w.app.OpenURL(&url.URL{Scheme: "file", Path: filepath.ToSlash(path)})
}

// set shows t.
func (c *fileCard) set(t *clientmodel.Transfer) {
	what := t.Name + " — " + clientmodel.ByteSize(t.Size)
	if t.Type != "" {
		what += ", " + t.Type
	}
	if t.Mine {
		c.title.SetText(fmt.Sprintf(lang.L("You offer %s"), what))
	} else {
		c.title.SetText(fmt.Sprintf(lang.L("%s offers %s"), t.From, what))
	}
	moving := t.State == clientmodel.TransferRunning || t.State == clientmodel.TransferPaused
	c.bar.SetValue(t.Fraction())
	show(c.bar, moving && len(t.Rcpts) == 0)
	c.setRcpts(t, moving)
	c.info.SetText(cardInfo(t))
	c.info.Importance = widget.MediumImportance
	if t.State == clientmodel.TransferFailed || t.State == clientmodel.TransferAsking && !t.Fits() {
		c.info.Importance = widget.DangerImportance
	}
	c.info.Refresh()
	show(c.accept, t.State == clientmodel.TransferAsking)
	show(c.decline, t.State == clientmodel.TransferAsking)
	show(c.cancel, t.State == clientmodel.TransferWaiting || t.State == clientmodel.TransferRunning || t.State == clientmodel.TransferPaused)
	show(c.open, t.State == clientmodel.TransferDone && t.Path != "")
	show(c.folder, t.State == clientmodel.TransferDone && t.Path != "")
	show(c.x, !t.Active())
	if t.State == clientmodel.TransferAsking && !t.Fits() {
		c.accept.Disable()
	} else {
		c.accept.Enable()
	}
}

// setRcpts shows a bar per recipient of a file I offer to a room, while it
// moves (widgets are reused: progress redraws often).
func (c *fileCard) setRcpts(t *clientmodel.Transfer, moving bool) {
	if !moving {
		t = &clientmodel.Transfer{}
	}
	for len(c.rows) < len(t.Rcpts) {
		r := rcptRow{nick: widget.NewLabel(""), note: widget.NewLabel(""), bar: widget.NewProgressBar()}
		r.nick.Truncation = fyne.TextTruncateEllipsis
		r.box = container.NewGridWithColumns(3, r.nick, r.bar, r.note)
		c.rows = append(c.rows, r)
	}
	objs := make([]fyne.CanvasObject, len(t.Rcpts))
	for i, p := range t.Rcpts {
		r := c.rows[i]
		r.nick.SetText(p.Nick)
		if t.Size > 0 {
			r.bar.SetValue(float64(p.Bytes) / float64(t.Size))
		} else {
			r.bar.SetValue(1)
		}
		r.note.SetText(p.Note)
		objs[i] = r.box
	}
	c.rows = c.rows[:len(t.Rcpts)]
	c.rcpts.Objects = objs
	show(c.rcpts, len(objs) > 0)
	c.rcpts.Refresh()
}

// cardInfo is the card's second line.
func cardInfo(t *clientmodel.Transfer) string {
	notes := ""
	if len(t.Notes) > 0 {
		notes = " · " + t.Notes[len(t.Notes)-1]
	}
	switch t.State {
	case clientmodel.TransferAsking:
		if t.Why != "" {
			return t.Why
		}
		if !t.Fits() {
			return t.NoSpace()
		}
		return lang.L("Nothing is saved until you accept.")
	case clientmodel.TransferWaiting:
		if t.To != "" {
			return fmt.Sprintf(lang.L("Waiting for %s to accept"), t.To) + notes
		}
		return lang.L("Waiting for someone to accept") + notes
	case clientmodel.TransferRunning:
		s := fmt.Sprintf(lang.L("%s of %s"), clientmodel.ByteSize(t.Bytes), clientmodel.ByteSize(t.Size))
		if t.Speed > 0 {
			s += " · " + clientmodel.ByteSize(int64(t.Speed)) + "/s"
		}
		if left := t.Left(); left > 0 {
			s += " · " + fmt.Sprintf(lang.L("%s left"), roundLeft(left))
		}
		return s + notes
	case clientmodel.TransferPaused:
		return fmt.Sprintf(lang.L("Interrupted at %s: carries on when both sides are back (%s)"), clientmodel.ByteSize(t.Bytes), t.Why)
	case clientmodel.TransferDone:
		if t.Mine {
			return lang.L("Done") + notes
		}
		return fmt.Sprintf(lang.L("Saved as %s"), t.Path)
	}
	return t.Why + notes
}

func roundLeft(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	return d.Round(time.Minute).String()
}

// drawFiles shows the current conversation's newest file cards.
func (w *ClientWindow) drawFiles() {
	var list []*clientmodel.Transfer
	if w.m.Cur != nil {
		list = w.m.TransfersIn(w.m.Cur)
	}
	if len(list) > maxCards {
		list = list[len(list)-maxCards:]
	}
	keep := make(map[string]*fileCard, len(list))
	objs := make([]fyne.CanvasObject, 0, len(list))
	for _, t := range list {
		c := w.cards[t.Key]
		if c == nil {
			c = w.newFileCard(t.Key)
		}
		c.set(t)
		keep[t.Key] = c
		objs = append(objs, c.box)
	}
	w.cards = keep
	w.filesBox.Objects = objs
	show(w.filesBox, len(objs) > 0)
	w.filesBox.Refresh()
}

// dropped offers the files dropped on the window to the current
// conversation.
func (w *ClientWindow) dropped(_ fyne.Position, uris []fyne.URI) {
	if w.m.Phase != clientmodel.Chat || w.m.ReadOnly() {
		return
	}
	var paths []string
	for _, u := range uris {
		if u.Scheme() == "file" {
			paths = append(paths, u.Path())
		}
	}
	w.change(func() { w.m.SendFiles(paths) })
}
