package gui

import (
	"errors"
	"image/color"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/servermodel"
	"github.com/multichat/multichat/net/discovery"
)

func placeholder(o fyne.CanvasObject) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(o.MinSize())
	return r
}

// A column of the user and room lists: its title and share of the width.
type column struct {
	title  string
	weight float32
}

func roomColumns() []column {
	return []column{{lang.L("Room"), 0.3}, {lang.L("Members"), 0.16}, {lang.L("Who"), 0.54}}
}

// serverTitle is the server window's name.
func serverTitle() string { return lang.L("MultiChat Server") }

// newColumnsRow builds a list row (or, with header, the bold title row) of
// truncating labels laid out in the columns' proportions.
func newColumnsRow(cols []column, header bool) *fyne.Container {
	objs := make([]fyne.CanvasObject, len(cols))
	weights := make([]float32, len(cols))
	for i, c := range cols {
		l := widget.NewLabel("")
		l.Truncation = fyne.TextTruncateEllipsis
		if header {
			l.Text = c.title
			l.TextStyle.Bold = true
		}
		objs[i] = l
		weights[i] = c.weight
	}
	return container.New(columnsLayout(weights), objs...)
}

// setColumns shows texts in a row made by newColumnsRow.
func setColumns(row fyne.CanvasObject, texts ...string) {
	for i, o := range row.(*fyne.Container).Objects {
		o.(*widget.Label).SetText(texts[i])
	}
}

// columnsLayout places objects side by side, each taking its weight's share
// of the width.
type columnsLayout []float32

func (c columnsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	var total float32
	for _, w := range c {
		total += w
	}
	x := float32(0)
	for i, o := range objs {
		w := size.Width * c[i] / total
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w
	}
}

func (c columnsLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		m := o.MinSize()
		s.Width += m.Width
		s.Height = max(s.Height, m.Height)
	}
	return s
}

// kindImportance is the colour of an activity line of kind k.
func kindImportance(k servermodel.Kind) widget.Importance {
	switch k {
	case servermodel.Join:
		return widget.SuccessImportance
	case servermodel.Notice:
		return widget.HighImportance
	case servermodel.Warn:
		return widget.WarningImportance
	case servermodel.Error:
		return widget.DangerImportance
	}
	return widget.MediumImportance
}

// --- helpers ---

var hostnameRE = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$`)

// listenAddr checks the host and port typed by the user and joins them. An
// empty host means every interface.
func listenAddr(host, port string) (string, error) {
	host = strings.TrimSpace(host)
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" {
		host = DefaultListenHost
	}
	if _, err := netip.ParseAddr(host); err != nil && !validHostname(host) {
		return "", errors.New(lang.L("“{{.Host}}” is not an IP address or host name (use 0.0.0.0 for every network interface)", map[string]any{"Host": host}))
	}
	port = strings.TrimSpace(port)
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return "", errors.New(lang.L("The port must be a number from 1 to 65535, not “{{.Port}}”.", map[string]any{"Port": port}))
	}
	return net.JoinHostPort(host, strconv.Itoa(p)), nil
}

// validHostname reports whether h is a DNS host name (RFC 1123); a name
// whose last label is all digits is a mistyped IP address, not a name.
func validHostname(h string) bool {
	if len(h) > 253 || !hostnameRE.MatchString(h) {
		return false
	}
	labels := strings.Split(strings.TrimSuffix(h, "."), ".")
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

// lanIPv4s lists the IPv4 addresses of the interfaces that are up, other
// than loopback and link-local ones.
func lanIPv4s() []netip.Addr {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		for _, ip := range discovery.Addrs(ifc) {
			if ip.Is4() && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() && !slices.Contains(out, ip) {
				out = append(out, ip)
			}
		}
	}
	slices.SortFunc(out, func(a, b netip.Addr) int { return a.Compare(b) })
	return out
}

// formatSince shows a time of day, with the date when it is not today.
func formatSince(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.Local()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04:05")
	}
	return t.Format(lang.L("2 Jan 15:04")) // a layout: Korean puts the month first
}
