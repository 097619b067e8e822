package gui

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/servermodel"
	"github.com/multichat/multichat/net/wire"
)

const (
	prefKeepDays     = "server.history.keepdays"
	prefExportFormat = "server.history.exportformat"
	// histReadTime bounds one read of the history database.
	histReadTime = 30 * time.Second
)

// historyTab is the server window's History tab: browse a room by day,
// search every room, export what is shown, set how long history is kept,
// and where the database is. Its state is a servermodel.History; reads run
// on a goroutine of their own and their answers are applied on the UI
// goroutine.
type historyTab struct {
	s   *ServerWindow
	src servermodel.HistorySource
	m   servermodel.History

	item       *container.TabItem
	room       *widget.Select
	date       *widget.Entry
	prev, next *widget.Button
	search     *widget.Entry
	title      *widget.Label
	list       *widget.List
	format     *widget.Select // the export's format (its label)
	exportDay  *widget.Button // what is shown
	exportRoom *widget.Button // the whole room shown
	keepDays   *widget.Entry
	keepApply  *widget.Button
	database   *widget.Label
	refreshing bool // the room picker is being set from the model
}

func historyColumns() []column {
	return []column{{lang.L("Time"), 0.24}, {lang.L("Room"), 0.12}, {lang.L("From"), 0.15}, {lang.L("Text"), 0.49}}
}

// ShowHistory adds the History tab, reading src (the server's history
// store). A keep-days setting saved in the app's preferences is applied to
// src; SetKeepDays (a command-line flag) overrides it.
func (s *ServerWindow) ShowHistory(src servermodel.HistorySource) {
	if s.history != nil || src == nil {
		return
	}
	t := &historyTab{s: s, src: src}
	s.history = t
	if n := s.app.Preferences().IntWithFallback(prefKeepDays, -1); n >= 0 {
		src.SetKeepDays(n)
	}
	t.build()
	s.tabs.Append(t.item)
	t.run(t.m.LoadRooms())
}

// SetKeepDays sets how long history is kept (0: forever), as the History
// tab's setting would, and remembers it.
func (s *ServerWindow) SetKeepDays(n int) {
	if t := s.history; t != nil {
		t.setKeepDays(n)
	}
}

func (t *historyTab) build() {
	t.room = widget.NewSelect(nil, func(name string) {
		if !t.refreshing && name != "" {
			if name == servermodel.RoomName(wire.Lobby) {
				name = wire.Lobby // the lobby is listed in the interface's language
			}
			t.search.SetText("")
			t.run(t.m.ShowRoom(name))
		}
	})
	t.room.PlaceHolder = lang.L("(no room has history yet)")
	t.date = widget.NewEntry()
	t.date.SetPlaceHolder("2026-03-04")
	t.date.OnSubmitted = func(text string) {
		read, err := t.m.ShowDate(text)
		if err != nil {
			t.s.showError(lang.L("Invalid date"), err)
			return
		}
		t.run(read)
	}
	t.prev = widget.NewButtonWithIcon("", theme.NavigateBackIcon(), func() { t.run(t.m.StepDay(-1)) })
	t.next = widget.NewButtonWithIcon("", theme.NavigateNextIcon(), func() { t.run(t.m.StepDay(1)) })
	reload := widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), func() { t.run(t.m.LoadRooms()) })
	t.search = widget.NewEntry()
	t.search.SetPlaceHolder(lang.L("Search every room (Enter)"))
	t.search.OnSubmitted = func(text string) {
		if text == "" {
			t.run(t.m.ShowRoom(t.m.RoomName()))
			return
		}
		t.run(t.m.Search(text))
	}
	t.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	t.title.Truncation = fyne.TextTruncateEllipsis
	t.list = widget.NewList(
		func() int { return len(t.m.Rows) },
		func() fyne.CanvasObject { return newColumnsRow(historyColumns(), false) },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < 0 || id >= len(t.m.Rows) {
				return
			}
			at, room, who, text := servermodel.HistoryLine(t.m.Rows[id])
			setColumns(o, at, servermodel.RoomName(room), who, text)
		})
	t.list.OnSelected = func(id widget.ListItemID) { t.list.Unselect(id) }
	var labels []string
	for _, f := range servermodel.ExportFormats() {
		labels = append(labels, f.Label())
	}
	t.format = widget.NewSelect(labels, func(label string) {
		t.s.app.Preferences().SetString(prefExportFormat, string(servermodel.FormatLabeled(label)))
	})
	t.format.SetSelected(servermodel.ExportFormat(t.s.app.Preferences().StringWithFallback(prefExportFormat,
		string(servermodel.FormatText))).Label())
	t.exportDay = widget.NewButtonWithIcon(lang.L("Export shown…"), theme.DocumentSaveIcon(), t.export)
	t.exportRoom = widget.NewButtonWithIcon(lang.L("Export whole room…"), theme.DocumentSaveIcon(), t.exportWhole)
	t.keepDays = widget.NewEntry()
	t.keepDays.SetPlaceHolder(lang.L("forever"))
	t.keepDays.OnSubmitted = func(string) { t.applyKeepDays() }
	t.keepApply = widget.NewButton(lang.L("Apply"), t.applyKeepDays)
	t.database = widget.NewLabel("")
	t.database.Selectable = true
	t.database.Truncation = fyne.TextTruncateEllipsis

	header := container.NewVBox(newColumnsRow(historyColumns(), true), widget.NewSeparator())
	browse := container.NewBorder(nil, nil,
		container.NewHBox(t.room, t.prev), container.NewHBox(t.next, reload),
		t.date)
	top := container.NewVBox(browse, t.search, t.title, header)
	keep := container.NewHBox(widget.NewLabel(lang.L("Keep history for")),
		container.NewGridWrap(fyne.NewSize(70, t.keepDays.MinSize().Height), t.keepDays),
		widget.NewLabel(lang.L("days (empty or 0: forever)")), t.keepApply)
	// Two rows, so that the tab does not widen the window's left side
	// (the activity pane beside it keeps its room): what is kept and
	// where, then how to export it.
	bottom := container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, keep, nil, t.database),
		container.NewHBox(layout.NewSpacer(), t.format, t.exportDay, t.exportRoom))
	t.item = container.NewTabItemWithIcon(lang.L("History"), theme.HistoryIcon(),
		container.NewBorder(top, bottom, nil, nil, t.list))
	t.refresh()
}

// run starts a read; its answer is applied on the UI goroutine (a read
// overtaken by a later one is dropped there).
func (t *historyTab) run(read servermodel.HistoryRead) {
	t.refresh()
	src := t.src
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), histReadTime)
		res := read(ctx, src)
		cancel()
		t.s.onUI(func() {
			if t.m.Apply(res) {
				t.refresh()
				t.list.ScrollToTop()
			}
		})
	}()
}

// refresh shows the model.
func (t *historyTab) refresh() {
	t.refreshing = true
	t.room.Options = t.m.RoomNames()
	for i, r := range t.room.Options {
		t.room.Options[i] = servermodel.RoomName(r)
	}
	t.room.SetSelected(servermodel.RoomName(t.m.RoomName()))
	t.room.Refresh()
	t.refreshing = false
	if !t.m.Day.IsZero() && t.m.Query == "" {
		t.date.SetText(t.m.Day.Format(time.DateOnly))
	}
	title := t.m.Title()
	switch {
	case t.m.Busy:
		title = lang.L("Reading the history…")
	case t.m.Err != "":
		title += " — " + t.m.Err
	}
	t.title.SetText(title)
	browsing := t.m.Conv != "" && t.m.Query == "" && !t.m.Busy
	for _, b := range []*widget.Button{t.prev, t.next} {
		if browsing {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	enable(t.exportDay, len(t.m.Rows) > 0 && !t.m.Busy)
	enable(t.exportRoom, t.m.Conv != "" && t.m.Query == "" && !t.m.Busy)
	if t.keepDays.Text == "" && t.src.KeepDays() > 0 {
		t.keepDays.SetText(fmt.Sprint(t.src.KeepDays()))
	}
	t.database.SetText(servermodel.DatabaseLine(t.src.Status()))
	t.list.Refresh()
}

func (t *historyTab) applyKeepDays() {
	n, err := servermodel.ParseKeepDays(t.keepDays.Text)
	if err != nil {
		t.s.showError(lang.L("Invalid number of days"), err)
		return
	}
	t.setKeepDays(n)
}

func (t *historyTab) setKeepDays(n int) {
	t.src.SetKeepDays(n)
	t.s.app.Preferences().SetInt(prefKeepDays, n)
	if n == 0 {
		t.keepDays.SetText("")
		t.s.logNow(servermodel.Info, lang.L("History is kept forever"))
		return
	}
	t.keepDays.SetText(fmt.Sprint(n))
	t.s.logNow(servermodel.Info, fmt.Sprintf(lang.L("History older than %d days is removed"), n))
}

// export saves what is shown (a room's day, or search results) in the
// format chosen, in a file the admin picks.
func (t *historyTab) export() {
	rows, f, title := slices.Clone(t.m.Rows), t.chosenFormat(), t.m.ExportTitle()
	if len(rows) == 0 {
		return
	}
	t.saveAs(t.m.ExportName(f, false), func(w io.Writer) (int, error) {
		return len(rows), servermodel.Export(w, f, title, rows)
	})
}

// exportWhole saves everything kept of the room shown, every day of it
// (read page by page off the UI goroutine), in the format chosen.
func (t *historyTab) exportWhole() {
	conv, f, title := t.m.Conv, t.chosenFormat(), t.m.RoomExportTitle()
	if conv == "" {
		return
	}
	src := t.src
	t.saveAs(t.m.ExportName(f, true), func(w io.Writer) (int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*histReadTime)
		defer cancel()
		return servermodel.ExportRoom(ctx, src, conv, w, f, title)
	})
}

func (t *historyTab) chosenFormat() servermodel.ExportFormat {
	return servermodel.FormatLabeled(t.format.Selected)
}

// saveAs asks where to save name, then runs write into that file on a
// goroutine of its own and says in the activity log how it went.
func (t *historyTab) saveAs(name string, write func(io.Writer) (int, error)) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			t.s.showError(lang.L("Export failed"), err)
			return
		}
		if w == nil {
			return // cancelled
		}
		go func() {
			bw := bufio.NewWriter(w)
			n, werr := write(bw)
			if werr == nil {
				werr = bw.Flush()
			}
			if cerr := w.Close(); werr == nil {
				werr = cerr
			}
			t.s.onUI(func() {
				if werr != nil {
					t.s.showError(lang.L("Export failed"), werr)
					return
				}
				t.s.logNow(servermodel.Info, fmt.Sprintf(lang.L("Exported %d history entries to %s"), n, w.URI().Path()))
			})
		}()
	}, t.s.win)
	d.SetFileName(name)
	d.Show()
}

// enable enables or disables b.
func enable(b *widget.Button, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}

// onUI runs f on the goroutine that owns the widgets.
func (s *ServerWindow) onUI(f func()) {
	if s.uiDo != nil {
		s.uiDo(f)
		return
	}
	fyne.Do(f)
}
