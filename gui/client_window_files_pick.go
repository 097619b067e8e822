package gui

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/clientmodel"
)

// filePicker is the Send file… dialog: one folder's files, any number of
// them ticked to be sent at once (Fyne's file dialog picks only one).
// Folders open on a tap; the folder last sent from is where it opens next.
type filePicker struct {
	w       *ClientWindow
	dir     string
	entries []pickEntry
	chosen  map[string]int64 // path → size
	where   *widget.Label
	list    *widget.List
	summary *widget.Label
}

type pickEntry struct {
	name string
	dir  bool
	size int64
}

// chooseFiles opens the picker on the folder last sent from (else home).
func (w *ClientWindow) chooseFiles() {
	p := &filePicker{w: w, chosen: map[string]int64{}, where: widget.NewLabel(""), summary: widget.NewLabel("")}
	p.where.Truncation = fyne.TextTruncateEllipsis
	p.list = widget.NewList(func() int { return len(p.entries) }, func() fyne.CanvasObject {
		name := widget.NewLabel("")
		name.Truncation = fyne.TextTruncateEllipsis
		return container.NewBorder(nil, nil, widget.NewIcon(theme.FolderIcon()), widget.NewLabel(""), name)
	}, func(i widget.ListItemID, o fyne.CanvasObject) {
		e := p.entries[i]
		row := o.(*fyne.Container)
		icon, size := theme.FolderIcon(), ""
		if !e.dir {
			icon, size = theme.CheckButtonIcon(), clientmodel.ByteSize(e.size)
			if _, ok := p.chosen[filepath.Join(p.dir, e.name)]; ok {
				icon = theme.CheckButtonCheckedIcon()
			}
		}
		row.Objects[0].(*widget.Label).SetText(e.name)
		row.Objects[1].(*widget.Icon).SetResource(icon)
		row.Objects[2].(*widget.Label).SetText(size)
	})
	p.list.OnSelected = func(i widget.ListItemID) {
		p.list.UnselectAll()
		p.tap(i)
	}
	up := widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { p.open(filepath.Dir(p.dir)) })
	home := widget.NewButtonWithIcon("", theme.HomeIcon(), func() {
		if h, err := os.UserHomeDir(); err == nil {
			p.open(h)
		}
	})
	top := container.NewBorder(nil, nil, container.NewHBox(up, home), nil, p.where)
	content := container.NewBorder(top, p.summary, nil, nil, p.list)
	d := dialog.NewCustomConfirm(lang.L("Send files"), lang.L("Send"), lang.L("Cancel"), content, func(ok bool) {
		if !ok || len(p.chosen) == 0 {
			return
		}
		paths := make([]string, 0, len(p.chosen))
		for path := range p.chosen {
			paths = append(paths, path)
		}
		slices.Sort(paths)
		w.pickDir = filepath.Dir(paths[0])
		w.change(func() { w.m.SendFiles(paths) })
	}, w.win)
	start := w.pickDir
	if start == "" {
		start, _ = os.UserHomeDir()
	}
	p.open(start)
	w.picker = p
	d.Resize(fyne.NewSize(640, 520))
	d.Show()
}

// open shows dir's folders and files (hidden ones left out); the files
// ticked elsewhere stay ticked.
func (p *filePicker) open(dir string) {
	des, err := os.ReadDir(dir)
	if err != nil {
		p.summary.SetText(fmt.Sprintf(lang.L("Cannot open %s: %s"), dir, clientmodel.Plain(err, "")))
		return
	}
	shown := p.dir != "" // the list has been drawn: it can scroll
	p.dir, p.entries = dir, p.entries[:0]
	for _, de := range des {
		if strings.HasPrefix(de.Name(), ".") {
			continue
		}
		fi, err := os.Stat(filepath.Join(dir, de.Name())) // follows links
		if err != nil || !fi.IsDir() && !fi.Mode().IsRegular() {
			continue
		}
		p.entries = append(p.entries, pickEntry{name: de.Name(), dir: fi.IsDir(), size: fi.Size()})
	}
	slices.SortFunc(p.entries, func(a, b pickEntry) int {
		if a.dir != b.dir {
			if a.dir {
				return -1
			}
			return 1
		}
		return cmp.Compare(strings.ToLower(a.name), strings.ToLower(b.name))
	})
	p.where.SetText(dir)
	p.list.Refresh()
	if shown {
		p.list.ScrollToTop()
	}
	p.count()
}

// tap opens a folder or ticks (unticks) a file.
func (p *filePicker) tap(i int) {
	if i < 0 || i >= len(p.entries) {
		return
	}
	e := p.entries[i]
	path := filepath.Join(p.dir, e.name)
	switch {
	case e.dir:
		p.open(path)
		return
	case p.has(path):
		delete(p.chosen, path)
	default:
		p.chosen[path] = e.size
	}
	p.list.RefreshItem(i)
	p.count()
}

func (p *filePicker) has(path string) bool {
	_, ok := p.chosen[path]
	return ok
}

// count says what Send would send.
func (p *filePicker) count() {
	if len(p.chosen) == 0 {
		p.summary.SetText(lang.L("Tap files to choose them; folders open."))
		return
	}
	var total int64
	for _, n := range p.chosen {
		total += n
	}
	p.summary.SetText(lang.L("Chosen: {{.Count}} ({{.Size}})", map[string]any{"Count": len(p.chosen), "Size": clientmodel.ByteSize(total)}))
}
