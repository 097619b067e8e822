package gui

import (
	"net"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/servermodel"
)

// Preferences of the gateway switches.
const (
	prefClassic = "server.gateway.classic"
	prefIRC     = "server.gateway.irc"
)

// GatewaySwitch turns the server's gateways on and off (cmd/chatserver
// implements it; the window opens no socket). SetGateways is called on the
// UI goroutine and should return promptly.
type GatewaySwitch interface {
	SetGateways(want servermodel.Gateways) servermodel.GatewayStatus
}

// gatewayRow is the "Also let in" row: the classic and IRC switches and the
// ports each kind of client should use.
type gatewayRow struct {
	s       *ServerWindow
	sw      GatewaySwitch
	classic *widget.Check
	irc     *widget.Check
	ports   *widget.Label
	st      servermodel.GatewayStatus
}

// ShowGateways adds the gateway switches to the window, set as the admin
// left them last time (off the first time), and applies them through sw.
func (s *ServerWindow) ShowGateways(sw GatewaySwitch) {
	if s.gateways != nil || sw == nil {
		return
	}
	prefs := s.app.Preferences()
	g := &gatewayRow{s: s, sw: sw}
	g.classic = widget.NewCheck(lang.L("Classic (seed) clients, unencrypted"), func(bool) { g.apply() })
	g.classic.Checked = prefs.Bool(prefClassic)
	g.irc = widget.NewCheck(lang.L("IRC clients"), func(bool) { g.apply() })
	g.irc.Checked = prefs.Bool(prefIRC)
	g.ports = widget.NewLabel("")
	g.ports.Wrapping = fyne.TextWrapWord // the ports line can be long: it wraps under the switches
	s.gateways = g
	s.gatewayBox.Objects = []fyne.CanvasObject{
		container.NewHBox(widget.NewLabel(lang.L("Also let in:")), g.classic, g.irc), g.ports}
	g.apply()
}

// Gateways is what the switches say (nothing before ShowGateways).
func (s *ServerWindow) Gateways() servermodel.Gateways {
	if g := s.gateways; g != nil {
		return servermodel.Gateways{Classic: g.classic.Checked, IRC: g.irc.Checked, Host: strings.TrimSpace(s.host.Text)}
	}
	return servermodel.Gateways{}
}

// SetGateways switches the gateways as the check boxes would (for example
// from the -classic and -irc flags) and remembers it.
func (s *ServerWindow) SetGateways(want servermodel.Gateways) {
	if g := s.gateways; g != nil {
		g.classic.Checked, g.irc.Checked = want.Classic, want.IRC
		g.classic.Refresh()
		g.irc.Refresh()
		g.apply()
	}
}

// apply remembers the switches, hands them to the gateways and shows what
// they serve.
func (g *gatewayRow) apply() {
	want := servermodel.Gateways{Classic: g.classic.Checked, IRC: g.irc.Checked, Host: strings.TrimSpace(g.s.host.Text)}
	prefs := g.s.app.Preferences()
	prefs.SetBool(prefClassic, want.Classic)
	prefs.SetBool(prefIRC, want.IRC)
	g.st = g.sw.SetGateways(want)
	g.show()
}

// show redraws the ports line; the MultiChat port is the bound one while
// serving, else the one typed.
func (g *gatewayRow) show() {
	port := g.s.port.Text
	if g.s.m.State == servermodel.Running {
		if _, p, err := net.SplitHostPort(g.s.m.Bound); err == nil {
			port = p
		}
	}
	text := servermodel.GatewayText(g.st, port)
	imp := widget.MediumImportance
	if g.st.Problem != "" {
		imp = widget.WarningImportance
	}
	if text == g.ports.Text && imp == g.ports.Importance {
		return // updateControls calls this often
	}
	g.ports.Text, g.ports.Importance = text, imp
	g.ports.Refresh()
	if c := g.s.win.Content(); c != nil {
		c.Refresh() // a longer line may wrap: the rows above the tabs are laid out again
	}
}

// gatewaysStarting is called on Start: IRC follows the listen host.
func (s *ServerWindow) gatewaysStarting() {
	if g := s.gateways; g != nil {
		g.apply()
	}
}

// updateGateways is called by updateControls.
func (s *ServerWindow) updateGateways() {
	if s.gateways != nil {
		s.gateways.show()
	}
}
