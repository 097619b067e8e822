package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
)

// session is the state Run owns. Only Run's goroutine touches it; the
// connection's reader and writer, the dialer and the event queue talk to it
// through channels.
type session struct {
	ctx context.Context
	o   *options
	log *slog.Logger
	ev  chan<- Event
	wg  *sync.WaitGroup // dialers and connection shutdowns

	// What Connect asked for. active from Connect to the final Disconnected.
	active  bool
	addr    string
	nick    string // as asked, then as the server registered it
	id      uint64 // Connect.Session, stamped on the lifecycle events
	closing bool   // ending on purpose: a lost connection is not retried
	everUp  bool   // connected at least once since Connect: later handshakes are rejoins
	down    bool   // the current outage has been reported (Disconnected)
	attempt int    // reconnect attempts in the current outage
	slow    int    // of which after its first minute (see retryDelay)
	lostAt  time.Time

	// Trust.
	password  string // sent when the server asks
	plaintext bool
	waiting   waitKind          // the user must answer before the session connects again
	offered   trust.Fingerprint // the certificate shown in TrustNeeded
	knownFP   trust.Fingerprint // the certificate of the last connection: the same server at a new address (Redirect) is trusted
	pins      *trust.Pins       // loaded on the first Connect
	dev       *trust.DeviceKey

	dialCh     chan dialResult // nil unless a dial is in flight
	dialCancel context.CancelFunc
	retry      *time.Timer // the next reconnect attempt

	// The connection, when there is one.
	c         *conn
	lobby     string // the lobby's name as the server spells it
	myKey     string // wire.FoldKey of my nickname
	lobbyKey  string
	maxText   int
	maxFrame  int
	lastRecv  time.Time
	pingsOut  int       // pings sent since the server was last heard
	probeAt   time.Time // a Redirect asked the server for a sign of life then (zero: no probe)
	pingToken uint64
	ping      *time.Timer

	// Messages the user typed that the server has not confirmed: sent
	// (outstanding, in order) or waiting for a connection (queued).
	ref         uint32
	outstanding []*pendingMsg
	queued      []*pendingMsg

	// Rooms.
	rosters   map[string]*roster // member lists of the rooms I am in, by fold key
	marks     map[string]string  // gateway users' marks ("irc", "classic"), by fold key
	joined    roomSet            // rooms besides the lobby I am in or asked for; rejoined after a reconnect
	joins     []joinReq          // Join requests the server has not answered, in order
	roomChunk []wire.RoomInfo
	roomsOpen bool // a RoomList is being assembled
	// opsShown: the rooms (fold keys) whose operators the UI was told of
	// (a RoomOps with some), to be cleared when a new member list comes.
	opsShown map[string]bool

	files files

	// History (history.go).
	seen     map[string]uint64   // conversation → highest message id shown
	catching map[uint32]*catchUp // Missed requests in flight, by ref
	histReqs map[uint32]*histReq // Older and Search requests in flight, by ref
	replay   []wire.Entry        // a replay being assembled
	awayBuf  []wire.Entry        // private messages kept while I was away, being assembled
	// histServer: the server sent history (it replays on join, even an
	// empty replay), so after a reconnect the session asks what it missed.
	histServer bool
	catchTimer *time.Timer // gives up waiting for Missed answers
	presence   awayState

	servers []wire.ServerInfo // the cluster's servers, as the last one listed them (cluster.go)
}

// waitKind is a question the session waits on the user for.
type waitKind uint8

const (
	waitNone     waitKind = iota
	waitTrust             // TrustNeeded: TrustServer
	waitPassword          // PasswordNeeded: SendPassword
	waitNick              // NickLost: ChangeNick
)

// pendingMsg is one Say or Private the server has not confirmed.
type pendingMsg struct {
	ref     uint32
	id      uint64
	room    string // as the UI gave it ("" is the lobby)
	to      string
	text    string
	private bool
}

func (p *pendingMsg) undelivered(err error) Undelivered {
	return Undelivered{ID: p.id, Room: p.room, To: p.to, Text: p.text, Err: err}
}

// joinReq is a Join the server has not answered yet.
type joinReq struct {
	room   string
	silent bool // a rejoin after a reconnect: the UI already shows the room
}

func newSession(ctx context.Context, o *options, ev chan<- Event, wg *sync.WaitGroup) *session {
	s := &session{ctx: ctx, o: o, log: o.logger, ev: ev, wg: wg,
		retry: time.NewTimer(time.Hour), ping: time.NewTimer(time.Hour), catchTimer: time.NewTimer(time.Hour)}
	s.catchTimer.Stop()
	s.retry.Stop()
	s.ping.Stop()
	s.reset()
	return s
}

// reset forgets the session's target and all its state.
func (s *session) reset() {
	s.active, s.closing, s.everUp, s.down = false, false, false, false
	s.servers = nil
	s.addr, s.nick, s.id, s.attempt, s.slow, s.lostAt = "", "", 0, 0, 0, time.Time{}
	s.password, s.plaintext, s.waiting, s.offered, s.knownFP = "", false, waitNone, trust.Fingerprint{}, trust.Fingerprint{}
	s.lobby, s.myKey, s.lobbyKey = wire.Lobby, "", wire.FoldKey(wire.Lobby)
	s.maxText, s.maxFrame = wire.DefaultMaxText, wire.DefaultMaxFrame
	s.outstanding, s.queued = nil, nil
	s.rosters, s.joined, s.joins, s.roomChunk, s.roomsOpen = nil, nil, nil, nil, false
	s.opsShown = nil
	s.histReset()
	s.retry.Stop()
	s.ping.Stop()
}

func (s *session) emit(e Event) { s.ev <- shown(e) }

// run serves commands and the connection until cmds is closed or ctx is done.
func (s *session) run(cmds <-chan Command) error {
	defer s.retry.Stop()
	defer s.ping.Stop()
	for {
		var in <-chan inbound
		if s.c != nil {
			in = s.c.in
		}
		select {
		case <-s.ctx.Done():
			s.stop("the client is shutting down", false)
			return s.ctx.Err()
		case cmd, ok := <-cmds:
			if !ok {
				s.stop("the client is shutting down", true)
				return nil
			}
			s.command(cmd)
		case r := <-s.dialCh:
			s.dialed(r)
		case <-s.retry.C:
			s.dial()
		case <-s.ping.C:
			s.pingTick()
		case <-s.catchTimer.C:
			s.catchUpTimeout()
		case m := <-in:
			s.inbound(m)
		}
	}
}

func (s *session) command(cmd Command) {
	switch c := cmd.(type) {
	case Connect:
		s.connect(c)
	case Say:
		s.say(&pendingMsg{id: c.ID, room: c.Room, text: c.Text})
	case Private:
		s.say(&pendingMsg{id: c.ID, to: c.To, text: c.Text, private: true})
	case JoinRoom:
		s.joinRoom(c.Room)
	case LeaveRoom:
		s.leaveRoom(c.Room)
	case ListRooms:
		if s.c == nil {
			s.emit(Error{Err: fmt.Errorf("cannot list rooms: %w", ErrNotConnected)})
			return
		}
		s.c.send(wire.ListRooms{})
	case SendFile:
		s.sendFile(c)
	case AcceptFile:
		s.acceptFile(c)
	case CancelFile:
		s.cancelFile(c)
	case SetDownloadDir:
		s.o.downloadDir = c.Dir
	case LoadOlder:
		s.loadOlder(c)
	case Search:
		s.search(c)
	case Disconnect:
		s.stop("you disconnected before the server confirmed it", true)
	case RetryNow:
		s.retryNow()
	case TrustServer:
		s.trustServer(c.Fingerprint)
	case SendPassword:
		if s.waiting != waitPassword {
			s.emit(Error{Err: errors.New("the server did not ask for a password")})
			return
		}
		s.password, s.waiting = c.Password, waitNone
		s.dial()
	case ChangeNick:
		s.changeNick(c.Nick)
	case ForgetServer:
		s.forgetServer(c.Addr)
	case SetTopic, RoomKick, RoomOp, Oper:
		s.opCommand(c)
	case SetAway:
		s.setAway(c)
	case SendTyping:
		s.sendTyping(c)
	case Redirect:
		s.redirect(c.Addr)
	case nil:
	default:
		s.emit(Error{Err: fmt.Errorf("unknown command %T", cmd)})
	}
}

// --- Connecting ---------------------------------------------------------

func (s *session) connect(c Connect) {
	if s.active {
		s.emit(Error{Err: fmt.Errorf("already connected to %s as %s; disconnect first", s.addr, s.nick)})
		return
	}
	if err := wire.CheckNick(c.Nick); err != nil {
		s.emit(Refused{Code: wire.RefuseNickInvalid, Text: err.Error(), Session: c.Session})
		s.emit(Disconnected{Err: &RefusedError{Code: wire.RefuseNickInvalid, Text: err.Error()}, Final: true, Session: c.Session})
		return
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		s.emit(Disconnected{Err: fmt.Errorf("server address %q is not host:port: %w", c.Addr, err), Final: true, Session: c.Session})
		return
	}
	if err := s.loadTrust(); err != nil {
		s.emit(Disconnected{Err: err, Final: true})
		return
	}
	s.reset()
	s.active, s.addr, s.nick, s.id = true, c.Addr, c.Nick, c.Session
	s.password, s.plaintext = c.Password, c.Plaintext
	s.log.Info("connecting", "addr", c.Addr, "nick", c.Nick, "plaintext", c.Plaintext)
	s.dial()
}

// loadTrust opens the device key and the trusted servers once.
func (s *session) loadTrust() error {
	if s.dev != nil {
		return nil
	}
	dir := s.o.dataDir
	if dir == "" {
		var err error
		if dir, err = trust.DataDir("client"); err != nil {
			return fmt.Errorf("no data directory for the device key: %w", err)
		}
	}
	dev, err := trust.LoadOrCreateDeviceKey(dir)
	if err != nil {
		return fmt.Errorf("the device key in %s: %w", dir, err)
	}
	s.dev, s.pins = dev, trust.OpenPins(dir)
	return nil
}

// redirect makes addr the address to dial; see Redirect.
func (s *session) redirect(addr string) {
	if !s.active || s.closing || addr == s.addr {
		return
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		s.emit(Error{Err: fmt.Errorf("server address %q is not host:port: %w", addr, err)})
		return
	}
	s.log.Info("server moved", "from", s.addr, "to", addr)
	s.addr = addr
	if s.c != nil {
		// The old address may be gone while the connection still looks
		// up (a DHCP change): ask for a sign of life now rather than wait
		// for the keepalive's minute and more.
		s.probeAt = time.Now()
		s.pingToken++
		s.c.send(wire.Ping{Token: s.pingToken})
		s.ping.Reset(min(redirectProbe, s.o.pingAfter))
		return
	}
	s.cancelDial() // an attempt at the old address
	s.retry.Stop()
	s.dial()
}

func (s *session) dial() {
	ctx, cancel := context.WithCancel(s.ctx)
	ch := make(chan dialResult, 1)
	s.dialCh, s.dialCancel = ch, cancel
	o := s.o
	t := target{addr: s.addr, nick: s.nick, password: s.password, plaintext: s.plaintext, pins: s.pins, dev: s.dev,
		autoTrust: o.autoTrust, known: s.knownFP}
	s.wg.Go(func() { ch <- dial(ctx, o, t) })
}

// trustServer answers TrustNeeded.
func (s *session) trustServer(fp trust.Fingerprint) {
	if s.waiting != waitTrust {
		s.emit(Error{Err: errors.New("no server is waiting to be trusted")})
		return
	}
	if fp != s.offered {
		s.emit(Error{Err: fmt.Errorf("the fingerprint %s is not the one the server showed (%s)", fp, s.offered)})
		return
	}
	if err := s.pins.Trust(s.addr, fp); err != nil {
		s.emit(Error{Err: fmt.Errorf("remembering the server: %w", err)})
		return
	}
	s.log.Info("server trusted", "addr", s.addr, "fingerprint", fp.String())
	s.waiting = waitNone
	s.dial()
}

// changeNick answers NickLost.
func (s *session) changeNick(nick string) {
	if s.waiting != waitNick {
		s.emit(Error{Err: errors.New("the nickname can be changed only when the server refused it")})
		return
	}
	if err := wire.CheckNick(nick); err != nil {
		s.emit(NickLost{Nick: nick, Text: err.Error()})
		return
	}
	s.nick, s.waiting = nick, waitNone
	s.dial()
}

func (s *session) forgetServer(addr string) {
	if err := s.loadTrust(); err != nil {
		s.emit(Error{Err: err})
		return
	}
	existed, err := s.pins.Forget(addr)
	if err != nil {
		s.emit(Error{Err: fmt.Errorf("removing %s from the trusted servers: %w", addr, err)})
		return
	}
	s.emit(ServerForgotten{Addr: addr, Existed: existed})
}

// retryNow dials at once when the connection is down and the next attempt
// is only waiting for its timer.
func (s *session) retryNow() {
	if !s.active || s.closing || s.c != nil || s.dialCh != nil {
		return
	}
	s.retry.Stop()
	s.log.Info("retrying now", "addr", s.addr)
	s.dial()
}

// cancelDial abandons a dial in flight and waits for it (dial honours its
// context, so this is quick).
func (s *session) cancelDial() {
	if s.dialCh == nil {
		return
	}
	s.dialCancel()
	if r := <-s.dialCh; r.c != nil {
		r.c.raw.Close()
	}
	s.dialCh, s.dialCancel = nil, nil
}

func (s *session) dialed(r dialResult) {
	s.dialCancel()
	s.dialCh, s.dialCancel = nil, nil
	if s.ctx.Err() != nil {
		// Run is ending (its context is done) and the loop saw the dial's
		// end first, most likely a failure because of it: not an attempt
		// to report or retry; the loop ends the session next.
		if r.c != nil {
			r.c.raw.Close()
		}
		return
	}
	if ic, ok := errors.AsType[*IdentityChangedError](r.err); ok {
		s.log.Warn("server identity changed", "addr", s.addr, "trusted", ic.Trusted.String(), "presented", ic.Presented.String())
		s.emit(IdentityChanged{Addr: ic.Addr, Trusted: ic.Trusted, Presented: ic.Presented})
		s.finish(ic, "the server's identity changed", false)
		return
	}
	switch {
	case errors.Is(r.err, ErrServerPlaintext):
		s.finish(r.err, "the server does not use encryption", false)
	case r.err != nil:
		s.log.Info("connection attempt failed", "addr", s.addr, "err", r.err)
		s.failover()
		s.failed(r.err)
	case r.refused != nil:
		s.refused(*r.refused)
	case r.unknown:
		s.offered, s.waiting = r.fp, waitTrust
		s.emit(TrustNeeded{Addr: s.addr, Server: r.server, Fingerprint: r.fp})
	case r.password:
		s.waiting = waitPassword
		s.emit(PasswordNeeded{Addr: s.addr, Server: r.server, Code: wire.RefusePasswordNeeded, Text: "the server needs a password"})
	default:
		s.established(r)
	}
}

// failed reports a connection lost or an attempt failed, and schedules the
// next attempt. Disconnected is reported once per outage; every attempt gets
// a Reconnecting.
func (s *session) failed(err error) {
	if !s.down {
		s.down = true
		if s.lostAt.IsZero() {
			s.lostAt = time.Now()
		}
		s.emit(Disconnected{Err: err, Session: s.id})
	}
	s.attempt++
	age := time.Since(s.lostAt)
	if age >= soonFor {
		s.slow++
	}
	d := s.o.retryDelay(s.attempt, s.slow, age)
	s.retry.Reset(d)
	s.emit(Reconnecting{Attempt: s.attempt, Delay: d, Err: err, Session: s.id})
}

// transientRefusal reports refusals that may clear up by themselves.
func transientRefusal(c wire.RefuseCode) bool {
	return c == wire.RefuseServerFull || c == wire.RefuseTooManyFrom || c == wire.RefuseClusterBusy
}

func (s *session) refused(m wire.Refused) {
	err := &RefusedError{Code: m.Code, Text: wire.VisibleText(m.Text), Until: untilOf(m.Until)}
	switch m.Code {
	case wire.RefusePasswordNeeded, wire.RefusePasswordWrong, wire.RefuseTooManyTries:
		s.log.Info("password refused", "code", m.Code, "text", m.Text)
		s.password, s.waiting = "", waitPassword
		s.emit(PasswordNeeded{Addr: s.addr, Wrong: m.Code != wire.RefusePasswordNeeded, Code: m.Code, Text: err.Text})
		return
	case wire.RefuseNickTaken:
		// The server binds a nickname to the device holding it and gives it
		// back to that device at once, even while it still holds a dead
		// old connection. So on a rejoin "taken" means another device has it
		// now: ask for another nickname, keeping everything.
		if s.everUp {
			s.log.Info("nickname lost", "nick", s.nick, "text", m.Text)
			s.waiting = waitNick
			s.emit(NickLost{Nick: s.nick, Text: err.Text})
			return
		}
	}
	// "Server full" right after a restart, when everyone reconnects at
	// once, clears up by itself: a rejoin keeps trying, with the usual
	// backoff, for nickGrace after the connection was lost; only then is
	// the refusal final. A first Connect is refused at once.
	if s.everUp && transientRefusal(m.Code) && time.Since(s.lostAt) < s.o.nickGrace {
		s.log.Info("rejoin refused; retrying", "code", m.Code, "text", m.Text)
		s.failed(err)
		return
	}
	s.emit(Refused{Code: m.Code, Text: m.Text, Until: err.Until, Session: s.id})
	s.finish(err, "the server refused the connection ("+m.Code.String()+")", false)
}

func (s *session) established(r dialResult) {
	rejoin := s.everUp
	s.everUp, s.down, s.attempt, s.slow, s.lostAt = true, false, 0, 0, time.Time{}
	s.c, s.lobby, s.knownFP = r.c, r.welcome.Lobby, r.fp
	s.nick = r.welcome.Nick
	s.myKey = wire.FoldKey(s.nick)
	s.lobbyKey = wire.FoldKey(s.lobby)
	s.maxText = wire.DefaultMaxText
	if r.welcome.MaxText > 0 {
		s.maxText = min(int(r.welcome.MaxText), 0xFFFF)
	}
	s.maxFrame = wire.DefaultMaxFrame
	if r.welcome.MaxFrame > 0 {
		s.maxFrame = int(r.welcome.MaxFrame)
	}
	s.c.start()
	s.lastRecv, s.pingsOut = time.Now(), 0
	s.ping.Reset(s.o.pingAfter)

	lobby := &roster{name: r.welcome.Lobby}
	lobby.set(r.lobby)
	s.rosters = map[string]*roster{s.lobbyKey: lobby}
	s.marks = r.via
	s.roomChunk, s.roomsOpen = nil, false
	s.log.Info("connected", "addr", s.addr, "nick", s.nick, "rejoin", rejoin)
	users := lobby.list()
	via := marksOf(s.marks, users)
	s.emit(Connected{Addr: s.addr, Nick: s.nick, Server: r.welcome.Server, Lobby: r.welcome.Lobby,
		Users: users, Via: via, Rejoin: rejoin, MaxText: s.maxText, Session: s.id,
		Encrypted: !s.plaintext, Fingerprint: r.fp})
	s.emit(Users{Room: r.welcome.Lobby, Users: lobby.list(), Via: via})
	s.opsAfresh(r.welcome.Lobby)
	s.awayAgain()
	if _, ok := s.seen[roomConv(s.lobby)]; !ok {
		s.seen[roomConv(s.lobby)] = 0
	}
	for _, m := range r.early {
		if s.c == nil {
			return // the early frames ended the connection (kick, stopping)
		}
		s.handle(m)
	}
	if s.c == nil {
		return
	}
	// Rejoin rooms, then resend what the server never confirmed, then what
	// was typed meanwhile, in that order: one connection keeps the order, so
	// each message reaches its room after the Join that lets it in.
	loud := roomSet{}
	for _, j := range s.joins {
		if !j.silent {
			loud.add(j.room)
		}
	}
	s.joins = nil
	for _, room := range s.joined {
		s.joins = append(s.joins, joinReq{room: room, silent: !loud.has(room)})
		s.c.send(wire.Join{Room: room})
	}
	s.filesBack() // after the joins: a room offer needs its room
	if rejoin {
		s.askMissed()
	}
	if !s.catchingUp() {
		s.resend()
	}
}

// resend sends what the server never confirmed, then what was typed while
// there was no connection (or while catching up).
func (s *session) resend() {
	for _, p := range s.outstanding {
		s.c.send(s.frame(p))
	}
	for _, p := range s.queued {
		s.outstanding = append(s.outstanding, p)
		s.c.send(s.frame(p))
	}
	s.queued = nil
}

// lost handles a connection that ended without anyone wanting it to.
func (s *session) lost(err error) {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("the server closed the connection: %w", err)
	}
	s.log.Info("connection lost", "addr", s.addr, "err", err)
	s.dropConn(false)
	if s.closing {
		s.abortFiles(err.Error())
		return
	}
	s.filesLost(err.Error())
	s.rosters, s.roomChunk, s.roomsOpen = nil, nil, false
	clear(s.catching) // asked again after the next rejoin
	clear(s.histReqs)
	s.replay, s.awayBuf = nil, nil
	s.lostAt, s.down = time.Now(), false
	s.failed(err)
}

// dropConn lets go of the connection; its shutdown runs in the background
// (Run waits for it).
func (s *session) dropConn(quit bool) {
	c := s.c
	if c == nil {
		return
	}
	s.c = nil
	s.ping.Stop()
	s.probeAt = time.Time{}
	c.release()
	linger := s.o.linger
	s.wg.Go(func() { c.shutdown(quit, linger) })
}

// stop ends the session on purpose (Disconnect, cmds closed, ctx done). With
// wait, it first gives the server a moment to confirm what was already sent.
func (s *session) stop(why string, wait bool) {
	if !s.active {
		return
	}
	s.closing = true
	if wait {
		s.awaitEchoes()
		if !s.active {
			return // the server ended the session meanwhile
		}
	}
	s.finish(nil, why, true)
}

// awaitEchoes serves the connection (not commands) until every sent message
// is confirmed or echoGrace has passed.
func (s *session) awaitEchoes() {
	if s.c == nil || len(s.outstanding) == 0 {
		return
	}
	t := time.NewTimer(s.o.echoGrace)
	defer t.Stop()
	for s.c != nil && len(s.outstanding) > 0 {
		select {
		case m := <-s.c.in:
			s.inbound(m)
		case <-t.C:
			return
		case <-s.ctx.Done():
			return
		}
	}
}

// finish ends the session: no reconnect. Everything unconfirmed is handed
// back, then Disconnected{Final} is the session's last event. With quit the
// server is told goodbye; what the writer has not sent yet is dropped first,
// since it is being handed back.
func (s *session) finish(err error, why string, quit bool) {
	s.cancelDial()
	s.retry.Stop()
	if s.c != nil {
		if quit {
			s.c.out.dropUnsent()
		}
		s.dropConn(quit)
	}
	s.abortFiles(why)
	s.handBack(notSent(why))
	s.emit(Disconnected{Err: err, Final: true, Session: s.id})
	s.log.Info("session ended", "addr", s.addr, "err", err)
	s.reset()
}

// handBack returns every unconfirmed message to the UI, in order.
func (s *session) handBack(err error) {
	for _, p := range s.outstanding {
		s.emit(p.undelivered(err))
	}
	for _, p := range s.queued {
		s.emit(p.undelivered(err))
	}
	s.outstanding, s.queued = nil, nil
}

// --- Keepalive -----------------------------------------------------------

func (s *session) pingTick() {
	if s.c == nil {
		return
	}
	if at := s.probeAt; !at.IsZero() {
		s.probeAt = time.Time{}
		if !s.lastRecv.After(at) {
			s.lost(fmt.Errorf("the server moved to %s and its old address does not answer", s.addr))
			return
		}
	}
	if idle := time.Since(s.lastRecv); idle < s.o.pingAfter {
		s.ping.Reset(s.o.pingAfter - idle)
		return
	}
	if s.pingsOut >= missedPings {
		s.lost(fmt.Errorf("%w (no answer to %d pings)", ErrPingTimeout, s.pingsOut))
		return
	}
	s.pingToken++
	s.pingsOut++
	s.c.send(wire.Ping{Token: s.pingToken})
	s.ping.Reset(s.o.pingAfter)
}

// --- Sending -------------------------------------------------------------

func (s *session) newRef() uint32 {
	s.ref++
	if s.ref == 0 { // 0 means "no ref" in an Error frame
		s.ref++
	}
	return s.ref
}

// roomName maps the UI's room ("" for the lobby) to the server's.
func (s *session) roomName(room string) string {
	if room != "" {
		return room
	}
	return s.lobby
}

func (s *session) frame(p *pendingMsg) wire.Message {
	if p.private {
		return wire.Private{Ref: p.ref, To: p.to, Text: p.text}
	}
	return wire.Say{Ref: p.ref, Room: s.roomName(p.room), Text: p.text}
}

// check validates a message before it is accepted: it is refused whole,
// never cut.
func (s *session) check(p *pendingMsg) error {
	target := p.to
	if p.private {
		if err := wire.CheckNick(p.to); err != nil {
			return fmt.Errorf("cannot send to %q: %w", p.to, err)
		}
	} else {
		target = s.roomName(p.room)
		if err := wire.CheckRoom(target); err != nil {
			return err
		}
	}
	if _, err := wire.CheckText(p.text, s.maxText); err != nil {
		return err
	}
	// type + ref + two strings
	if overhead := 1 + 4 + 2 + len(target) + 2; overhead+len(p.text) > s.maxFrame {
		return &wire.TextTooLongError{Size: len(p.text), Max: s.maxFrame - overhead}
	}
	return nil
}

func (s *session) say(p *pendingMsg) {
	if !s.active {
		s.emit(p.undelivered(ErrNotConnected))
		return
	}
	if err := s.check(p); err != nil {
		s.emit(p.undelivered(err))
		return
	}
	if len(s.outstanding)+len(s.queued) >= MaxPending {
		s.emit(p.undelivered(ErrQueueFull))
		return
	}
	p.ref = s.newRef()
	if s.c == nil || s.catchingUp() {
		s.queued = append(s.queued, p)
		return
	}
	s.outstanding = append(s.outstanding, p)
	s.c.send(s.frame(p))
}

// confirm removes and returns the outstanding message with ref, if any.
func (s *session) confirm(ref uint32) *pendingMsg {
	if ref == 0 {
		return nil
	}
	for i, p := range s.outstanding {
		if p.ref == ref {
			s.outstanding = slices.Delete(s.outstanding, i, i+1)
			return p
		}
	}
	return nil
}

func (s *session) isMe(nick string) bool {
	return nick == s.nick || wire.FoldKey(nick) == s.myKey
}

// --- Rooms ---------------------------------------------------------------

// roomRequest reports whether a Join or Part (verb) of room can be sent;
// when not, it says why in an Error event.
func (s *session) roomRequest(verb, room string) bool {
	if s.c == nil {
		s.emit(Error{Err: fmt.Errorf("cannot %s %s: %w", verb, room, ErrNotConnected)})
		return false
	}
	if err := wire.CheckRoom(room); err != nil {
		s.emit(Error{Code: wire.CodeInvalidRoom, Err: err})
		return false
	}
	return true
}

func (s *session) joinRoom(room string) {
	if !s.roomRequest("join", room) {
		return
	}
	key := wire.FoldKey(room)
	if key == s.lobbyKey {
		if r := s.rosters[key]; r != nil {
			s.emit(RoomJoined{Room: r.name, Users: r.list()})
		}
		return
	}
	s.joined.add(room)
	s.joins = append(s.joins, joinReq{room: room})
	s.c.send(wire.Join{Room: room})
}

func (s *session) leaveRoom(room string) {
	if !s.roomRequest("leave", room) {
		return
	}
	if wire.FoldKey(room) == s.lobbyKey {
		s.emit(Error{Code: wire.CodeLobby, Err: &ServerError{Code: wire.CodeLobby, Text: "the lobby cannot be left"}})
		return
	}
	s.joined.remove(room)
	s.c.send(wire.Part{Room: room})
}

func (s *session) joinIndex(room string) int {
	key := wire.FoldKey(room)
	return slices.IndexFunc(s.joins, func(j joinReq) bool { return wire.FoldKey(j.room) == key })
}

// joinFailed handles a room error without a Ref: the server answers requests
// in order, so it belongs to the oldest unanswered Join.
func (s *session) joinFailed() {
	if len(s.joins) == 0 {
		return
	}
	j := s.joins[0]
	s.joins = s.joins[1:]
	s.joined.remove(j.room)
	if j.silent { // the UI shows the room from before the reconnect
		s.emit(RoomLeft{Room: j.room})
	}
}

func (s *session) userList(m wire.UserList) {
	key := wire.FoldKey(m.Room)
	r := s.rosters[key]
	if r == nil {
		r = &roster{name: m.Room}
		s.rosters[key] = r
	}
	if m.Flags&wire.ListFirst != 0 || !r.pending {
		r.chunk, r.pending = r.chunk[:0], true
	}
	if len(r.chunk)+len(m.Users) > maxList {
		s.log.Warn("member list too long; ignored", "room", m.Room)
		r.chunk, r.pending = nil, false
		return
	}
	r.chunk = append(r.chunk, m.Users...)
	s.marks = addMarks(s.marks, m.Users, m.Via)
	if m.Flags&wire.ListLast == 0 {
		return
	}
	r.name = m.Room
	r.set(r.chunk)
	r.chunk, r.pending = nil, false
	if key != s.lobbyKey {
		// A list for a room I asked to join answers the Join. A list for a
		// room I did not know I was in means the server put me there.
		announce := !s.joined.has(m.Room)
		if i := s.joinIndex(m.Room); i >= 0 {
			announce = !s.joins[i].silent
			s.joins = slices.Delete(s.joins, i, i+1)
		}
		s.joined.add(m.Room)
		if _, ok := s.seen[roomConv(m.Room)]; !ok {
			s.seen[roomConv(m.Room)] = 0
		}
		if announce {
			s.emit(RoomJoined{Room: m.Room, Users: r.list()})
		}
	}
	s.emitUsers(r)
}

// emitUsers reports r's member list, with the marks of its gateway users.
func (s *session) emitUsers(r *roster) {
	users := r.list()
	s.emit(Users{Room: r.name, Users: users, Via: marksOf(s.marks, users)})
}

func (s *session) joinedRoom(m wire.Joined) {
	key := wire.FoldKey(m.Room)
	r := s.rosters[key]
	if r == nil {
		if !s.joined.has(m.Room) {
			s.log.Debug("joined frame for a room I am not in", "room", m.Room)
			return
		}
		r = &roster{name: m.Room}
		s.rosters[key] = r
	}
	t := stamp(m.Time)
	s.marks = addMarks(s.marks, m.Users, m.Via)
	for _, u := range m.Users {
		r.add(u)
		if !s.isMe(u) { // my own joins are answered by RoomJoined
			s.emit(Joined{Room: m.Room, Nick: u, Time: t})
		}
	}
	s.emitUsers(r)
}

// forgetRoom: I am no longer in room (fold key key), by my leaving or an
// operator's room kick: its roster goes, it is not joined again after a
// reconnect, and the window is told (RoomLeft).
func (s *session) forgetRoom(room, key string) {
	delete(s.rosters, key)
	delete(s.opsShown, key)
	s.joined.remove(room)
	if i := s.joinIndex(room); i >= 0 {
		s.joins = slices.Delete(s.joins, i, i+1)
	}
	s.emit(RoomLeft{Room: room})
}

func (s *session) leftRoom(m wire.Left) {
	key := wire.FoldKey(m.Room)
	if s.isMe(m.User) {
		if key == s.lobbyKey {
			return
		}
		s.forgetRoom(m.Room, key)
		return
	}
	r := s.rosters[key]
	if r != nil {
		r.remove(m.User)
	}
	s.emit(Left{Room: m.Room, Nick: m.User, Reason: m.Reason, Text: m.Text, Time: stamp(m.Time)})
	if r != nil {
		s.emitUsers(r)
	}
}

func (s *session) roomList(m wire.RoomList) {
	if m.Flags&wire.ListFirst != 0 || !s.roomsOpen {
		s.roomChunk, s.roomsOpen = nil, true
	}
	if len(s.roomChunk)+len(m.Rooms) > maxList {
		s.log.Warn("room list too long; ignored")
		s.roomChunk, s.roomsOpen = nil, false
		return
	}
	s.roomChunk = append(s.roomChunk, m.Rooms...)
	if m.Flags&wire.ListLast != 0 {
		s.emit(Rooms{Rooms: s.roomChunk})
		s.roomChunk, s.roomsOpen = nil, false
	}
}

// --- Receiving -----------------------------------------------------------

func (s *session) inbound(in inbound) {
	if in.err != nil {
		s.lost(in.err)
		return
	}
	s.lastRecv, s.pingsOut = time.Now(), 0
	s.handle(in.msg)
}

// stamp converts a server time (Unix milliseconds) to a time.Time.
func stamp(ms int64) time.Time {
	if ms == 0 {
		return time.Now()
	}
	return time.UnixMilli(ms)
}

func (s *session) handle(msg wire.Message) {
	switch m := msg.(type) {
	case wire.Chat:
		s.live(Message{MsgID: m.ID, Time: stamp(m.Time), Room: m.Room, From: m.From, Text: m.Text, Notice: m.Notice}, m.Ref)
	case wire.PrivMsg:
		s.live(Message{MsgID: m.ID, Time: stamp(m.Time), From: m.From, To: m.To, Text: m.Text, Private: true,
			Notice: m.Notice}, m.Ref)
	case wire.History:
		s.history(m)
	case wire.Queued:
		s.emit(Queued{MsgID: m.ID, To: m.To})
	case wire.UserList:
		s.userList(m)
	case wire.Joined:
		s.joinedRoom(m)
	case wire.Left:
		s.leftRoom(m)
	case wire.Removed:
		s.emit(Removed{Nick: m.User, Reason: m.Reason, Time: stamp(m.Time)})
	case wire.Notice:
		s.emit(Notice{Text: m.Text, Time: stamp(m.Time)})
	case wire.RoomList:
		s.roomList(m)
	case wire.Error:
		s.serverError(m)
	case wire.Ping:
		s.c.send(wire.Pong{Token: m.Token})
	case wire.Pong:
		// Hearing from the server is what counts; inbound noted it.
	case wire.Kicked:
		s.log.Info("kicked", "by", m.By, "reason", m.Reason)
		s.emit(Kicked{Reason: m.Reason, By: m.By, Session: s.id})
		s.finish(&KickedError{Reason: wire.VisibleText(m.Reason), By: wire.Visible(m.By)}, "you were kicked", false)
	case wire.Stopping:
		// Disconnected carries ErrServerStopping (with the server's reason),
		// so the UI says it once. The admin may start it again: reconnect as
		// for any lost connection.
		err := ErrServerStopping
		if r := strings.TrimSpace(m.Reason); r != "" && !strings.EqualFold(r, "server is stopping") {
			err = fmt.Errorf("%w: %s", ErrServerStopping, wire.VisibleText(r))
		}
		s.lost(err)
	case wire.Restriction:
		s.emit(Restricted{Kind: m.Kind, On: m.On, Room: m.Room, Until: untilOf(m.Until), Reason: m.Reason})
	case wire.Topic:
		s.emit(Topic{Room: m.Room, Text: m.Text, By: m.By, Time: stamp(m.Time)})
	case wire.RoomOps:
		s.roomOps(m)
	case wire.RoomKicked:
		s.roomKicked(m)
	case wire.Opered:
		s.emit(Opered{Name: m.Name, Text: m.Text})
	case wire.FileOffered:
		s.fileOffered(m)
	case wire.FileChunk:
		s.fileChunk(m)
	case wire.FileAck:
		s.fileAck(m)
	case wire.FileEnd:
		s.fileEnd(m)
	case wire.FileAbort:
		s.fileAbort(m)
	case wire.FileSend:
		s.fileSend(m)
	case wire.FileStatus:
		s.fileStatus(m)
	case wire.FileClosed:
		s.fileClosed(m)
	case wire.FileInterrupted:
		s.fileInterrupted(m)
	case wire.Away:
		s.emit(AwayChanged{Nick: m.User, Away: m.Away, Text: m.Text})
	case wire.TypingNotice:
		s.emit(TypingNotice{Room: m.Room, From: m.From})
	case wire.Servers:
		s.serversListed(m)
	default:
		s.log.Debug("ignoring an unexpected frame", "type", msg.Type())
	}
}

// message reports a delivered chat or private message; my own is the echo
// that confirms the Say or Private with ref.
func (s *session) message(ev Message, ref uint32) {
	if s.isMe(ev.From) {
		ev.Mine = true
		if p := s.confirm(ref); p != nil {
			ev.ID = p.id
		}
	}
	s.emit(ev)
}

// joinRefusal reports the codes that answer a Join (they carry no ref).
func joinRefusal(c wire.ErrorCode) bool {
	switch c {
	case wire.CodeInvalidRoom, wire.CodeTooManyRooms, wire.CodeBidiControl, wire.CodeRoomReserved,
		wire.CodeRoomLookAlike, wire.CodeRoomQuota:
		return true
	}
	return false
}

func (s *session) serverError(m wire.Error) {
	se := &ServerError{Code: m.Code, Text: wire.VisibleText(m.Text), Until: untilOf(m.Until)}
	if m.Ref != 0 && (s.missedFailed(m.Ref) || s.histFailed(m.Ref, se)) {
		return
	}
	if p := s.confirm(m.Ref); p != nil {
		s.emit(p.undelivered(se))
		return
	}
	if m.Ref != 0 && s.offerRefused(m.Ref, se) {
		return
	}
	if m.Ref == 0 && (m.Code == wire.CodeNoTransfer || m.Code == wire.CodeFileOffset) {
		// A resume the server no longer knows (the sender left too): the
		// download waits for the sender's new offer.
		s.log.Debug("file request refused", "code", m.Code, "text", se.Text)
		return
	}
	if m.Ref == 0 && joinRefusal(m.Code) {
		s.joinFailed()
	}
	s.emit(Error{Code: m.Code, Err: se})
}
