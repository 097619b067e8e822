package clientmodel

import (
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

// TransferState is where a file transfer stands, as its card shows it.
type TransferState uint8

const (
	TransferAsking  TransferState = iota // offered to me: Accept or Decline
	TransferWaiting                      // mine: offered, nobody has accepted yet
	TransferRunning                      // bytes are moving
	TransferPaused                       // a connection dropped: it carries on when both sides are back
	TransferDone                         // received (Path) or sent
	TransferFailed                       // declined, canceled or failed (Why)
)

// Transfer is one file card in a conversation.
type Transfer struct {
	Key   string
	Conv  *Conv
	Mine  bool
	From  string // the sender
	To    string // the recipient of a private offer ("" for a room)
	Name  string // as offered; show it with wire.VisibleText (done by the session)
	Type  string // the media type guessed from the name ("image/jpeg"), or ""
	Size  int64
	Bytes int64 // moved so far
	Free  int64 // space in the download folder when offered (-1: unknown)
	State TransferState
	Why   string   // TransferFailed, TransferPaused: why, in plain words
	Path  string   // where a received file was saved
	Notes []string // mine: what became of each recipient ("bob: received")
	Rcpts []*Rcpt  // mine, to a room: each recipient that accepted, in the order they did
	Speed float64  // bytes per second, smoothed (0: not known yet)
	At    time.Time

	sampleAt    time.Time
	sampleBytes int64
}

// Rcpt is one recipient of a file I offer to a room: how far it has got,
// and what became of it (Note, once it is done or away).
type Rcpt struct {
	Nick  string
	Bytes int64
	Note  string // "" while it receives; "received", "canceled"…
	Done  bool   // received, declined or canceled: its bar stops
}

// Fits reports whether what is left of the file fits in the download folder
// as it was when offered (true when unknown).
func (t *Transfer) Fits() bool { return t.Free < 0 || t.Free >= t.Size-t.Bytes }

// Left is the time the rest should take at the current speed (0: unknown).
func (t *Transfer) Left() time.Duration {
	if t.Speed <= 0 || t.Bytes >= t.Size {
		return 0
	}
	return time.Duration(float64(t.Size-t.Bytes) / t.Speed * float64(time.Second))
}

// Fraction is how much has moved, from 0 to 1.
func (t *Transfer) Fraction() float64 {
	if t.Size <= 0 {
		return 1
	}
	return float64(t.Bytes) / float64(t.Size)
}

// Active reports whether the card still has something to decide or wait for.
func (t *Transfer) Active() bool { return t.State != TransferDone && t.State != TransferFailed }

// TransfersIn returns the file cards of conversation c, oldest first.
func (m *Model) TransfersIn(c *Conv) []*Transfer {
	var out []*Transfer
	for _, t := range m.Transfers {
		if t.Conv == c {
			out = append(out, t)
		}
	}
	return out
}

// Transfer returns the card of key, or nil.
func (m *Model) Transfer(key string) *Transfer {
	for _, t := range m.Transfers {
		if t.Key == key {
			return t
		}
	}
	return nil
}

// NoSpace says that t does not fit in the download folder (what is left of
// it, for a resumed offer).
func (t *Transfer) NoSpace() string {
	return lang.L("Not enough space: it needs {{.Need}} and the download folder has {{.Free}} free.",
		vars{"Need": ByteSize(t.Size - t.Bytes), "Free": ByteSize(t.Free)})
}

// AcceptFile says yes to an offer. An offer that does not fit in the
// download folder is not accepted: the card says so.
func (m *Model) AcceptFile(key string) {
	t := m.Transfer(key)
	if t == nil || t.State != TransferAsking {
		return
	}
	if !t.Fits() {
		t.Why = t.NoSpace()
		m.ch.Files = true
		return
	}
	t.State, t.Why, t.sampleAt, t.sampleBytes = TransferRunning, "", m.now(), 0
	m.Send(client.AcceptFile{Key: key})
	m.ch.Files = true
}

// CancelFile declines an offer or stops a transfer either way; the other
// side is told.
func (m *Model) CancelFile(key string) {
	t := m.Transfer(key)
	if t == nil || !t.Active() {
		return
	}
	m.Send(client.CancelFile{Key: key})
}

// DismissFile takes a finished card away.
func (m *Model) DismissFile(key string) {
	if i := slices.IndexFunc(m.Transfers, func(t *Transfer) bool { return t.Key == key && !t.Active() }); i >= 0 {
		m.Transfers = slices.Delete(m.Transfers, i, i+1)
		m.ch.Files = true
	}
}

func (m *Model) fileConv(room, to, from string, mine bool) *Conv {
	switch {
	case room != "":
		return m.RoomConv(room, true)
	case mine && to != "":
		return m.PrivateConv(to)
	case from != "":
		return m.PrivateConv(from)
	}
	return m.Cur
}

func (m *Model) fileOffered(ev client.FileOffered) {
	if t := m.Transfer(ev.Key); t != nil { // offered again after a reconnect
		if ev.Resumed || t.State == TransferPaused {
			t.State, t.Why = TransferRunning, ""
		}
		if !ev.Mine {
			t.Free = ev.Free
		}
		m.ch.Files = true
		return
	}
	_, known := m.byKey[convKey(Private, ev.From)]
	c := m.fileConv(ev.Room, ev.To, ev.From, ev.Mine)
	t := &Transfer{Key: ev.Key, Conv: c, Mine: ev.Mine, From: ev.From, To: ev.To, Name: ev.Name, Size: ev.Size, Free: ev.Free,
		Type: mime.TypeByExtension(strings.ToLower(filepath.Ext(ev.Name))), At: m.now()}
	if i := strings.IndexByte(t.Type, ';'); i >= 0 {
		t.Type = t.Type[:i]
	}
	m.Transfers = append(m.Transfers, t)
	m.ch.Files = true
	switch {
	case ev.Mine:
		t.State = TransferWaiting
		m.system(c, time.Time{}, lang.L("You offer {{.File}} ({{.Size}}).", vars{"File": ev.Name, "Size": ByteSize(ev.Size)}))
		return
	case ev.Resumed:
		t.State = TransferRunning
		m.system(c, time.Time{}, lang.L("{{.Nick}}'s file {{.File}} carries on.", vars{"Nick": ev.From, "File": ev.Name}))
		return
	}
	t.State = TransferAsking
	m.system(c, time.Time{}, lang.L("{{.Nick}} offers {{.File}} ({{.Size}}).", vars{"Nick": ev.From, "File": ev.Name, "Size": ByteSize(ev.Size)}))
	m.bump(c, ev.To != "", true, lang.L("{{.Nick}} offers a file", vars{"Nick": ev.From}), ev.Name)
	if ev.To != "" && known && m.AutoAcceptMax > 0 && ev.Size <= m.AutoAcceptMax && t.Fits() {
		m.AcceptFile(t.Key)
	}
}

func (m *Model) fileProgress(ev client.FileProgress) {
	t := m.Transfer(ev.Key)
	if t == nil {
		return
	}
	bytes := ev.Bytes
	if ev.Mine && t.To == "" && ev.To != "" {
		// A room: each recipient has its own bar; the card's speed and time
		// left follow the one furthest ahead.
		r := t.rcpt(ev.To)
		r.Bytes, r.Note = ev.Bytes, ""
		for _, o := range t.Rcpts {
			bytes = max(bytes, o.Bytes)
		}
	}
	now := m.now()
	if t.State != TransferRunning || t.sampleAt.IsZero() {
		t.State, t.Why = TransferRunning, ""
		t.sampleAt, t.sampleBytes = now, bytes
	} else if dt := now.Sub(t.sampleAt); dt >= 200*time.Millisecond && bytes >= t.sampleBytes {
		rate := float64(bytes-t.sampleBytes) / dt.Seconds()
		if t.Speed == 0 {
			t.Speed = rate
		} else {
			t.Speed = 0.7*t.Speed + 0.3*rate
		}
		t.sampleAt, t.sampleBytes = now, bytes
	}
	t.Bytes = bytes
	m.ch.Files = true
}

// rcpt finds (or adds) a room offer's recipient.
func (t *Transfer) rcpt(nick string) *Rcpt {
	for _, r := range t.Rcpts {
		if r.Nick == nick {
			return r
		}
	}
	r := &Rcpt{Nick: nick}
	t.Rcpts = append(t.Rcpts, r)
	return r
}

func (m *Model) fileStatus(ev client.FileStatus) {
	t := m.Transfer(ev.Key)
	if t == nil {
		return
	}
	var note, short string
	switch ev.State {
	case wire.RecipientReceived:
		note, short = lang.L("{{.Nick}}: received", vars{"Nick": ev.Nick}), lang.L("received")
	case wire.RecipientDeclined:
		note, short = lang.L("{{.Nick}}: declined", vars{"Nick": ev.Nick}), lang.L("declined")
	case wire.RecipientCanceled:
		note, short = lang.L("{{.Nick}}: canceled", vars{"Nick": ev.Nick}), lang.L("canceled")
	case wire.RecipientAway:
		note = lang.L("{{.Nick}}: disconnected, carries on when back", vars{"Nick": ev.Nick})
		short = lang.L("disconnected, carries on when back")
	}
	if ev.Reason != "" && ev.Reason != "declined" && ev.Reason != "canceled" {
		note += " (" + ev.Reason + ")"
	}
	if t.Mine && t.To == "" && ev.State != wire.RecipientDeclined {
		r := t.rcpt(ev.Nick)
		r.Note, r.Done = short, ev.State != wire.RecipientAway
		if ev.State == wire.RecipientReceived {
			r.Bytes = t.Size
		}
	}
	t.Notes = append(t.Notes, note)
	m.system(t.Conv, time.Time{}, fmt.Sprintf("%s — %s", t.Name, note))
	m.ch.Files = true
}

func (m *Model) fileInterrupted(ev client.FileInterrupted) {
	t := m.Transfer(ev.Key)
	if t == nil || !t.Active() {
		return
	}
	if t.State == TransferRunning || ev.Mine {
		t.State = TransferPaused
	}
	t.Why, t.Speed, t.sampleAt = Plain(fmt.Errorf("%s", ev.Reason), ""), 0, time.Time{}
	if ev.Bytes > 0 {
		t.Bytes = ev.Bytes
	}
	m.ch.Files = true
}

func (m *Model) fileDone(ev client.FileDone) {
	t := m.Transfer(ev.Key)
	if t == nil {
		if ev.Err != nil { // an offer answered on its own (too many at once)
			m.errorLine(m.Cur, time.Time{}, lang.L("File transfer failed: {{.Why}}", vars{"Why": Plain(ev.Err, "")}))
		}
		return
	}
	m.ch.Files = true
	t.Speed = 0
	if ev.Err != nil {
		t.State, t.Why = TransferFailed, Plain(ev.Err, "")
		m.errorLine(t.Conv, time.Time{}, fmt.Sprintf("%s: %s", t.Name, t.Why))
		return
	}
	t.State, t.Path = TransferDone, ev.Path
	if ev.Mine {
		m.system(t.Conv, time.Time{}, lang.L("{{.File}}: offer closed.", vars{"File": t.Name}))
		return
	}
	t.Bytes = t.Size
	m.system(t.Conv, time.Time{}, lang.L("Received {{.File}}, saved as {{.Path}}", vars{"File": t.Name, "Path": ev.Path}))
}

// SendFile offers the file at path to the current conversation. The path
// may be in quotes and may start with ~ (the home folder).
func (m *Model) SendFile(path string) bool {
	path = expandHome(unquote(strings.TrimSpace(path)))
	if path == "" {
		m.Hint = lang.L("Usage: /send PATH (quotes and ~ are fine)")
		return false
	}
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		m.Hint = lang.L("Cannot send it: {{.Why}}.", vars{"Why": Plain(err, "")})
		return false
	case !fi.Mode().IsRegular():
		m.Hint = lang.L("{{.Path}} is not a file.", vars{"Path": path})
		return false
	}
	m.nextID++
	cmd := client.SendFile{ID: m.nextID, Path: path}
	if m.Cur.Kind == Private {
		cmd.To = m.Cur.Name
	} else {
		cmd.Room = m.Cur.Name
	}
	m.Send(cmd)
	return true
}

// SendFiles offers several files (dropped on the window, or chosen) to the
// current conversation; it reports how many could be offered.
func (m *Model) SendFiles(paths []string) int {
	n := 0
	for _, p := range paths {
		if m.SendFile(p) {
			n++
		}
	}
	return n
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

func expandHome(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") && !strings.HasPrefix(p, `~\`) {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return p
	}
	return filepath.Join(home, p[1:])
}
