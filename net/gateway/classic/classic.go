// Package classic serves the seed-001 Python chat client ("classic"
// clients) on MultiChat: it speaks the seed's frames to the client and
// MultiChat's wire messages to the hub, through server.Port, so the user is
// an ordinary member (same nickname rules, flood control, limits, kicks).
//
// The seed's frames are [4-byte big-endian length][1-byte type][payload] with
// types TEXT 0x01, FILE 0x02, JOIN 0x03, LEAVE 0x04, ERROR 0x05, COMMAND
// 0x06. The client sends JOIN with its username, then TEXT with what its user
// types (commands too) and FILE "filename::bytes". It prints TEXT starting
// with "[Server]" as it is and splits other TEXT at the first "::" into
// sender and message; it prints JOIN, LEAVE and ERROR payloads; COMMAND
// "/quit_ack" ends it. It cannot read FILE frames, so files only travel from
// it.
package classic

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/multichat/multichat/net/gateway"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/wire"
)

// The seed's frame types.
const (
	typeText    = 0x01
	typeFile    = 0x02
	typeJoin    = 0x03
	typeLeave   = 0x04
	typeError   = 0x05
	typeCommand = 0x06
)

// Config is the gateway's configuration.
type Config struct {
	Port *server.Port // the hub
	// MaxFrame is the largest frame a classic client may send (default
	// 64 KiB, the server's frame limit): a file travels whole in one frame,
	// so it also bounds files. Larger frames are skipped with an error.
	MaxFrame     int
	WriteTimeout time.Duration // a write to the client taking longer drops it (10 s)
	JoinTimeout  time.Duration // time from connect to the JOIN frame (10 s)
	Logger       *slog.Logger
}

// Gateway serves classic clients. Serve starts a session per client; Close
// ends them all.
type Gateway struct {
	cfg      Config
	sessions *gateway.Sessions
}

// New returns a gateway to cfg.Port.
func New(cfg Config) *Gateway {
	if cfg.MaxFrame <= 0 {
		cfg.MaxFrame = 64 << 10
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	if cfg.JoinTimeout <= 0 {
		cfg.JoinTimeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Gateway{cfg: cfg, sessions: gateway.NewSessions(cfg.Logger)}
}

// Serve starts serving nc, a client whose first frame is (or should be) a
// JOIN, and returns at once. It is gateway.SniffConfig.Classic.
func (g *Gateway) Serve(nc net.Conn) {
	g.sessions.Go(nc, func() {
		s := &session{g: g, nc: nc, roster: gateway.NewRoster(), fileReply: make(chan wire.Message, 1),
			fileEv: make(chan wire.Message, fileEvents)}
		s.run()
	})
}

// Close ends every session (their hub connections close: the users are
// "connection lost") and waits for them.
func (g *Gateway) Close() { g.sessions.Close() }

// session is one classic client. The goroutine running run reads the client
// and writes to the hub; fromHub reads the hub and writes to the client.
type session struct {
	g      *Gateway
	nc     net.Conn
	link   *gateway.Link
	nick   string
	lobby  string
	roster *gateway.Roster

	wmu sync.Mutex // client writes

	fileRef   atomic.Uint32     // Ref of the file being offered (0: none)
	fileID    atomic.Uint64     // its transfer id once offered
	fileReply chan wire.Message // FileOffered or Error for fileRef
	fileEv    chan wire.Message // file-send, file-ack, file-status, file-closed for fileID
	sending   atomic.Bool       // a file goroutine is running (one at a time)
	files     sync.WaitGroup    // that goroutine, waited for by run
	ended     chan struct{}     // closed when the client's side ends: the file goroutine stops
	quitting  atomic.Bool
}

func (s *session) log() *slog.Logger { return s.g.cfg.Logger }

// send writes one seed frame to the client.
func (s *session) send(t byte, payload string) error {
	b := make([]byte, 5+len(payload))
	binary.BigEndian.PutUint32(b, uint32(1+len(payload)))
	b[4] = t
	copy(b[5:], payload)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.nc.SetWriteDeadline(time.Now().Add(s.g.cfg.WriteTimeout))
	_, err := s.nc.Write(b)
	return err
}

func (s *session) server(format string, args ...any) error {
	return s.send(typeText, "[Server] "+fmt.Sprintf(format, args...))
}

// frame is one seed frame from the client.
type frame struct {
	t       byte
	payload []byte
}

// errSkipped is a frame over the limit, read and thrown away.
type errSkipped struct{ size int }

func (e errSkipped) Error() string { return fmt.Sprintf("frame of %d bytes skipped", e.size) }

// maxSkip bounds a too-large frame the gateway reads past (so that the
// client, which sends a whole file in one frame, can go on chatting); a
// larger one closes the connection.
const maxSkip = 64 << 20

// read reads one frame from the client.
func (s *session) read(r io.Reader) (frame, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:4]); err != nil {
		return frame{}, err
	}
	n := int(binary.BigEndian.Uint32(hdr[:4]))
	if n == 0 {
		return frame{}, errors.New("empty frame")
	}
	if n > s.g.cfg.MaxFrame {
		if n > maxSkip {
			return frame{}, fmt.Errorf("frame of %d bytes is over the limit of %d", n, s.g.cfg.MaxFrame)
		}
		if _, err := io.CopyN(io.Discard, r, int64(n)); err != nil {
			return frame{}, err
		}
		return frame{}, errSkipped{n}
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return frame{}, err
	}
	return frame{t: b[0], payload: b[1:]}, nil
}

// run serves the client until it quits or either side goes.
func (s *session) run() {
	defer s.nc.Close()
	defer func() {
		if s.link != nil {
			s.link.Close() // after a panic, too
		}
	}()
	addr := gateway.RemoteAddr(s.nc)
	s.nc.SetReadDeadline(time.Now().Add(s.g.cfg.JoinTimeout))
	f, err := s.read(s.nc)
	if err != nil || f.t != typeJoin {
		if err == nil {
			s.send(typeError, "Send JOIN with your username first.")
		}
		return
	}
	nick := string(f.payload)
	if !utf8.ValidString(nick) {
		s.send(typeError, "Your username is not valid UTF-8.")
		return
	}
	link, err := gateway.Join(s.g.sessions.Context(), s.g.cfg.Port, addr, "classic", nick, "")
	if err != nil {
		var refused *gateway.RefusedError
		switch {
		case errors.As(err, &refused) && refused.Code == wire.RefusePasswordNeeded:
			s.send(typeError, "This server needs a password, which the classic client cannot give. "+
				"Join with MultiChat or an IRC client instead.")
		case errors.As(err, &refused):
			s.send(typeError, fmt.Sprintf("Cannot join as “%s”: %s.", nick, refused.Text))
		default:
			s.send(typeError, "Cannot join: "+err.Error()+".")
		}
		s.log().Info("classic client refused", "addr", addr, "nick", nick, "err", err)
		return
	}
	s.link, s.nick, s.lobby = link, link.Welcome.Nick, link.Welcome.Lobby
	s.nc.SetReadDeadline(time.Time{})
	s.log().Info("classic client joined", "addr", addr, "nick", s.nick)
	s.send(typeJoin, fmt.Sprintf("Welcome to %s, %s! Type /help for commands.", link.Welcome.Server, s.nick))

	hubDone := make(chan struct{})
	go func() {
		defer close(hubDone)
		defer gateway.Recover(s.log(), s.nc)
		s.fromHub()
	}()
	s.ended = make(chan struct{})
	s.fromClient()
	close(s.ended)
	s.files.Wait()
	if s.quitting.Load() {
		link.Quit("")
	} else {
		link.Close()
	}
	<-hubDone
}

// fromClient reads the client's frames and acts on them until it goes,
// quits, or fromHub ends the session.
func (s *session) fromClient() {
	for {
		f, err := s.read(s.nc)
		var skipped errSkipped
		switch {
		case errors.As(err, &skipped):
			s.send(typeError, fmt.Sprintf("That was %s; the limit here is %s (a file travels in one frame).",
				gateway.Size(uint64(skipped.size)), gateway.Size(uint64(s.g.cfg.MaxFrame))))
			continue
		case err != nil:
			return
		}
		switch f.t {
		case typeText, typeCommand:
			if !s.text(f.payload) {
				return
			}
		case typeFile:
			// The offer waits for the recipients' consent: chat goes on
			// meanwhile, one file at a time.
			if !s.sending.CompareAndSwap(false, true) {
				s.send(typeError, "Your previous file is still waiting for answers or being sent; send this one after it.")
				continue
			}
			data := bytes.Clone(f.payload)
			s.files.Go(func() {
				defer s.sending.Store(false)
				s.file(data)
			})
		case typeLeave:
			s.quitting.Store(true)
			return
		case typeJoin:
			s.send(typeError, "You have already joined.")
		default:
			s.send(typeError, fmt.Sprintf("Frame type %d is not understood.", f.t))
		}
	}
}

// text handles a TEXT frame: a command or a message to the lobby. It returns
// false when the client quits.
func (s *session) text(payload []byte) bool {
	if !utf8.Valid(payload) {
		s.send(typeError, "That message is not valid UTF-8; it was not sent.")
		return true
	}
	text := string(payload)
	if !strings.HasPrefix(text, "/") {
		s.say(wire.Say{Room: s.lobby, Text: text})
		return true
	}
	cmd, arg, _ := strings.Cut(text, " ")
	switch strings.ToLower(cmd) {
	case "/quit":
		s.quitting.Store(true)
		s.send(typeCommand, "/quit_ack")
		return false
	case "/users":
		users := s.roster.Users(s.lobby)
		s.server("Online users (%d): %s", len(users), strings.Join(users, ", "))
	case "/help":
		s.server("Commands:\n/users - List online users\n/msg <name> <message> - Private message\n"+
			"/send <filepath> - Send a file to the lobby (up to %s)\n/quit - Disconnect",
			gateway.Size(uint64(s.g.cfg.MaxFrame)))
	case "/msg", "/w":
		to, msg, _ := strings.Cut(strings.TrimLeft(arg, " "), " ")
		if to == "" || strings.TrimSpace(msg) == "" {
			s.send(typeError, "Usage: /msg <name> <message>")
			return true
		}
		s.say(wire.Private{To: to, Text: msg})
	default:
		s.send(typeError, fmt.Sprintf("Unknown command %s. Type /help.", cmd))
	}
	return true
}

// say sends a message to the hub; its errors (too long, no such user) come
// back as Error frames, which fromHub prints.
func (s *session) say(m wire.Message) {
	if err := s.link.Send(m); err != nil {
		s.nc.Close() // the hub is gone: end the session
	}
}

// fileWait bounds the wait for the hub's answer to a file offer.
const fileWait = 10 * time.Second

// file relays a FILE frame ("filename::bytes") into MultiChat's file
// transfer to the lobby: offer, chunks within the hub's window, end.
func (s *session) file(payload []byte) {
	i := strings.Index(string(payload[:min(len(payload), wire.MaxFileName+2)]), "::")
	if i <= 0 {
		s.send(typeError, "A file frame must hold filename::bytes.")
		return
	}
	name, data := string(payload[:i]), payload[i+2:]
	ref := uint32(time.Now().UnixNano()) | 1
	select { // a late answer to an offer that timed out
	case <-s.fileReply:
	default:
	}
	s.fileRef.Store(ref)
	defer s.fileRef.Store(0)
	defer s.fileID.Store(0) // set by fromHub with the answer, before any file-send can follow it
	offer := wire.FileOffer{Ref: ref, Room: s.lobby, Name: name, Size: uint64(len(data))}
	rand.Read(offer.Key[:]) // recipients accept (and resume) an offer by its key
	if err := s.link.Send(offer); err != nil {
		return
	}
	t := time.NewTimer(fileWait)
	defer t.Stop()
	var id uint64
	select {
	case m := <-s.fileReply:
		if e, ok := m.(wire.Error); ok {
			s.send(typeError, fmt.Sprintf("File “%s” not sent: %s.", name, e.Text))
			return
		}
		id = m.(wire.FileOffered).ID
	case <-t.C:
		s.send(typeError, fmt.Sprintf("File “%s” not sent: the server did not answer.", name))
		return
	case <-s.ended:
		return
	}
	s.sendFile(id, name, data)
}

// fileEvents bounds the file events queued for the sending session: one
// file-send per accepting recipient, and their acknowledgements.
const fileEvents = 1024

// consentWait bounds how long an offer waits with no answer from anyone
// (the recipients accept or decline it in their windows).
const consentWait = 2 * time.Minute

// sendFile streams data to every recipient who accepts offer id: each
// file-send opens a leg from its offset, chunks go within the hub's window
// of that leg's acknowledgements, then file-end with the whole file's
// SHA-256; file-closed says everyone has answered.
func (s *session) sendFile(id uint64, name string, data []byte) {
	type leg struct {
		sent, acked uint64
		ended       bool
	}
	const window = 4 * wire.MaxChunk // the hub allows more chunks ahead of its acks
	sum := sha256.Sum256(data)
	size := uint64(len(data))
	legs := map[uint64]*leg{}
	received, refused := 0, 0
	t := time.NewTimer(consentWait)
	defer t.Stop()
	for {
		for lid, l := range legs {
			for l.sent < size && l.sent-l.acked <= window {
				n := min(size-l.sent, wire.MaxChunk)
				if err := s.link.Send(wire.FileChunk{ID: lid, Data: data[l.sent : l.sent+n]}); err != nil {
					return
				}
				l.sent += n
			}
			if l.sent == size && !l.ended {
				l.ended = true
				if err := s.link.Send(wire.FileEnd{ID: lid, SHA256: sum}); err != nil {
					return
				}
			}
		}
		select {
		case m := <-s.fileEv:
			t.Reset(consentWait)
			switch m := m.(type) {
			case wire.FileSend:
				if m.Offset > size {
					s.link.Send(wire.FileAbort{ID: m.Leg, Reason: "the sender no longer offers this file"})
					continue
				}
				legs[m.Leg] = &leg{sent: m.Offset, acked: m.Offset}
			case wire.FileAck:
				if l := legs[m.ID]; l != nil {
					l.acked = min(m.Bytes, l.sent)
				}
			case wire.FileStatus:
				delete(legs, m.Leg)
				switch m.State {
				case wire.RecipientReceived:
					received++
					s.server("%s received the file “%s”.", m.Nick, name)
				case wire.RecipientDeclined, wire.RecipientCanceled:
					refused++
					s.server("%s did not take the file “%s”%s.", m.Nick, name, why(m.Reason))
				}
			case wire.FileClosed:
				s.server("Sent file “%s” (%s) to %s: %d received it, %d did not.", name, gateway.Size(size), s.lobby, received, refused)
				return
			}
		case <-s.ended:
			s.link.Send(wire.FileAbort{ID: id, Reason: "the sender left"})
			return
		case <-t.C:
			s.link.Send(wire.FileAbort{ID: id, Reason: "nobody answered the offer"})
			s.send(typeError, fmt.Sprintf("File “%s” not sent: nobody answered the offer within %v.", name, consentWait))
			return
		}
	}
}

func why(reason string) string {
	if reason == "" {
		return ""
	}
	return ": " + wire.VisibleText(reason)
}

// fileEvent hands sendFile an event of its transfer (never blocking fromHub).
func (s *session) fileEvent(m wire.Message) {
	select {
	case s.fileEv <- m:
	default:
	}
}

// reply hands file the hub's answer to its offer (never blocking fromHub).
func (s *session) reply(m wire.Message) {
	select {
	case s.fileReply <- m:
	default:
	}
}

// fromHub turns the hub's frames into seed frames until the hub closes the
// link (kick, stop) or the session ends.
func (s *session) fromHub() {
	defer s.closeClient()
	listed := false
	for {
		m, err := s.link.Next()
		if err != nil {
			return
		}
		switch m := m.(type) {
		case wire.Chat:
			if m.Room == s.lobby && m.From != s.nick {
				s.send(typeText, m.From+"::"+m.Text)
			}
		case wire.PrivMsg:
			if m.From == s.nick {
				s.server("(private to %s) %s", m.To, m.Text)
			} else {
				s.send(typeText, m.From+" (private)::"+m.Text)
			}
		case wire.UserList:
			if s.roster.Apply(m) && m.Room == s.lobby && !listed {
				listed = true
				users := s.roster.Users(s.lobby)
				s.server("Online users (%d): %s", len(users), strings.Join(users, ", "))
			}
		case wire.Joined:
			s.roster.Apply(m)
			if m.Room == s.lobby {
				for _, u := range m.Users {
					if u != s.nick {
						s.send(typeJoin, u+" joined the chat.")
					}
				}
			}
		case wire.Left:
			s.roster.Apply(m)
			if m.Room == s.lobby && m.User != s.nick {
				switch m.Reason {
				case wire.LeftKicked: // Removed has said it
				case wire.LeftQuit:
					if m.Text != "" {
						s.send(typeLeave, m.User+" left the chat: "+m.Text)
					} else {
						s.send(typeLeave, m.User+" left the chat.")
					}
				default:
					s.send(typeLeave, fmt.Sprintf("%s left the chat (%s).", m.User, m.Reason))
				}
			}
		case wire.Removed:
			s.server("[시스템 추방] %s was removed by the administrator: %s", m.User, m.Reason)
		case wire.Notice:
			s.server("%s", m.Text)
		case wire.Restriction:
			s.server("%s", m.Text())
		case wire.Queued:
			s.server("%s", gateway.QueuedText(m.To))
		case wire.Topic:
			if m.Room == s.lobby && m.Text != "" {
				s.server("Topic: %s", m.Text)
			}
		case wire.Kicked:
			s.server("[kick] You were removed by the administrator: %s", m.Reason)
			return
		case wire.Stopping:
			s.server("The server is stopping: %s", m.Reason)
			return
		case wire.Error:
			if ref := s.fileRef.Load(); ref != 0 && m.Ref == ref {
				s.reply(m)
				continue
			}
			if m.Code != wire.CodeNoTransfer { // a file declined after it had already ended
				s.send(typeError, m.Text)
			}
		case wire.FileOffered:
			if ref := s.fileRef.Load(); ref != 0 && m.Ref == ref && m.From == s.nick {
				s.fileID.Store(m.ID)
				s.reply(m)
				continue
			}
			to := "the " + m.Room
			if m.Room == "" {
				to = "you"
			}
			s.server("%s sent the file “%s” (%s) to %s. This client cannot receive files; ask %s for it another way.",
				m.From, m.Name, gateway.Size(m.Size), to, m.From)
			s.link.Send(wire.FileAbort{ID: m.ID, Reason: "classic clients cannot receive files"})
		case wire.FileAck:
			if s.fileID.Load() != 0 { // acks name the leg
				s.fileEvent(m)
			}
		case wire.FileSend:
			if id := s.fileID.Load(); id != 0 && m.ID == id {
				s.fileEvent(m)
			} else {
				s.link.Send(wire.FileAbort{ID: m.Leg, Reason: "the sender no longer offers this file"})
			}
		case wire.FileStatus:
			if id := s.fileID.Load(); id != 0 && m.ID == id {
				s.fileEvent(m)
			}
		case wire.FileClosed:
			if id := s.fileID.Load(); id != 0 && m.ID == id {
				s.fileEvent(m)
			}
		case wire.FileAbort:
			if m.ID != 0 && m.ID == s.fileID.Load() {
				s.send(typeError, "Your file was not delivered: "+m.Reason)
			}
		case wire.Ping:
			s.link.Send(wire.Pong{Token: m.Token})
		}
	}
}

// closeClient ends the client's side once the hub has let go: the final
// line is delivered (half-close), the reader gets the client's close or a
// deadline, and run closes the socket.
func (s *session) closeClient() {
	if cw, ok := s.nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	s.nc.SetReadDeadline(time.Now().Add(time.Second))
}
