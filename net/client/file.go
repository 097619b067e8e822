package client

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
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

// File transfer (PROTOCOL.md, "File transfer"). The sender offers a file
// (FileOffer with a Ref and a random key kept for the file's life); nothing
// flows until a recipient accepts. Then the server asks the sender for a leg
// (FileSend) from the offset the recipient holds: chunks of wire.MaxChunk
// with at most window bytes unacknowledged (FileAck), then FileEnd with the
// SHA-256 of the whole file. A recipient is asked first (FileOffered event,
// then AcceptFile or CancelFile); it writes into a part file named after the
// sender and the key, and on FileEnd checks size and hash before giving the
// file its (sanitised, never clobbering) name. When a connection drops,
// uploads are offered again and downloads resume from what the part file
// holds once both sides are back.
// All of it runs on the session's goroutine; disk reads and writes are one
// chunk at a time.

const (
	window       = 8 * wire.MaxChunk // unacknowledged bytes per leg
	maxDownloads = 64                // offered or receiving at once; further offers are declined
)

type files struct {
	offers   map[uint32]*upload   // offered, waiting for FileOffered, by Ref
	up       map[string]*upload   // every upload, by key
	upXfer   map[uint64]*upload   // offered and acknowledged, by transfer ID
	legs     map[uint64]*leg      // streaming to one recipient, by leg ID
	down     map[string]*download // offered to me, receiving or paused, by key
	downXfer map[uint64]*download // by the current transfer ID
	answered map[string]string    // keys received or declined, and what to say to a new offer of them
	buf      []byte
}

type upload struct {
	id    uint64 // the SendFile's ID
	key   [wire.FileKeySize]byte
	xfer  uint64 // 0 while not offered on this connection
	f     *os.File
	name  string
	size  int64
	room  string
	to    string
	legs  map[uint64]*leg
	again bool // offered before: a refusal ends it with FileDone
}

type leg struct {
	id       uint64
	u        *upload
	to       string
	sent     int64
	acked    int64
	reported int64
	sum      hash.Hash
	ended    bool // FileEnd sent
}

type dstate uint8

const (
	dOffered   dstate = iota // waiting for AcceptFile or CancelFile
	dReceiving               // accepted; chunks arrive
	dPaused                  // accepted, but the connection or the sender is gone
)

type download struct {
	key      [wire.FileKeySize]byte
	xfer     uint64 // 0 while the sender is gone
	from     string
	room, to string
	name     string
	size     int64
	got      int64
	reported int64
	state    dstate
	f        *os.File
	part     string
	dir      string
	sum      hash.Hash
}

// keyString is how events and commands name a transfer: it stays the same
// across reconnects, when transfer IDs change.
func keyString(k [wire.FileKeySize]byte) string { return hex.EncodeToString(k[:]) }

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

func (f *files) init() {
	if f.up == nil {
		f.offers, f.up, f.upXfer, f.legs = map[uint32]*upload{}, map[string]*upload{}, map[uint64]*upload{}, map[uint64]*leg{}
		f.down, f.downXfer, f.answered = map[string]*download{}, map[uint64]*download{}, map[string]string{}
		f.buf = make([]byte, wire.MaxChunk)
	}
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
	u := &upload{id: c.ID, f: f, name: name, size: fi.Size(), to: c.To, legs: map[uint64]*leg{}}
	if c.To == "" {
		u.room = s.roomName(c.Room)
	}
	rand.Read(u.key[:])
	s.files.init()
	s.files.up[keyString(u.key)] = u
	s.offer(u)
}

// offer offers u on the current connection.
func (s *session) offer(u *upload) {
	ref := s.newRef()
	s.files.offers[ref] = u
	s.c.send(wire.FileOffer{Ref: ref, Room: u.room, To: u.to, Name: u.name, Size: uint64(u.size), Key: u.key})
}

// offerRefused handles an Error that answers a FileOffer.
func (s *session) offerRefused(ref uint32, se *ServerError) bool {
	u := s.files.offers[ref]
	if u == nil {
		return false
	}
	delete(s.files.offers, ref)
	err := fmt.Errorf("cannot send %s: %w", u.name, se)
	if u.again {
		s.uploadDone(u, err)
		return true
	}
	s.closeUpload(u)
	s.emit(Error{Code: se.Code, Err: err})
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
		u.xfer, u.again = m.ID, true
		s.files.upXfer[m.ID] = u
		s.emit(FileOffered{Transfer: m.ID, From: m.From, Room: m.Room, To: m.To, Name: u.name, Size: u.size,
			Mine: true, ID: u.id, Key: keyString(u.key)})
		return
	}
	s.receive(m)
}

// fileSend starts a leg: a recipient accepted, from an offset.
func (s *session) fileSend(m wire.FileSend) {
	u := s.files.upXfer[m.ID]
	if u == nil || m.Offset > uint64(u.size) {
		s.c.send(wire.FileAbort{ID: m.Leg, Reason: "the sender no longer offers this file"})
		return
	}
	for id, l := range u.legs { // the recipient came back before its old leg was noticed gone
		if wire.FoldKey(l.to) == wire.FoldKey(m.To) {
			s.dropLeg(id)
		}
	}
	l := &leg{id: m.Leg, u: u, to: m.To, sent: int64(m.Offset), acked: int64(m.Offset), reported: int64(m.Offset), sum: sha256.New()}
	if l.sent > 0 { // resuming: the hash covers the whole file
		if _, err := io.Copy(l.sum, io.NewSectionReader(u.f, 0, l.sent)); err != nil {
			s.failLeg(l, describe(err))
			return
		}
	}
	u.legs[l.id] = l
	s.files.legs[l.id] = l
	s.pump(l)
}

func (s *session) dropLeg(id uint64) {
	if l := s.files.legs[id]; l != nil {
		delete(l.u.legs, id)
		delete(s.files.legs, id)
	}
}

// failLeg gives up on one recipient (the file cannot be read).
func (s *session) failLeg(l *leg, why string) {
	s.c.send(wire.FileAbort{ID: l.id, Reason: why})
	s.dropLeg(l.id)
	s.emit(FileStatus{Key: keyString(l.u.key), Nick: l.to, State: wire.RecipientCanceled, Reason: why})
}

// pump sends chunks while the window allows, then FileEnd.
func (s *session) pump(l *leg) {
	u, buf := l.u, s.files.buf
	for l.sent < u.size && l.sent-l.acked < window {
		n := int(min(int64(wire.MaxChunk), u.size-l.sent))
		if _, err := u.f.ReadAt(buf[:n], l.sent); err != nil {
			why := describe(err)
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				why = "the file got shorter while it was being sent"
			}
			s.failLeg(l, why)
			return
		}
		l.sum.Write(buf[:n])
		// FileChunk's data is copied into the outbox by the encoder.
		s.c.send(wire.FileChunk{ID: l.id, Data: buf[:n]})
		l.sent += int64(n)
	}
	if l.sent == u.size && !l.ended {
		end := wire.FileEnd{ID: l.id}
		copy(end.SHA256[:], l.sum.Sum(nil))
		s.c.send(end)
		l.ended = true
	}
}

func (s *session) fileAck(m wire.FileAck) {
	l := s.files.legs[m.ID]
	if l == nil {
		return
	}
	l.acked = min(int64(m.Bytes), l.sent)
	if l.acked-l.reported >= progressStep(l.u.size) || l.acked == l.u.size && l.reported < l.u.size {
		l.reported = l.acked
		s.emit(FileProgress{Transfer: l.u.xfer, Key: keyString(l.u.key), Bytes: l.acked, Size: l.u.size, Mine: true, To: l.to})
	}
	s.pump(l)
}

// fileStatus reports what became of one recipient.
func (s *session) fileStatus(m wire.FileStatus) {
	u := s.files.upXfer[m.ID]
	if u == nil {
		return
	}
	if m.Leg != 0 {
		s.dropLeg(m.Leg)
	}
	s.emit(FileStatus{Key: keyString(u.key), Nick: m.Nick, State: m.State, Reason: wire.VisibleText(m.Reason)})
}

// fileClosed: every recipient has answered; the upload is over.
func (s *session) fileClosed(m wire.FileClosed) {
	if u := s.files.upXfer[m.ID]; u != nil {
		s.uploadDone(u, nil)
	}
}

// closeUpload forgets u without an event.
func (s *session) closeUpload(u *upload) {
	u.f.Close()
	for id := range u.legs {
		s.dropLeg(id)
	}
	delete(s.files.up, keyString(u.key))
	if u.xfer != 0 {
		delete(s.files.upXfer, u.xfer)
	}
}

func (s *session) uploadDone(u *upload, err error) {
	s.closeUpload(u)
	s.emit(FileDone{Transfer: u.xfer, Key: keyString(u.key), Mine: true, Err: err})
}

// partName is the part file of a key from a sender: the same on every
// offer of the file, so that a new offer finds what arrived before.
func partName(from string, key [wire.FileKeySize]byte) string {
	h := sha256.Sum256(append([]byte(wire.FoldKey(from)+"\x00"), key[:]...))
	return ".multichat-" + hex.EncodeToString(h[:12]) + ".part"
}

func (s *session) receive(m wire.FileOffered) {
	s.files.init()
	ev := FileOffered{Transfer: m.ID, From: m.From, Room: m.Room, To: m.To, Name: m.Name, Size: int64(m.Size), Free: -1}
	if m.Key == ([wire.FileKeySize]byte{}) { // an old sender: no resume
		rand.Read(m.Key[:])
	}
	k := keyString(m.Key)
	ev.Key = k
	if why, ok := s.files.answered[k]; ok {
		s.c.send(wire.FileAbort{ID: m.ID, Reason: why})
		return
	}
	if d := s.files.down[k]; d != nil { // offered again after the sender came back
		if d.xfer != 0 {
			delete(s.files.downXfer, d.xfer)
		}
		d.xfer = m.ID
		s.files.downXfer[m.ID] = d
		if d.state == dPaused {
			ev.Resumed = true
			s.emit(ev)
			s.startReceive(d)
			return
		}
		ev.Free = diskFree(d.dir)
		s.emit(ev)
		return
	}
	if m.Size > 1<<62 {
		s.emit(ev)
		s.declined(m.ID, k, "the announced size is not plausible")
		return
	}
	if len(s.files.down) >= maxDownloads {
		s.emit(ev)
		s.declined(m.ID, k, "too many files are waiting or being received at once")
		return
	}
	dir := s.o.downloads()
	d := &download{key: m.Key, xfer: m.ID, from: m.From, room: m.Room, to: m.To, name: m.Name, size: int64(m.Size),
		dir: dir, part: filepath.Join(dir, partName(m.From, m.Key))}
	s.files.down[k] = d
	s.files.downXfer[m.ID] = d
	if fi, err := os.Stat(d.part); err == nil && fi.Size() <= d.size {
		// Accepted before (the part file is there): carry on.
		ev.Resumed = true
		s.emit(ev)
		s.startReceive(d)
		return
	}
	ev.Free = diskFree(dir)
	s.emit(ev)
}

// declined tells the server this client will not take a transfer.
func (s *session) declined(xfer uint64, key, why string) {
	s.c.send(wire.FileAbort{ID: xfer, Reason: why})
	s.emit(FileDone{Transfer: xfer, Key: key, Err: errors.New(why)})
}

// acceptFile is the user's yes to an offer.
func (s *session) acceptFile(c AcceptFile) {
	d := s.files.down[c.Key]
	if d == nil || d.state != dOffered {
		return
	}
	if s.c == nil || d.xfer == 0 {
		// Accepted while a connection is down: it starts when both sides
		// are back (filesBack, or the sender's new offer).
		d.state = dPaused
		s.emit(FileInterrupted{Transfer: d.xfer, Key: keyString(d.key), Size: d.size,
			Reason: "it starts when both sides are connected"})
		return
	}
	if free := diskFree(d.dir); free >= 0 && free < d.size {
		s.emit(Error{Err: fmt.Errorf("cannot accept %s: it needs %s and the download folder has %s free",
			d.name, byteSize(d.size), byteSize(free))})
		return
	}
	s.startReceive(d)
}

// startReceive opens (or reopens) d's part file and asks for the rest.
func (s *session) startReceive(d *download) {
	fail := func(why string) { s.downloadFailed(d, why, true) }
	if err := os.MkdirAll(d.dir, 0o755); err != nil {
		fail("cannot create the download folder: " + describe(err))
		return
	}
	f, err := os.OpenFile(d.part, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		fail("cannot create a file: " + describe(err))
		return
	}
	d.f, d.sum = f, sha256.New()
	n, err := io.Copy(d.sum, f) // what arrived before counts in the hash
	if err != nil {
		fail("cannot read the partial file: " + describe(err))
		return
	}
	if n > d.size {
		if err := f.Truncate(0); err != nil {
			fail("cannot write the file: " + describe(err))
			return
		}
		f.Seek(0, io.SeekStart)
		n, d.sum = 0, sha256.New()
	}
	d.got, d.reported, d.state = n, n, dReceiving
	s.c.send(wire.FileAccept{ID: d.xfer, Offset: uint64(n), Key: d.key})
}

// cancelFile is the user's no: to an offer (decline), to a download or to
// an upload (cancel).
func (s *session) cancelFile(c CancelFile) {
	if u := s.files.up[c.Key]; u != nil {
		for ref, o := range s.files.offers {
			if o == u {
				delete(s.files.offers, ref)
			}
		}
		if s.c != nil && u.xfer != 0 {
			s.c.send(wire.FileAbort{ID: u.xfer, Reason: c.Reason})
		}
		s.uploadDone(u, errors.New("canceled"))
		return
	}
	d := s.files.down[c.Key]
	if d == nil {
		return
	}
	why := c.Reason
	if why == "" {
		why = "canceled"
		if d.state == dOffered {
			why = "declined"
		}
	}
	if d.state == dOffered {
		s.files.answered[c.Key] = why
	}
	if s.c != nil && d.xfer != 0 {
		s.c.send(wire.FileAbort{ID: d.xfer, Reason: why})
	}
	s.downloadFailed(d, why, false)
}

func (s *session) fileChunk(m wire.FileChunk) {
	d := s.files.downXfer[m.ID]
	if d == nil || d.state != dReceiving {
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
		s.emit(FileProgress{Transfer: d.xfer, Key: keyString(d.key), Bytes: d.got, Size: d.size})
	}
}

func (s *session) fileEnd(m wire.FileEnd) {
	d := s.files.downXfer[m.ID]
	if d == nil || d.state != dReceiving {
		return
	}
	if d.got != d.size {
		s.downloadFailed(d, fmt.Sprintf("incomplete: %d of %d bytes arrived", d.got, d.size), true)
		return
	}
	if [32]byte(d.sum.Sum(nil)) != m.SHA256 {
		s.downloadFailed(d, "corrupted: the SHA-256 does not match", true)
		return
	}
	err := d.f.Close()
	d.f = nil
	var path string
	if err == nil {
		_ = os.Chmod(d.part, 0o644)
		path, err = place(d.part, d.dir, sanitizeFileName(d.name))
	}
	if err != nil {
		s.downloadFailed(d, "cannot save the file: "+describe(err), true)
		return
	}
	k := keyString(d.key)
	s.forgetDownload(d)
	s.files.answered[k] = "already received"
	if d.reported < d.size {
		s.emit(FileProgress{Transfer: d.xfer, Key: k, Bytes: d.size, Size: d.size})
	}
	s.emit(FileDone{Transfer: d.xfer, Key: k, Path: path})
}

func (s *session) fileAbort(m wire.FileAbort) {
	why := "the transfer was abandoned"
	if m.Reason != "" {
		why += ": " + wire.VisibleText(m.Reason)
	}
	if d := s.files.downXfer[m.ID]; d != nil {
		s.downloadFailed(d, why, false)
	}
}

// fileInterrupted: the sender is gone; keep what arrived until it offers
// the file again.
func (s *session) fileInterrupted(m wire.FileInterrupted) {
	if d := s.files.downXfer[m.ID]; d != nil {
		s.pauseDownload(d, wire.VisibleText(m.Reason))
		delete(s.files.downXfer, d.xfer)
		d.xfer = 0
	}
}

func (s *session) pauseDownload(d *download, why string) {
	if d.f != nil {
		d.f.Close()
		d.f = nil
	}
	if d.state == dReceiving {
		d.state = dPaused
	}
	s.emit(FileInterrupted{Transfer: d.xfer, Key: keyString(d.key), Bytes: d.got, Size: d.size, Reason: why})
}

func (s *session) forgetDownload(d *download) {
	if d.f != nil {
		d.f.Close()
		d.f = nil
	}
	delete(s.files.down, keyString(d.key))
	if s.files.downXfer[d.xfer] == d {
		delete(s.files.downXfer, d.xfer)
	}
}

// downloadFailed removes the partial file and reports why; tell also tells
// the server.
func (s *session) downloadFailed(d *download, why string, tell bool) {
	s.forgetDownload(d)
	os.Remove(d.part)
	if tell && s.c != nil && d.xfer != 0 {
		s.c.send(wire.FileAbort{ID: d.xfer, Reason: why})
	}
	s.emit(FileDone{Transfer: d.xfer, Key: keyString(d.key), Err: errors.New(why)})
}

// filesLost pauses every transfer when the connection drops: uploads are
// offered again and downloads resume when it is back (filesBack).
func (s *session) filesLost(why string) {
	for ref, u := range s.files.offers {
		delete(s.files.offers, ref)
		if !u.again { // never acknowledged: the user saw only the request
			s.closeUpload(u)
			s.emit(Error{Err: fmt.Errorf("cannot send %s: %s", u.name, why)})
		}
	}
	for _, u := range s.files.up {
		for id := range u.legs {
			s.dropLeg(id)
		}
		if u.xfer != 0 {
			delete(s.files.upXfer, u.xfer)
			u.xfer = 0
			s.emit(FileInterrupted{Key: keyString(u.key), Mine: true, Size: u.size, Reason: why})
		}
	}
	for _, d := range s.files.down {
		if d.state != dOffered {
			s.pauseDownload(d, why)
		}
	}
}

// filesBack offers every upload again and asks for the rest of every
// paused download whose transfer may still be open.
func (s *session) filesBack() {
	for _, u := range s.files.up {
		if u.xfer == 0 {
			s.offer(u)
		}
	}
	for _, d := range s.files.down {
		if d.state == dPaused && d.xfer != 0 {
			s.startReceive(d)
		}
	}
}

// abortFiles ends every transfer when the session ends.
func (s *session) abortFiles(why string) {
	for ref, u := range s.files.offers {
		delete(s.files.offers, ref)
		if !u.again {
			s.closeUpload(u)
			s.emit(Error{Err: fmt.Errorf("cannot send %s: %s", u.name, why)})
		}
	}
	for _, u := range s.files.up {
		s.uploadDone(u, fmt.Errorf("sending %s failed: %s", u.name, why))
	}
	for _, d := range s.files.down {
		s.downloadFailed(d, "interrupted: "+why, false)
	}
}

// byteSize formats n for people: 1.5 MB, 300 KB, 12 bytes.
func byteSize(n int64) string {
	const k = 1000
	switch {
	case n >= k*k*k:
		return fmt.Sprintf("%.1f GB", float64(n)/(k*k*k))
	case n >= k*k:
		return fmt.Sprintf("%.1f MB", float64(n)/(k*k))
	case n >= k:
		return fmt.Sprintf("%.0f KB", float64(n)/k)
	}
	return fmt.Sprintf("%d bytes", n)
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
