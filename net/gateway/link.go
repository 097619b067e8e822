package gateway

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/wire"
)

// ErrNotRunning: the MultiChat server is stopped, so a gateway user cannot
// join it now.
var ErrNotRunning = errors.New("the chat server is not running")

// RefusedError is the hub's refusal of a gateway user's Hello (nickname
// taken, invalid, server full…).
type RefusedError struct {
	Code wire.RefuseCode
	Text string
}

func (e *RefusedError) Error() string { return e.Text }

// Link is one gateway user's connection to the hub: the gateway writes
// MultiChat wire messages with Send (from any goroutine) and reads the hub's
// frames with Next (from one goroutine).
type Link struct {
	nc      net.Conn
	br      *bufio.Reader
	r       *wire.Reader
	mu      sync.Mutex // serialises writes
	buf     []byte
	Welcome wire.Welcome
}

// joinTimeout bounds the wait for the hub's answer to a Hello.
const joinTimeout = 10 * time.Second

// Join dials the hub through port on behalf of a client at remote, sends
// Hello with nick and password (the server password the client gave; ""
// for none) and waits for Welcome. A refusal comes back as a
// *RefusedError; a stopped server as ErrNotRunning.
func Join(ctx context.Context, port *server.Port, remote netip.AddrPort, via, nick, password string) (*Link, error) {
	nc, err := port.Dial(ctx, remote, via)
	if errors.Is(err, server.ErrNotRunning) {
		return nil, ErrNotRunning
	}
	if err != nil {
		return nil, err
	}
	l := &Link{nc: nc, br: bufio.NewReaderSize(nc, 16<<10)}
	l.r = wire.NewReader(l.br, wire.AbsoluteMaxFrame)
	nc.SetDeadline(time.Now().Add(joinTimeout))
	if err := l.Send(wire.Hello{Version: wire.Version, Nick: nick, Password: password}); err != nil {
		nc.Close()
		return nil, ErrNotRunning
	}
	for {
		m, err := l.Next()
		if err != nil {
			nc.Close()
			return nil, ErrNotRunning
		}
		switch m := m.(type) {
		case wire.Welcome:
			nc.SetDeadline(time.Time{})
			l.Welcome = m
			return l, nil
		case wire.Refused:
			nc.Close()
			return nil, &RefusedError{Code: m.Code, Text: m.Text}
		case wire.Error:
			nc.Close()
			return nil, &RefusedError{Code: wire.RefuseNickInvalid, Text: m.Text}
		case wire.Stopping:
			nc.Close()
			return nil, ErrNotRunning
		}
	}
}

// Send writes m to the hub. It blocks while the hub's reader is not reading
// (flood control pauses it): that pushes back on the gateway's client.
func (l *Link) Send(m wire.Message) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = wire.AppendFrame(l.buf[:0], m)
	_, err := l.nc.Write(l.buf)
	if cap(l.buf) > 64<<10 {
		l.buf = nil
	}
	return err
}

// Next reads the hub's next message.
func (l *Link) Next() (wire.Message, error) { return l.r.ReadMessage() }

// NextFrame reads the hub's next frame undecoded (wire.Decode or a view such
// as wire.ViewChat reads it); its payload is valid until the next read.
func (l *Link) NextFrame() (wire.Frame, error) { return l.r.Next() }

// Buffered reports whether more of the hub's frames are already read: a
// gateway flushes its client's writes when there are none.
func (l *Link) Buffered() bool { return l.br.Buffered() > 0 }

// Close ends the link; the hub sees the user's connection close.
func (l *Link) Close() error { return l.nc.Close() }

// Quit says goodbye (others see "quit", and reason if any) and closes the
// link.
func (l *Link) Quit(reason string) {
	l.nc.SetWriteDeadline(time.Now().Add(time.Second))
	l.Send(wire.Quit{Reason: reason})
	l.nc.Close()
}

// Roster mirrors the member lists of the rooms a gateway user is in, from the
// hub's UserList, Joined and Left frames. Its methods are safe for concurrent
// use.
type Roster struct {
	mu      sync.Mutex
	rooms   map[string][]string // room → members in the hub's order
	partial map[string][]string // UserList chunks not yet complete
	via     map[string]string   // member → gateway mark (wire.ViaIRC…), for those that have one
}

// NewRoster returns an empty roster.
func NewRoster() *Roster {
	return &Roster{rooms: make(map[string][]string), partial: make(map[string][]string), via: make(map[string]string)}
}

// marks keeps the gateway marks of users (r.mu held).
func (r *Roster) marks(users, via []string) {
	for i, v := range via {
		if v != "" && i < len(users) {
			r.via[users[i]] = v
		}
	}
}

// Apply updates the roster from m. For a UserList it reports complete = true
// when the list is whole (its last chunk).
func (r *Roster) Apply(m wire.Message) (complete bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch m := m.(type) {
	case wire.UserList:
		if m.Flags&wire.ListFirst != 0 {
			r.partial[m.Room] = nil
		}
		r.partial[m.Room] = append(r.partial[m.Room], m.Users...)
		r.marks(m.Users, m.Via)
		if m.Flags&wire.ListLast != 0 {
			r.rooms[m.Room] = r.partial[m.Room]
			delete(r.partial, m.Room)
			return true
		}
	case wire.Joined:
		if list, ok := r.rooms[m.Room]; ok {
			r.rooms[m.Room] = append(list, m.Users...)
			r.marks(m.Users, m.Via)
		}
	case wire.Left:
		if list, ok := r.rooms[m.Room]; ok {
			r.rooms[m.Room] = slices.DeleteFunc(list, func(u string) bool { return u == m.User })
		}
		if _, ok := r.via[m.User]; ok && !r.anywhere(m.User) {
			delete(r.via, m.User)
		}
	}
	return false
}

// anywhere reports whether nick is in one of the rooms (r.mu held).
func (r *Roster) anywhere(nick string) bool {
	for _, users := range r.rooms {
		if slices.Contains(users, nick) {
			return true
		}
	}
	return false
}

// Via returns the gateway mark of nick, a member of one of the rooms
// (wire.ViaIRC, wire.ViaClassic; "" for a MultiChat client).
func (r *Roster) Via(nick string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.via[nick]
}

// Users returns room's members (nil when the user is not in it).
func (r *Roster) Users(room string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.rooms[room])
}

// In reports whether the user's roster holds room.
func (r *Roster) In(room string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.rooms[room]
	return ok
}

// Forget drops room (the user left it).
func (r *Roster) Forget(room string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.rooms, room)
}

// Rooms returns the rooms the user is in, with each one's members, sorted by
// room name.
func (r *Roster) Rooms() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.rooms))
	for name := range r.rooms {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// RoomsOf returns the rooms, among the user's, that nick is in.
func (r *Roster) RoomsOf(nick string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for name, users := range r.rooms {
		if slices.Contains(users, nick) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Find returns nick as the roster spells it (matching regardless of case),
// or "" when nobody in the user's rooms is called that.
func (r *Roster) Find(nick string) string {
	key := wire.FoldKey(nick)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, users := range r.rooms {
		for _, u := range users {
			if u == nick || wire.FoldKey(u) == key {
				return u
			}
		}
	}
	return ""
}

// RemoteAddr returns nc's remote address as an AddrPort.
func RemoteAddr(nc net.Conn) netip.AddrPort {
	if a, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
		ap := a.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	ap, _ := netip.ParseAddrPort(nc.RemoteAddr().String())
	return ap
}

// Size formats a byte count for people.
func Size(n uint64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// Recover ends a gateway goroutine that panicked (a bug on some input) by
// logging it with its stack and closing the client's connection, instead of
// taking the whole server down. Use it deferred.
func Recover(log *slog.Logger, nc net.Conn) {
	if r := recover(); r != nil {
		log.Error("gateway: internal error", "addr", nc.RemoteAddr().String(), "panic", r, "stack", string(debug.Stack()))
		nc.Close()
	}
}

// QueuedText tells a gateway user that their private message to `to`, who
// is offline, is kept for them (the hub's Queued, which MultiChat's own
// clients show as "sent while you were away").
func QueuedText(to string) string {
	return fmt.Sprintf("%s is not online right now: your message is kept and will be delivered when %s comes back.", to, to)
}
