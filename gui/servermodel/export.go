package servermodel

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/multichat/multichat/net/store"
)

// ExportFormat is a file format the History tab exports to; its value is
// the file name's extension.
type ExportFormat string

const (
	FormatText ExportFormat = "txt"
	FormatHTML ExportFormat = "html"
	FormatCSV  ExportFormat = "csv"
	FormatJSON ExportFormat = "json"
)

// ExportFormats lists the formats, in the order the tab offers them.
func ExportFormats() []ExportFormat {
	return []ExportFormat{FormatText, FormatHTML, FormatCSV, FormatJSON}
}

// Label is the format's name as the tab shows it.
func (f ExportFormat) Label() string {
	if f == FormatText {
		return lang.L("Plain text")
	}
	return strings.ToUpper(string(f))
}

// FormatLabeled returns the format shown as label (plain text if none is).
func FormatLabeled(label string) ExportFormat {
	for _, f := range ExportFormats() {
		if f.Label() == label {
			return f
		}
	}
	return FormatText
}

// ExportTitle names what is shown, for the top of an exported file.
func (h *History) ExportTitle() string {
	if h.Query != "" {
		return fmt.Sprintf(lang.L("MultiChat history: “%s” in every room"), h.Query)
	}
	return fmt.Sprintf(lang.L("MultiChat history: %s, %s"), RoomName(h.RoomName()), Weekday(h.Day)+" "+h.Day.Format("2006-01-02"))
}

// RoomExportTitle names the whole room shown, for the top of its export.
func (h *History) RoomExportTitle() string {
	return fmt.Sprintf(lang.L("MultiChat history: %s, everything kept"), h.RoomName())
}

// ExportName suggests a file name for exporting what is shown (whole: the
// whole room shown).
func (h *History) ExportName(f ExportFormat, whole bool) string {
	name := "search"
	switch {
	case whole:
		name = h.RoomName() + "-all"
	case h.Query == "":
		name = h.RoomName() + "-" + h.Day.Format(time.DateOnly)
	}
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < ' ' {
			return '_'
		}
		return r
	}, name)
	return "multichat-" + name + "." + string(f)
}

// Export writes rows in format f; text and HTML begin with title.
func Export(w io.Writer, f ExportFormat, title string, rows []store.Record) error {
	e, err := newExporter(w, f, title)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := e.row(r); err != nil {
			return err
		}
	}
	return e.end()
}

// exportPage is how many entries ExportRoom reads at once.
var exportPage = 1000

// ExportRoom writes every entry kept of room conversation conv (not only a
// day or MaxHistoryRows) in format f, reading it page by page so that a
// large room is never held whole. It returns how many entries it wrote.
func ExportRoom(ctx context.Context, src HistorySource, conv string, w io.Writer, f ExportFormat, title string) (int, error) {
	e, err := newExporter(w, f, title)
	if err != nil {
		return 0, err
	}
	n, after := 0, uint64(0)
	for {
		rows, more, err := src.Range(ctx, conv, after, exportPage)
		if err != nil {
			return n, err
		}
		for _, r := range rows {
			if err := e.row(r); err != nil {
				return n, err
			}
			n++
			after = r.ID
		}
		if !more || len(rows) == 0 {
			return n, e.end()
		}
	}
}

// exporter writes entries one by one in a format, then its end.
type exporter interface {
	row(r store.Record) error
	end() error
}

func newExporter(w io.Writer, f ExportFormat, title string) (exporter, error) {
	switch f {
	case FormatCSV:
		cw := csv.NewWriter(w)
		cw.Write([]string{"id", "time", "kind", "room", "from", "text"})
		return csvExporter{cw}, cw.Error()
	case FormatJSON:
		return &jsonExporter{w: w}, nil
	case FormatHTML:
		e := &htmlExporter{w: w}
		return e, htmlHead.Execute(w, struct{ Title, Time, Room, From, Text string }{
			title, lang.L("Time"), lang.L("Room"), lang.L("From"), lang.L("Text")})
	}
	_, err := fmt.Fprintf(w, "%s\n\n", title)
	return &textExporter{w: w}, err
}

// Text: one line per entry ("2026-03-04 14:05:06 [lobby] ann: hello"), the
// further lines of a message indented under its first.

type textExporter struct{ w io.Writer }

func (e *textExporter) row(r store.Record) error {
	at, room, who, text := exportLine(r)
	head := at + " [" + room + "] "
	if r.Kind == store.KindChat || r.Kind == store.KindPrivate {
		head += who + ": "
	}
	text = strings.ReplaceAll(text, "\n", "\n"+strings.Repeat(" ", len(at)+1))
	_, err := io.WriteString(e.w, head+text+"\n")
	return err
}

func (e *textExporter) end() error { return nil }

// exportLine is HistoryLine with the full date.
func exportLine(r store.Record) (at, room, who, text string) {
	_, room, who, text = HistoryLine(r)
	return time.UnixMilli(r.Time).Format(time.DateTime), room, who, text
}

type csvExporter struct{ cw *csv.Writer }

func (e csvExporter) row(r store.Record) error {
	return e.cw.Write([]string{strconv.FormatUint(r.ID, 10), time.UnixMilli(r.Time).Format(time.RFC3339),
		kindName(r.Kind), r.Room, r.From, r.Text})
}

func (e csvExporter) end() error {
	e.cw.Flush()
	return e.cw.Error()
}

// JSON: an array of objects with the CSV's fields, indented by two spaces.

type exported struct {
	ID   uint64 `json:"id"`
	Time string `json:"time"`
	Kind string `json:"kind"`
	Room string `json:"room"`
	From string `json:"from,omitempty"`
	Text string `json:"text"`
}

type jsonExporter struct {
	w   io.Writer
	n   int
	buf bytes.Buffer
}

func (e *jsonExporter) row(r store.Record) error {
	e.buf.Reset()
	e.buf.WriteString(",\n  ")
	if e.n == 0 {
		e.buf.Reset()
		e.buf.WriteString("[\n  ")
	}
	e.n++
	enc := json.NewEncoder(&e.buf)
	enc.SetIndent("  ", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(exported{ID: r.ID, Time: time.UnixMilli(r.Time).Format(time.RFC3339),
		Kind: kindName(r.Kind), Room: r.Room, From: r.From, Text: r.Text}); err != nil {
		return err
	}
	_, err := e.w.Write(bytes.TrimSuffix(e.buf.Bytes(), []byte("\n")))
	return err
}

func (e *jsonExporter) end() error {
	end := "\n]\n"
	if e.n == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(e.w, end)
	return err
}

// HTML: a page with a table; html/template escapes every field.

var (
	htmlHead = template.Must(template.New("head").Parse(`<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body { font-family: sans-serif; margin: 1.5em; }
table { border-collapse: collapse; }
th, td { padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
tr:nth-child(even) { background: #f3f3f3; }
td.time { white-space: nowrap; color: #555; }
td.text { white-space: pre-wrap; }
tr.event td.text { color: #666; font-style: italic; }
tr.announcement td.text { font-weight: bold; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<table>
<thead><tr><th>{{.Time}}</th><th>{{.Room}}</th><th>{{.From}}</th><th>{{.Text}}</th></tr></thead>
<tbody>
`))
	htmlRow = template.Must(template.New("row").Parse(
		`<tr class="{{.Class}}"><td class="time"><time datetime="{{.ISO}}">{{.At}}</time></td>` +
			`<td>{{.Room}}</td><td>{{.From}}</td><td class="text">{{.Text}}</td></tr>` + "\n"))
	htmlEnd = template.Must(template.New("end").Parse("</tbody>\n</table>\n<p>{{.}}</p>\n</body>\n</html>\n"))
)

type htmlExporter struct {
	w io.Writer
	n int
}

func (e *htmlExporter) row(r store.Record) error {
	at, room, who, text := exportLine(r)
	class := "message"
	switch r.Kind {
	case store.KindNotice:
		class = "announcement"
	case store.KindJoined, store.KindLeft, store.KindKicked:
		class = "event"
	}
	e.n++
	return htmlRow.Execute(e.w, struct{ Class, ISO, At, Room, From, Text string }{
		class, time.UnixMilli(r.Time).Format(time.RFC3339), at, room, who, text})
}

func (e *htmlExporter) end() error {
	return htmlEnd.Execute(e.w, fmt.Sprintf(lang.L("%d entries"), e.n))
}

func kindName(k store.Kind) string {
	switch k {
	case store.KindChat:
		return "message"
	case store.KindNotice:
		return "announcement"
	case store.KindJoined:
		return "joined"
	case store.KindLeft:
		return "left"
	case store.KindKicked:
		return "kicked"
	}
	return "private"
}

// ExportCSV writes rows as CSV: id, time (RFC 3339), kind, room, from, text.
func ExportCSV(w io.Writer, rows []store.Record) error { return Export(w, FormatCSV, "", rows) }

// ExportJSON writes rows as a JSON array of objects with the CSV's fields.
func ExportJSON(w io.Writer, rows []store.Record) error { return Export(w, FormatJSON, "", rows) }
