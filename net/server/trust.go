package server

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
)

// ---- TLS ----

// secure runs the TLS handshake on a new connection, within the handshake
// deadline already set on the socket. A peer that speaks plaintext MultiChat
// to this TLS server is told so in plaintext (Refused 7), so that it shows a
// clear error instead of hanging; the returned item then says how the
// connection ended. On success c.nc is the TLS connection.
func (c *conn) secure() (inbound, bool) {
	c.records = &records{Conn: c.raw}
	tc := tls.Server(c.records, c.h.tlsConf)
	var err error
	c.h.side.run(func() { err = tc.Handshake() })
	if err == nil {
		c.nc = tc
		return inbound{}, true
	}
	var rhe tls.RecordHeaderError
	if errors.As(err, &rhe) && rhe.Conn != nil {
		// Not TLS at all. A MultiChat frame starts with its length, whose
		// first byte is 0 (frames are at most 16 MiB).
		if rhe.RecordHeader[0] == 0 {
			refusePlain(c.raw, wire.Refused{Code: wire.RefuseTLSRequired,
				Text: "this server requires an encrypted (TLS) connection; connect without the plaintext option"})
			return failWith(c, wire.LeftProtocol, nil, "plaintext client on a TLS server"), false
		}
		return failWith(c, wire.LeftProtocol, nil, "not a TLS client: "+err.Error()), false
	}
	if isTimeout(err) {
		return failWith(c, wire.LeftTimedOut, nil, "TLS handshake timeout"), false
	}
	return failWith(c, wire.LeftProtocol, nil, "TLS handshake: "+err.Error()), false
}

// refusePlain writes m on a socket that no writer goroutine owns (the
// connection never got that far), half-closes and waits briefly for the
// peer to close, so that the refusal is read rather than reset away.
func refusePlain(nc net.Conn, m wire.Message) {
	nc.SetDeadline(time.Now().Add(closeGrace))
	if _, err := nc.Write(wire.Encode(m)); err == nil {
		if cw, ok := nc.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
		io.Copy(io.Discard, nc)
	}
}

// isTLSHello reports whether a frame length that is too large is really the
// start of a TLS ClientHello (a handshake record, 0x16 0x03 …): a TLS client
// on a plaintext server.
func isTLSHello(size int) bool { return size>>24 == 0x16 && (size>>16)&0xFF == 0x03 }

// ---- nickname bindings ----

// Binding ties a nickname to the device that holds it. Until is zero while
// the device is connected; afterwards the nickname stays reserved for it
// until then (Config.NickGrace after it left).
type Binding struct {
	Nick   string    `json:"nick"`
	Device [32]byte  `json:"device"`
	Until  time.Time `json:"until,omitzero"`
}

// BindingStore keeps the nickname bindings across restarts. Load is called
// once when Run begins, Save with the whole table after changes (at most
// about once a second, from a goroutine of its own, and once when Run ends).
// A binding saved while its device was connected (Until zero) is loaded as
// held for a fresh grace period: the server stopped under it.
type BindingStore interface {
	Load() ([]Binding, error)
	Save([]Binding) error
}

// BindingsFile is the name of the file FileBindings keeps in a data directory.
const BindingsFile = "nicknames.json"

// FileBindings stores bindings as JSON in dir/nicknames.json.
type FileBindings struct{ Dir string }

func (f FileBindings) path() string { return filepath.Join(f.Dir, BindingsFile) }

// Load reads the file; a missing file is an empty table. A file that is not
// a table of bindings is renamed nicknames.json.damaged.
func (f FileBindings) Load() ([]Binding, error) {
	data, err := os.ReadFile(f.path())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var bs []Binding
	if err := json.Unmarshal(data, &bs); err != nil {
		// kept beside for whoever wants to look; the next save starts afresh
		_ = os.Rename(f.path(), f.path()+".damaged")
		return nil, err
	}
	return bs, nil
}

// Save replaces the file atomically.
func (f FileBindings) Save(bs []Binding) error {
	data, err := json.Marshal(bs)
	if err != nil {
		return err
	}
	return trust.WriteFileAtomic(f.path(), data, 0o600)
}

// BindingsError says the nickname bindings could not be read (when the
// server started) or saved: nicknames stay bound while it runs, but may not
// be after a restart.
type BindingsError struct {
	Save bool   // saving, not loading
	Path string // the file, when the store is one
	Err  error
}

func (e *BindingsError) Error() string {
	op := "loading"
	if e.Save {
		op = "saving"
	}
	if e.Path != "" {
		return fmt.Sprintf("%s nickname bindings (%s): %v", op, e.Path, e.Err)
	}
	return fmt.Sprintf("%s nickname bindings: %v", op, e.Err)
}

func (e *BindingsError) Unwrap() error { return e.Err }

// Damaged reports whether the bindings file holds something that is not a
// table of bindings.
func (e *BindingsError) Damaged() bool {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	return errors.As(e.Err, &se) || errors.As(e.Err, &te)
}

func pathOf(s BindingStore) string {
	if f, ok := s.(FileBindings); ok {
		return f.path()
	}
	return ""
}

// saveEvery bounds how often the bindings are written.
const saveEvery = time.Second

// bindings is the hub's table of nickname bindings, by each of the
// nickname's wire.SkeletonKeys (both keys of a nickname share one Binding),
// and its background saver. Only the hub goroutine touches the table.
type bindings struct {
	byKey  map[string]*Binding
	grace  time.Duration
	store  BindingStore
	dirty  bool
	saved  time.Time
	saver  chan []Binding // capacity 1: the latest snapshot wins
	done   chan struct{}
	errors func(error)
}

func newBindings(store BindingStore, grace time.Duration, report func(error)) *bindings {
	b := &bindings{byKey: map[string]*Binding{}, grace: grace, store: store, errors: report}
	if store == nil {
		return b
	}
	loaded, err := store.Load()
	if err != nil {
		report(&BindingsError{Path: pathOf(store), Err: err})
	}
	now := time.Now()
	for i := range loaded {
		bd := loaded[i]
		if bd.Until.IsZero() {
			bd.Until = now.Add(grace)
		}
		if bd.Until.After(now) && wire.CheckNick(bd.Nick) == nil {
			for _, k := range wire.SkeletonKeys(bd.Nick) {
				b.byKey[k] = &bd
			}
		}
	}
	b.saver = make(chan []Binding, 1)
	b.done = make(chan struct{})
	go b.saveLoop()
	return b
}

func (b *bindings) saveLoop() {
	defer close(b.done)
	for snap := range b.saver {
		if err := b.store.Save(snap); err != nil {
			b.errors(&BindingsError{Save: true, Path: pathOf(b.store), Err: err})
		}
	}
}

// holder returns a binding under one of keys that still holds it at now,
// if any.
func (b *bindings) holder(keys [2]string, now time.Time) *Binding {
	for _, k := range keys {
		if bd := b.byKey[k]; bd != nil && (bd.Until.IsZero() || now.Before(bd.Until)) {
			return bd
		}
	}
	return nil
}

// bind gives the nickname (under its keys) to device while it is connected.
func (b *bindings) bind(keys [2]string, nick string, device [32]byte) {
	bd := &Binding{Nick: nick, Device: device}
	for _, k := range keys {
		b.byKey[k] = bd
	}
	b.dirty = true
}

// leave starts the grace period of the nickname with keys (its holder
// disconnected).
func (b *bindings) leave(keys [2]string, device [32]byte, now time.Time) {
	for _, k := range keys {
		if bd := b.byKey[k]; bd != nil && bd.Device == device && bd.Until.IsZero() {
			bd.Until = now.Add(b.grace)
			b.dirty = true
		}
	}
}

// forget removes the binding under keys (admin release) and returns it, or
// nil when there was none.
func (b *bindings) forget(keys [2]string) *Binding {
	var found *Binding
	for _, k := range keys {
		if bd := b.byKey[k]; bd != nil {
			found = bd
			for _, k2 := range wire.SkeletonKeys(bd.Nick) {
				if b.byKey[k2] == bd {
					delete(b.byKey, k2)
				}
			}
			delete(b.byKey, k)
		}
	}
	if found != nil {
		b.dirty = true
	}
	return found
}

// snapshot drops expired bindings and returns a copy of the rest, each once.
func (b *bindings) snapshot(now time.Time) []Binding {
	out := make([]Binding, 0, len(b.byKey))
	seen := make(map[*Binding]bool, len(b.byKey))
	for k, bd := range b.byKey {
		if !bd.Until.IsZero() && !now.Before(bd.Until) {
			delete(b.byKey, k)
			continue
		}
		if !seen[bd] {
			seen[bd] = true
			out = append(out, *bd)
		}
	}
	return out
}

// maybeSave hands a snapshot to the saver when the table changed and the
// last save is saveEvery old; it returns how long until a save is due
// (negative: none).
func (b *bindings) maybeSave(now time.Time) time.Duration {
	if !b.dirty || b.saver == nil {
		return -1
	}
	if since := now.Sub(b.saved); since < saveEvery {
		return saveEvery - since
	}
	snap := b.snapshot(now)
	select {
	case <-b.saver: // an older snapshot not written yet: replace it
	default:
	}
	b.saver <- snap
	b.dirty, b.saved = false, now
	return -1
}

// close saves the table one last time and waits for the saver.
func (b *bindings) close() {
	if b.saver == nil {
		return
	}
	if b.dirty {
		select {
		case <-b.saver:
		default:
		}
		b.saver <- b.snapshot(time.Now())
	}
	close(b.saver)
	<-b.done
}

// ---- password ----

// HashPassword returns the bcrypt hash of a server password, for
// Config.PasswordHash.
func HashPassword(pw string) ([]byte, error) {
	if pw == "" {
		return nil, errors.New("the password is empty")
	}
	if len(pw) > 72 {
		return nil, errors.New("the password is longer than 72 bytes")
	}
	return bcrypt.GenerateFromPassword([]byte(pw), passwordCost)
}

// passwordCost is bcrypt's work factor (tests lower it: the race detector
// makes each comparison take seconds).
var passwordCost = bcrypt.DefaultCost

// Password throttling: at most maxTries wrong passwords per address within
// tryWindow; after that the address waits until the oldest leaves the window.
const (
	maxTries  = 3
	tryWindow = time.Minute
	maxTrack  = 1 << 14 // addresses tracked at once
)

// gate checks hellos in the readers, off the hub goroutine (a bcrypt
// comparison takes tens of milliseconds): the password hash and the wrong
// tries per address.
type gate struct {
	hash atomic.Pointer[[]byte] // nil: no password

	mu    sync.Mutex
	tries map[netip.Addr][]time.Time // wrong passwords within tryWindow
}

func newGate(hash []byte) *gate {
	g := &gate{tries: map[netip.Addr][]time.Time{}}
	g.set(hash)
	return g
}

func (g *gate) set(hash []byte) {
	if len(hash) == 0 {
		g.hash.Store(nil)
		return
	}
	h := append([]byte(nil), hash...)
	g.hash.Store(&h)
}

func (g *gate) required() bool { return g.hash.Load() != nil }

// wait returns how long ip must wait before it may try again (0: now).
func (g *gate) wait(ip netip.Addr, now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	ts := g.recent(ip, now)
	if len(ts) < maxTries {
		return 0
	}
	return ts[0].Add(tryWindow).Sub(now)
}

// recent returns ip's wrong tries within the window, forgetting older ones.
func (g *gate) recent(ip netip.Addr, now time.Time) []time.Time {
	ts := g.tries[ip]
	i := 0
	for i < len(ts) && !now.Before(ts[i].Add(tryWindow)) {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(g.tries, ip)
		return nil
	}
	g.tries[ip] = ts
	return ts
}

// failed records a wrong password from ip and returns the tries left.
func (g *gate) failed(ip netip.Addr, now time.Time) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.tries) >= maxTrack {
		for a := range g.tries {
			g.recent(a, now)
		}
	}
	ts := append(g.recent(ip, now), now)
	g.tries[ip] = ts
	return max(maxTries-len(ts), 0)
}

// check verifies a hello before the hub sees it: version, device proof and
// password. It returns the refusal to send, or nil.
func (g *gate) check(m wire.Hello, ip netip.Addr, nonce [32]byte, fp trust.Fingerprint) *wire.Refused {
	if m.Version != wire.Version {
		return &wire.Refused{Code: wire.RefuseVersion, Text: fmt.Sprintf(
			"protocol version %d is not supported; this server speaks %d (update MultiChat)", m.Version, wire.Version)}
	}
	if !trust.VerifyProof(m.Device, nonce, fp, m.Proof) {
		return &wire.Refused{Code: wire.RefuseIdentity,
			Text: "the device proof does not match this server's challenge and certificate"}
	}
	return g.checkPassword(m.Password, ip)
}

// checkPassword checks pass against the server password (none: any pass
// will do), counting wrong tries per address. It returns the refusal to
// send, or nil. A gateway user's password (IRC PASS) is checked here too.
func (g *gate) checkPassword(pass string, ip netip.Addr) *wire.Refused {
	hp := g.hash.Load()
	if hp == nil {
		return nil
	}
	if pass == "" {
		return &wire.Refused{Code: wire.RefusePasswordNeeded, Text: "this server needs a password"}
	}
	now := time.Now()
	if d := g.wait(ip, now); d > 0 {
		return tooManyTries(d)
	}
	// bcrypt compares in constant time.
	if bcrypt.CompareHashAndPassword(*hp, []byte(pass)) == nil {
		return nil
	}
	left := g.failed(ip, now)
	if left == 0 {
		return &wire.Refused{Code: wire.RefusePasswordWrong,
			Text: fmt.Sprintf("wrong password; no tries left: wait %d seconds", secondsOf(g.wait(ip, now)))}
	}
	return &wire.Refused{Code: wire.RefusePasswordWrong, Text: fmt.Sprintf("wrong password (%d more %s this minute)",
		left, map[bool]string{true: "try", false: "tries"}[left == 1])}
}

func tooManyTries(d time.Duration) *wire.Refused {
	return &wire.Refused{Code: wire.RefuseTooManyTries,
		Text: fmt.Sprintf("too many wrong passwords from your address: wait %d seconds", secondsOf(d))}
}

func secondsOf(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }

// newNonce returns a fresh challenge nonce.
func newNonce() [32]byte {
	var n [32]byte
	rand.Read(n[:])
	return n
}
