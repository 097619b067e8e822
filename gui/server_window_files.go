package gui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/gui/servermodel"
	"github.com/multichat/multichat/net/server"
)

// fileSizes are the largest-file choices of the Files… dialog.
var fileSizes = []int64{10 << 20, 100 << 20, 1 << 30, 4 << 30}

// filePolicy is what the window last asked of the server about files.
type filePolicy struct {
	off bool
	max int64
}

// SetFilePolicy tells the window the policy the server was started with
// (the -files and -max-file-size flags), which the Files… dialog changes.
func (s *ServerWindow) SetFilePolicy(off bool, maxSize int64) {
	s.files = filePolicy{off: off, max: maxSize}
}

func (s *ServerWindow) buildFiles() {
	s.filesBtn = widget.NewButtonWithIcon(lang.L("Files…"), theme.FileIcon(), s.filesTapped)
	if s.files.max == 0 {
		s.files.max = 1 << 30
	}
}

// filesTapped lets the administrator turn file transfers on or off and
// choose the largest file; it applies at once (transfers under way finish).
func (s *ServerWindow) filesTapped() {
	allow := newDialogCheck(lang.L("Let users send files"), nil)
	allow.SetChecked(!s.files.off)
	var names []string
	sizes := fileSizes
	if !containsSize(sizes, s.files.max) {
		sizes = append([]int64{s.files.max}, sizes...)
	}
	for _, n := range sizes {
		names = append(names, clientmodel.ByteSize(n))
	}
	largest := newDialogSelect(names, nil)
	largest.SetSelected(clientmodel.ByteSize(s.files.max))
	allow.OnChanged = func(on bool) { setEnabled(largest, on) }
	setEnabled(largest, allow.Checked)
	items := []*widget.FormItem{
		widget.NewFormItem("", allow),
		widget.NewFormItem(lang.L("Largest file"), largest),
	}
	d := dialog.NewForm(lang.L("File transfers"), lang.L("Apply"), lang.L("Cancel"), items, func(ok bool) {
		if !ok {
			return
		}
		p := filePolicy{off: !allow.Checked, max: s.files.max}
		for i, n := range names {
			if n == largest.Selected {
				p.max = sizes[i]
			}
		}
		s.files = p
		s.out.send(server.SetFiles{Off: p.off, MaxSize: p.max})
		if p.off {
			s.logNow(servermodel.Info, lang.L("File transfers are off: new offers are refused"))
		} else {
			s.logNow(servermodel.Info, fmt.Sprintf(lang.L("File transfers are on, up to %s a file"), clientmodel.ByteSize(p.max)))
		}
	}, s.win)
	dialogKeysTo(d, d.Submit, allow, largest)
	d.Resize(fyne.NewSize(420, d.MinSize().Height))
	d.Show()
}

func containsSize(sizes []int64, n int64) bool {
	for _, v := range sizes {
		if v == n {
			return true
		}
	}
	return false
}
