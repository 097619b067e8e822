package gui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/servermodel"
	"github.com/multichat/multichat/net/server"
)

// maxPasswordBytes is the longest server password (bcrypt's limit).
const maxPasswordBytes = 72

// buildTrust makes the status row that says how clients recognise the
// server (its TLS fingerprint, selectable and copyable, or the plaintext
// warning), the label that says whether a password is needed (in the
// status row) and the Password… button (beside Start and Stop).
func (s *ServerWindow) buildTrust() {
	s.security = widget.NewLabel("")
	s.security.Selectable = true
	s.security.Truncation = fyne.TextTruncateEllipsis // never widens the window; the copy button copies it all
	s.securityIcon = widget.NewIcon(theme.VisibilityOffIcon())
	s.copyFP = widget.NewButtonWithIcon("", theme.ContentCopyIcon(), s.copyFingerprint)
	s.copyFP.Importance = widget.LowImportance
	s.access = widget.NewLabel("")
	s.access.TextStyle.Bold = true
	s.password = widget.NewButtonWithIcon(lang.L("Password…"), theme.AccountIcon(), s.passwordTapped)
}

func (s *ServerWindow) trustRow() fyne.CanvasObject {
	return container.NewBorder(nil, nil, s.securityIcon, container.NewStack(placeholder(s.copyFP), s.copyFP), s.security)
}

// updateTrust shows the model's identity and access in the trust row.
func (s *ServerWindow) updateTrust() {
	sec := s.m.Security()
	s.security.SetText(sec)
	switch {
	case sec == "":
		s.securityIcon.Hide()
	case s.m.TLS:
		s.securityIcon.SetResource(theme.VisibilityOffIcon()) // nobody else can read it
		s.securityIcon.Show()
	default:
		s.securityIcon.SetResource(theme.WarningIcon())
		s.securityIcon.Show()
	}
	show(s.copyFP, s.m.Fingerprint != "" && sec != "")
	s.access.SetText(s.m.Access())
	setEnabled(s.password, !s.m.Closing)
}

// copyFingerprint puts the fingerprint on the clipboard, to send to users
// who compare it with what their client shows on the first connection.
func (s *ServerWindow) copyFingerprint() {
	if s.m.Fingerprint == "" {
		return
	}
	s.app.Clipboard().SetContent(s.m.Fingerprint)
	s.logNow(servermodel.Info, lang.L("Copied the server fingerprint"))
}

// passwordTapped asks for a new server password (the "class code"), or to
// remove the one that is set. Enter sets it, Escape cancels. The server
// keeps only its hash; the window never shows or logs it.
func (s *ServerWindow) passwordTapped() {
	if s.m.Closing {
		return
	}
	entry := newDialogEntry()
	entry.Password = true
	entry.SetPlaceHolder(lang.L("Class code"))
	intro := lang.L("New users must type this password to join. Users already connected stay.")
	if s.m.Password {
		intro = lang.L("A password is set. Type a new one to change it, or remove it so that anyone on the network can join. Users already connected stay.")
	}
	msg := widget.NewLabel(intro)
	msg.Wrapping = fyne.TextWrapWord
	problem := widget.NewLabel("")
	problem.Importance = widget.DangerImportance
	problem.Wrapping = fyne.TextWrapWord
	problem.Hide()
	items := []fyne.CanvasObject{msg, entry, problem}
	if s.m.State == servermodel.Running && !s.m.TLS {
		warn := widget.NewLabel(lang.L("This server is not encrypted: the password crosses the network where anyone can read it."))
		warn.Importance = widget.WarningImportance
		warn.Wrapping = fyne.TextWrapWord
		items = append(items, warn)
	}
	title := lang.L("Set a server password")
	if s.m.Password {
		title = lang.L("Change the server password")
	}
	d := dialog.NewCustomWithoutButtons(title, container.NewVBox(items...), s.win)

	set := widget.NewButtonWithIcon(lang.L("Set password"), theme.ConfirmIcon(), nil)
	set.Importance = widget.HighImportance
	set.Disable()
	submit := func() {
		if err := checkPassword(entry.Text); err != nil {
			problem.SetText(err.Error())
			problem.Show()
			return
		}
		d.Hide()
		s.out.send(server.SetPassword{Password: entry.Text})
	}
	set.OnTapped = submit
	entry.OnSubmitted = func(string) { submit() }
	entry.OnChanged = func(text string) {
		problem.Hide()
		setEnabled(set, text != "")
	}
	entry.onEscape = d.Hide
	cancel := widget.NewButtonWithIcon(lang.L("Cancel"), theme.CancelIcon(), d.Hide)
	buttons := []fyne.CanvasObject{cancel}
	if s.m.Password {
		remove := widget.NewButtonWithIcon(lang.L("Remove password"), theme.DeleteIcon(), func() {
			d.Hide()
			s.out.send(server.SetPassword{})
		})
		buttons = append(buttons, remove)
	}
	d.SetButtons(append(buttons, set))
	d.Resize(fyne.NewSize(480, d.MinSize().Height))
	d.Show()
	s.win.Canvas().Focus(entry)
}

// checkPassword says what is wrong with a new server password.
func checkPassword(pw string) error {
	switch {
	case strings.TrimSpace(pw) == "":
		return errors.New(lang.L("Type a password (spaces alone are not one)."))
	case len(pw) > maxPasswordBytes:
		return errors.New(lang.L("The password is too long: at most {{.Max}} bytes ({{.Max}} characters of Latin text, fewer in other scripts).", map[string]any{"Max": maxPasswordBytes}))
	}
	return nil
}
