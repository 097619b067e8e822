package client

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/multichat/multichat/net/wire"
)

// File transfer. The sender offers (FileOffer with a Ref), the server answers
// with FileOffered carrying the transfer ID, and the sender streams chunks of
// wire.MaxChunk with at most window bytes unacknowledged (FileAck), then
// FileEnd with the SHA-256 of the whole file. A receiver writes chunks to a
// temporary file in the download folder and, on FileEnd, checks size and
// hash before giving the file its (sanitised, never clobbering) name.
// All of it runs on the session's goroutine; disk reads and writes are one
// chunk at a time.

const (
	window       = 4 * wire.MaxChunk // unacknowledged bytes per upload
	maxDownloads = 64                // receiving at once; further offers are declined
)

type files struct {
	offers map[uint32]*upload   // offered, waiting for FileOffered, by Ref
	up     map[uint64]*upload   // streaming, by transfer ID
	down   map[uint64]*download // receiving, by transfer ID
	buf    []byte
}

type upload struct {
	id       uint64 // the SendFile's ID
	xfer     uint64
	f        *os.File
	name     string
	size     int64
	sent     int64
	acked    int64
	reported int64
	sum      hash.Hash
	ended    bool // FileEnd sent
}

type download struct {
	xfer     uint64
	name     string
	size     int64
	got      int64
	reported int64
	f        *os.File
	tmp      string
	dir      string
	sum      hash.Hash
}

// progressStep is how far a transfer moves between FileProgress events.
func progressStep(size int64) int64 { return max(size/100, wire.MaxChunk) }

// describe turns a file error into words for the user.
func describe(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func (s *session) sendFile(c SendFile) {
	name := filepath.Base(c.Path)
	fail := func(why string) {
		s.emit(Error{Err: fmt.Errorf("cannot send %s: %s", name, why)})
	}
	if s.c == nil {
		fail(ErrNotConnected.Error())
		return
	}
	if c.To != "" {
		if err := wire.CheckNick(c.To); err != nil {
			fail(err.Error())
			return
		}
	} else if err := wire.CheckRoom(s.roomName(c.Room)); err != nil {
		fail(err.Error())
		return
	}
	if err := wire.CheckFileName(name); err != nil {
		fail(err.Error())
		return
	}
	f, err := os.Open(c.Path)
	if err != nil {
		fail(describe(err))
		return
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		if err != nil {
			fail(describe(err))
		} else {
			fail("not a regular file")
		}
		return
	}
	u := &upload{id: c.ID, f: f, name: name, size: fi.Size(), sum: sha256.New()}
	ref := s.newRef()
	if s.files.offers == nil {
		s.files.offers = map[uint32]*upload{}
	}
	s.files.offers[ref] = u
	room := ""
	if c.To == "" {
		room = s.roomName(c.Room)
	}
	s.c.send(wire.FileOffer{Ref: ref, Room: room, To: c.To, Name: name, Size: uint64(u.size)})
}

// offerRefused handles an Error that answers a FileOffer.
func (s *session) offerRefused(ref uint32, se *ServerError) bool {
	u := s.files.offers[ref]
	if u == nil {
		return false
	}
	delete(s.files.offers, ref)
	u.f.Close()
	s.emit(Error{Code: se.Code, Err: fmt.Errorf("cannot send %s: %w", u.name, se)})
	return true
}

func (s *session) fileOffered(m wire.FileOffered) {
	if s.isMe(m.From) {
		u := s.files.offers[m.Ref]
		if m.Ref == 0 || u == nil {
			s.log.Debug("file offer receipt for no offer of mine", "ref", m.Ref)
			return
		}
		delete(s.files.offers, m.Ref)
		u.xfer = m.ID
		if s.files.up == nil {
			s.files.up = map[uint64]*upload{}
		}
		s.files.up[m.ID] = u
		s.emit(FileOffered{Transfer: m.ID, From: m.From, Room: m.Room, To: m.To, Name: u.name, Size: u.size,
			Mine: true, ID: u.id})
		s.pump(u)
		return
	}
	s.receive(m)
}

// pump sends chunks while the window allows, then FileEnd.
func (s *session) pump(u *upload) {
	if s.files.buf == nil {
		s.files.buf = make([]byte, wire.MaxChunk)
	}
	for u.sent < u.size && u.sent-u.acked < window {
		n := int(min(int64(wire.MaxChunk), u.size-u.sent))
		if _, err := io.ReadFull(u.f, s.files.buf[:n]); err != nil {
			why := describe(err)
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				why = "the file got shorter while it was being sent"
			}
			s.c.send(wire.FileAbort{ID: u.xfer, Reason: why})
			s.uploadDone(u, fmt.Errorf("sending %s failed: %s", u.name, why))
			return
		}
		u.sum.Write(s.files.buf[:n])
		// FileChunk's data is copied into the outbox by the encoder.
		s.c.send(wire.FileChunk{ID: u.xfer, Data: s.files.buf[:n]})
		u.sent += int64(n)
	}
	if u.sent == u.size && !u.ended {
		var end wire.FileEnd
		end.ID = u.xfer
		copy(end.SHA256[:], u.sum.Sum(nil))
		s.c.send(end)
		u.ended = true
	}
	if u.ended && u.acked >= u.size {
		s.uploadDone(u, nil)
	}
}

func (s *session) uploadDone(u *upload, err error) {
	u.f.Close()
	delete(s.files.up, u.xfer)
	s.emit(FileDone{Transfer: u.xfer, Mine: true, Err: err})
}

func (s *session) fileAck(m wire.FileAck) {
	u := s.files.up[m.ID]
	if u == nil {
		return
	}
	u.acked = min(int64(m.Bytes), u.sent)
	if u.acked-u.reported >= progressStep(u.size) || u.acked == u.size && u.reported < u.size {
		u.reported = u.acked
		s.emit(FileProgress{Transfer: u.xfer, Bytes: u.acked, Size: u.size, Mine: true})
	}
	s.pump(u)
}

func (s *session) receive(m wire.FileOffered) {
	ev := FileOffered{Transfer: m.ID, From: m.From, Room: m.Room, To: m.To, Name: m.Name, Size: int64(m.Size)}
	if m.Size > 1<<62 {
		s.emit(ev)
		s.declined(m.ID, "the announced size is not plausible")
		return
	}
	if len(s.files.down) >= maxDownloads {
		s.emit(ev)
		s.declined(m.ID, "too many files are being received at once")
		return
	}
	dir := s.o.downloads()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		s.emit(ev)
		s.declined(m.ID, "cannot create the download folder: "+describe(err))
		return
	}
	f, err := os.CreateTemp(dir, ".multichat-*.part")
	if err != nil {
		s.emit(ev)
		s.declined(m.ID, "cannot create a file: "+describe(err))
		return
	}
	if s.files.down == nil {
		s.files.down = map[uint64]*download{}
	}
	s.files.down[m.ID] = &download{xfer: m.ID, name: m.Name, size: int64(m.Size), f: f,
		tmp: f.Name(), dir: dir, sum: sha256.New()}
	s.emit(ev)
}

// declined tells the server this client will not take a transfer.
func (s *session) declined(xfer uint64, why string) {
	s.c.send(wire.FileAbort{ID: xfer, Reason: why})
	s.emit(FileDone{Transfer: xfer, Err: errors.New(why)})
}

func (s *session) fileChunk(m wire.FileChunk) {
	d := s.files.down[m.ID]
	if d == nil {
		return
	}
	if d.got+int64(len(m.Data)) > d.size {
		s.downloadFailed(d, "more data arrived than announced", true)
		return
	}
	if _, err := d.f.Write(m.Data); err != nil {
		s.downloadFailed(d, "cannot write the file: "+describe(err), true)
		return
	}
	d.sum.Write(m.Data)
	d.got += int64(len(m.Data))
	if d.got-d.reported >= progressStep(d.size) {
		d.reported = d.got
		s.emit(FileProgress{Transfer: d.xfer, Bytes: d.got, Size: d.size})
	}
}

func (s *session) fileEnd(m wire.FileEnd) {
	d := s.files.down[m.ID]
	if d == nil {
		return
	}
	if d.got != d.size {
		s.downloadFailed(d, fmt.Sprintf("incomplete: %d of %d bytes arrived", d.got, d.size), false)
		return
	}
	if [32]byte(d.sum.Sum(nil)) != m.SHA256 {
		s.downloadFailed(d, "corrupted: the SHA-256 does not match", false)
		return
	}
	err := d.f.Close()
	d.f = nil
	var path string
	if err == nil {
		_ = os.Chmod(d.tmp, 0o644)
		path, err = place(d.tmp, d.dir, sanitizeFileName(d.name))
	}
	if err != nil {
		s.downloadFailed(d, "cannot save the file: "+describe(err), false)
		return
	}
	delete(s.files.down, d.xfer)
	if d.reported < d.size {
		s.emit(FileProgress{Transfer: d.xfer, Bytes: d.size, Size: d.size})
	}
	s.emit(FileDone{Transfer: d.xfer, Path: path})
}

func (s *session) fileAbort(m wire.FileAbort) {
	why := "the transfer was abandoned"
	if m.Reason != "" {
		why += ": " + wire.VisibleText(m.Reason)
	}
	if d := s.files.down[m.ID]; d != nil {
		s.downloadFailed(d, why, false)
	}
	if u := s.files.up[m.ID]; u != nil {
		s.uploadDone(u, fmt.Errorf("sending %s failed: %s", u.name, why))
	}
}

// downloadFailed removes the partial file and reports why; tell also tells
// the server.
func (s *session) downloadFailed(d *download, why string, tell bool) {
	if d.f != nil {
		d.f.Close()
	}
	os.Remove(d.tmp)
	delete(s.files.down, d.xfer)
	if tell && s.c != nil {
		s.c.send(wire.FileAbort{ID: d.xfer, Reason: why})
	}
	s.emit(FileDone{Transfer: d.xfer, Err: errors.New(why)})
}

// abortFiles ends every transfer when the connection is gone.
func (s *session) abortFiles(why string) {
	for ref, u := range s.files.offers {
		u.f.Close()
		delete(s.files.offers, ref)
		s.emit(Error{Err: fmt.Errorf("cannot send %s: %s", u.name, why)})
	}
	for _, u := range s.files.up {
		s.uploadDone(u, fmt.Errorf("sending %s failed: %s", u.name, why))
	}
	for _, d := range s.files.down {
		s.downloadFailed(d, "interrupted: "+why, false)
	}
}

// place moves tmp into dir under name, or "name (1).ext", "name (2).ext"…
// if taken: it never replaces an existing file. Each candidate is claimed
// with O_EXCL first, so a concurrent writer cannot be clobbered either.
func place(tmp, dir, name string) (string, error) {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	if stem == "" { // ".bashrc"
		stem, ext = name, ""
	}
	for i := 0; i < 10000; i++ {
		cand := name
		if i > 0 {
			cand = stem + " (" + strconv.Itoa(i) + ")" + ext
		}
		path := filepath.Join(dir, cand)
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		f.Close()
		if err := os.Rename(tmp, path); err != nil {
			os.Remove(path)
			return "", err
		}
		return path, nil
	}
	return "", errors.New("too many files with that name")
}

var windowsReserved = map[string]bool{"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true, "COM7": true,
	"COM8": true, "COM9": true, "LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true,
	"LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true}

// sanitizeFileName makes an offered name safe to create in the download
// folder on any system: the last path element only, no control, format or
// reserved characters, no leading dots (hidden files, ".."), no trailing dots
// or spaces, not a Windows device name, at most 200 bytes.
func sanitizeFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			continue
		case strings.ContainsRune(`<>:"|?*`, r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	name = trimDotsSpaces(b.String())
	if stem, _, _ := strings.Cut(name, "."); windowsReserved[strings.ToUpper(strings.TrimRight(stem, " "))] {
		name = "_" + name
	}
	if len(name) > 200 {
		ext := filepath.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		cut := 200 - len(ext)
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = trimDotsSpaces(name[:cut]) + ext
	}
	if name == "" {
		name = "file"
	}
	return name
}

// trimDotsSpaces removes dots and white space (any Unicode space) from both
// ends of a name.
func trimDotsSpaces(name string) string {
	return strings.TrimFunc(name, func(r rune) bool { return r == '.' || unicode.IsSpace(r) })
}
