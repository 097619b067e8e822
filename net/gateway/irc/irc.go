// Package irc lets IRC clients (HexChat, irssi, WeeChat…) join a MultiChat
// server. Each IRC connection becomes an ordinary member of the hub through
// server.Port: the gateway speaks IRC to the client and MultiChat's wire
// messages to the hub, so nickname rules, flood control, limits and kicks
// apply unchanged. The lobby is #lobby and every room is a channel ("#" and
// the room's name, its spaces shown as no-break spaces).
package irc

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/multichat/multichat/net/gateway"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/wire"
)

// Config is the gateway's configuration.
type Config struct {
	Port *server.Port // the hub
	// Network is the name in ISUPPORT's NETWORK and the welcome (default
	// "MultiChat"; spaces become '-').
	Network string
	// ServerName is the gateway's IRC server name: the source of its own
	// replies (numerics, NOTICE, PONG, KICK), the server in 004, WHO and
	// WHOIS, and the host shown for other members (default
	// "multichat.gateway"; cmd/chatserver's -irc-name). CheckServerName
	// says what a name may hold.
	ServerName string
	// NoAutoJoin leaves a new IRC client in no channel, as IRC servers do,
	// instead of joining it to #lobby at registration. The user is on the
	// server (a member of MultiChat's lobby, which nobody leaves) all the
	// same: private messages, WHO, WHOIS and ISON reach everyone, and
	// announcements come as notices; #lobby's messages and arrivals are
	// shown once the client JOINs #lobby, and PART #lobby stops them.
	NoAutoJoin bool
	// Password, when set, checks PASS at registration (the server
	// password); nil lets everyone in.
	Password func(pass string) bool
	// MOTD lines; empty: a short default.
	MOTD         []string
	WriteTimeout time.Duration // a write to the client taking longer drops it (10 s)
	RegisterTime time.Duration // time from connect to a completed registration (60 s)
	IdleTime     time.Duration // silence before the client is pinged, and again before it is dropped (90 s)
	Logger       *slog.Logger
}

// Gateway serves IRC clients from one or more listeners.
type Gateway struct {
	cfg      Config
	sessions *gateway.Sessions

	mu     sync.RWMutex
	idents map[string]ident // a registered session's nickname → its USER
}

// New returns a gateway to cfg.Port.
func New(cfg Config) *Gateway {
	if cfg.Network == "" {
		cfg.Network = "MultiChat"
	}
	cfg.Network = strings.ReplaceAll(cfg.Network, " ", "-")
	if cfg.ServerName == "" {
		cfg.ServerName = "multichat.gateway"
	}
	if len(cfg.MOTD) == 0 {
		cfg.MOTD = []string{"This is a MultiChat server. #lobby is where everyone is;",
			"every MultiChat room is a channel (/list). Files cannot be received over IRC."}
		if cfg.NoAutoJoin {
			cfg.MOTD[0] = "This is a MultiChat server. #lobby is where everyone is: /join #lobby;"
		}
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	if cfg.RegisterTime <= 0 {
		cfg.RegisterTime = 60 * time.Second
	}
	if cfg.IdleTime <= 0 {
		cfg.IdleTime = 90 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Gateway{cfg: cfg, sessions: gateway.NewSessions(cfg.Logger), idents: make(map[string]ident)}
}

// CheckServerName reports whether name can be the gateway's IRC server
// name: a host name's letters, digits, '-' and '.', at most 63 bytes, not
// starting or ending with '-' or '.'.
func CheckServerName(name string) error {
	if name == "" || len(name) > 63 {
		return errors.New("an IRC server name has 1 to 63 characters")
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return fmt.Errorf("an IRC server name holds only letters, digits, '-' and '.' (not %q)", c)
		}
	}
	if strings.ContainsAny(name[:1], "-.") || strings.ContainsAny(name[len(name)-1:], "-.") {
		return errors.New("an IRC server name neither starts nor ends with '-' or '.'")
	}
	return nil
}

// ident is what an IRC user of this gateway said at registration (USER),
// for the WHO, WHOIS and prefixes others see: the hub knows nicknames only.
type ident struct {
	s          *session
	user, real string
}

// claimIdent records s's user name and real name under nick (as the hub
// will spell it: the hub's frames and the rosters name members so) just
// before s asks the hub for nick, so that the others see them from the
// user's JOIN on. An entry of another session is left alone: that session
// holds the nickname, and the hub will refuse it.
func (g *Gateway) claimIdent(s *session, nick string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, held := g.idents[nick]; !held {
		g.idents[nick] = ident{s: s, user: s.user, real: s.real}
		s.claimed = nick
	}
}

// setIdent records s's entry once the hub has given it its nickname.
func (g *Gateway) setIdent(s *session) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.idents[s.nick] = ident{s: s, user: s.user, real: s.real}
	s.claimed = s.nick
}

// dropIdent forgets s's entry, if it has one (not another session's). A
// session drops it before its link closes, so that the hub cannot give the
// nickname to someone else while the entry remains.
func (g *Gateway) dropIdent(s *session) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if id, ok := g.idents[s.claimed]; ok && id.s == s {
		delete(g.idents, s.claimed)
	}
	s.claimed = ""
}

// identOf returns the user name and real name of nick if nick is an IRC
// user of this gateway (ok = false for anyone else).
func (g *Gateway) identOf(nick string) (user, real string, ok bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	id, ok := g.idents[nick]
	return id.user, id.real, ok
}

// userOf is identOf's user name for a nickname read in place from a frame
// ("" for anyone but this gateway's IRC users).
func (g *Gateway) userOf(nick []byte) string {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.idents[string(nick)].user
}

// Serve accepts IRC clients on ln (plain, or a tls.NewListener for 6697)
// until ln is closed or the gateway is; it returns nil then.
func (g *Gateway) Serve(ln net.Listener) error {
	return g.sessions.Serve(ln, func(nc net.Conn) {
		g.sessions.Go(nc, func() { newSession(g, nc).run() })
	})
}

// Close stops every listener given to Serve and ends every session (the
// users are "connection lost" to the others), and waits for them.
func (g *Gateway) Close() { g.sessions.Close() }

// Channel is the IRC channel of a MultiChat room: "#" and the name, spaces
// shown as no-break spaces (IRC channel names cannot hold spaces, and room
// names cannot hold U+00A0).
func Channel(room string) string { return "#" + strings.ReplaceAll(room, " ", "\u00a0") }

// Room is the MultiChat room of an IRC channel, or "" if ch is not one.
func Room(ch string) string {
	if !strings.HasPrefix(ch, "#") {
		return ""
	}
	return strings.ReplaceAll(ch[1:], "\u00a0", " ")
}

// checkNick applies MultiChat's nickname rules and what IRC needs on top:
// no characters that IRC uses to separate or match (! @ , * ? :), no '&'
// or digit first.
func checkNick(nick string) error {
	if err := wire.CheckNick(nick); err != nil {
		return err
	}
	if strings.ContainsAny(nick, "!@,*?") {
		return errors.New("nickname may not contain ! @ , * or ? on IRC")
	}
	if c := nick[0]; c == ':' || c == '&' || c == '$' || (c >= '0' && c <= '9') {
		return errors.New("nickname may not start with : & $ or a digit on IRC")
	}
	return nil
}

// session is one IRC client. Its reader goroutine (run) registers the
// client, then turns its commands into hub messages; fromHub turns the hub's
// frames into IRC lines. Writes to the client go through w under wmu.
type session struct {
	g    *Gateway
	cfg  *Config
	nc   net.Conn
	host string // the client's address, for its prefix

	wmu sync.Mutex
	w   *bufio.Writer
	buf []byte

	// set during registration, then read only
	nick, user, real string
	claimed          string // the nickname of s's entry in g.idents (reader goroutine only)
	link             *gateway.Link
	lobby            string
	roster           *gateway.Roster

	mu       sync.Mutex
	targets  map[uint32]sent // Ref → where a PRIVMSG or NOTICE went, until echoed or refused
	nextRef  uint32
	away     bool
	caps     map[string]bool       // the IRCv3 capabilities the client enabled
	topics   map[string]wire.Topic // room → its pinned topic (rooms the user is in or entering)
	aways    map[string]string     // FoldKey of a member who is away → their away text
	pings    map[uint64]pingFor    // token of a Ping to the hub → what it answers
	nextPing uint64
	lists    []func([]wire.RoomInfo)    // what to do with the rooms, one per ListRooms in flight (rooms.go)
	parting  map[string]string          // room → the reason of the user's PART, for its echo
	ops      map[string]map[string]bool // room → FoldKeys of its operators (ops.go; each map is replaced, never changed)
	opReqs   []opReq                    // requests about rooms sent to the hub, oldest first, until answered (ops.go)
	oper     bool                       // the user is one of the server's operators (OPER)
	quitText string                     // the QUIT's reason (reader goroutine only)

	// ready is closed once the registration burst is written: 001–005, the
	// lobby's JOIN and NAMES (unless NoAutoJoin), the MOTD. The reader
	// answers nothing before.
	ready chan struct{}
	// lobbyOn says whether the client is shown #lobby (it joined it, or was
	// joined to it): the user is always in the hub's lobby, but the lobby's
	// messages, arrivals and departures are shown only then. Changed under
	// wmu (fromHub holds it while it writes).
	lobbyOn atomic.Bool
	// entering (fromHub only): rooms (by FoldKey) whose JOIN is shown and
	// whose topic and names wait for the join's barrier (joined1).
	entering map[string]string
	// shownOps (wmu held): room → FoldKeys of the members the client was
	// shown as operators (NAMES at its JOIN, then MODE lines).
	shownOps map[string]map[string]bool
	// opActive (wmu held): the oldest of opReqs is between its barriers.
	opActive bool
}

// sent is where a message went, for the hub's answer.
type sent struct {
	target string
	notice bool // NOTICE: errors are not answered (RFC 2812 3.3.2)
}

func newSession(g *Gateway, nc net.Conn) *session {
	s := &session{g: g, cfg: &g.cfg, nc: nc, host: gateway.RemoteAddr(nc).Addr().String(),
		w: bufio.NewWriterSize(nc, 8<<10), roster: gateway.NewRoster(), targets: make(map[uint32]sent),
		topics: make(map[string]wire.Topic), aways: make(map[string]string), pings: make(map[uint64]pingFor),
		ready: make(chan struct{}), caps: make(map[string]bool), entering: make(map[string]string), parting: make(map[string]string),
		ops: make(map[string]map[string]bool), shownOps: make(map[string]map[string]bool)}
	s.lobbyOn.Store(!g.cfg.NoAutoJoin)
	return s
}

func (s *session) log() *slog.Logger { return s.cfg.Logger }

// line queues one line; flush sends what is queued. Callers hold wmu.
func (s *session) line(prefix, command string, params ...string) {
	s.buf = appendLine(s.buf[:0], prefix, command, params...)
	s.w.Write(s.buf)
}

func (s *session) flush() error {
	s.nc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	return s.w.Flush()
}

// reply sends lines from the server at once (the reader's answers).
func (s *session) reply(f func()) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	f()
	return s.flush()
}

// num queues a numeric reply to the client.
func (s *session) num(code string, params ...string) {
	nick := s.nick
	if nick == "" || s.link == nil {
		nick = "*"
	}
	s.line(s.cfg.ServerName, code, append([]string{nick}, params...)...)
}

func (s *session) notice(target, text string) {
	for _, l := range splitText(text, s.budget(s.cfg.ServerName, "NOTICE", target)) {
		s.line(s.cfg.ServerName, "NOTICE", target, l)
	}
}

// budget is how many bytes of text fit in a line from prefix.
func (s *session) budget(prefix, command, target string) int {
	return max(maxLine-len(":  :\r\n")-len(prefix)-len(command)-len(target)-1, 32)
}

// mask is a member's IRC source: nick!user@server (the client's own:
// nick!user@its address). The user name is the one an IRC user of this
// gateway gave; for anyone else, the nickname.
func (s *session) mask(nick string) string {
	if nick == s.nick {
		return s.nick + "!" + s.user + "@" + s.host
	}
	user, _, ok := s.g.identOf(nick)
	if !ok {
		user = nick
	}
	return nick + "!" + user + "@" + s.cfg.ServerName
}

// errClosing ends the session after a reply.
var errClosing = errors.New("closing")

// run serves the client until it quits or either side goes.
func (s *session) run() {
	defer s.nc.Close()
	defer func() {
		if s.link != nil {
			s.link.Close() // after a panic, too
		}
	}()
	defer s.g.dropIdent(s) // after a panic too, and before the link closes
	br := bufio.NewReaderSize(s.nc, maxTags+maxLine)
	s.nc.SetReadDeadline(time.Now().Add(s.cfg.RegisterTime))
	if !s.register(br) {
		return
	}
	hubDone := make(chan struct{})
	go func() {
		defer close(hubDone)
		defer gateway.Recover(s.log(), s.nc)
		s.fromHub()
	}()

	// The registration burst first: commands are answered after it.
	select {
	case <-s.ready:
	case <-hubDone:
		s.g.dropIdent(s)
		s.link.Close()
		return
	}
	quit := s.fromClient(br)
	s.g.dropIdent(s) // before the hub can give the nickname to another
	if quit {
		s.link.Quit(s.quitText)
	} else {
		s.link.Close()
	}
	<-hubDone
}

// readLine reads one line; a line over the limits is answered with 417 and
// skipped.
func (s *session) readLine(br *bufio.Reader) (Message, error) {
	for {
		b, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			s.reply(func() { s.num("417", "Input line was too long") })
			continue
		}
		if err != nil {
			return Message{}, err
		}
		rest := b
		if b[0] == '@' {
			if i := strings.IndexByte(string(b), ' '); i >= 0 && i <= maxTags {
				rest = b[i+1:]
			}
		}
		if len(rest) > maxLine {
			s.reply(func() { s.num("417", "Input line was too long") })
			continue
		}
		m, err := Parse(string(b))
		if err != nil {
			continue // empty lines and stray bytes are ignored, as servers do
		}
		return m, nil
	}
}

// register runs the registration: PASS, NICK, USER and CAP in any order,
// until NICK and USER are in and CAP negotiation (if begun) has ended. It
// returns false when the client goes or is turned away.
func (s *session) register(br *bufio.Reader) bool {
	var pass, nick string
	haveUser, capping := false, false
	for {
		m, err := s.readLine(br)
		if err != nil {
			return false
		}
		switch m.Command {
		case "CAP":
			switch strings.ToUpper(m.Param(0)) {
			case "LS", "REQ":
				capping = true
			case "END":
				capping = false
			}
			s.capCommand(m)
		case "PASS":
			if len(m.Params) == 0 {
				s.reply(func() { s.num("461", "PASS", "Not enough parameters") })
				continue
			}
			pass = m.Params[0]
		case "NICK":
			if len(m.Params) == 0 || m.Params[0] == "" {
				s.reply(func() { s.num("431", "No nickname given") })
				continue
			}
			nick = m.Params[0]
			if err := checkNick(nick); err != nil {
				s.reply(func() { s.num("432", nick, "Erroneous nickname: "+err.Error()) })
				nick = ""
			}
		case "USER":
			if len(m.Params) < 4 || m.Params[3] == "" {
				s.reply(func() { s.num("461", "USER", "Not enough parameters") })
				continue
			}
			haveUser = true
			s.user, s.real = m.Params[0], m.Params[3]
			if len(s.user) > 16 || !safeUser(s.user) {
				s.user = "~irc"
			}
		case "PING":
			s.reply(func() { s.line(s.cfg.ServerName, "PONG", s.cfg.ServerName, m.Param(0)) })
		case "QUIT":
			s.reply(func() { s.line("", "ERROR", "Closing Link: "+s.host+" (Quit)") })
			return false
		default:
			s.reply(func() { s.num("451", "You have not registered") })
		}
		if nick == "" || !haveUser || capping {
			continue
		}
		if s.cfg.Password != nil && !s.cfg.Password(pass) {
			s.reply(func() {
				s.num("464", "Password incorrect")
				s.line("", "ERROR", "Closing Link: "+s.host+" (Bad password)")
			})
			return false
		}
		link, err := s.joinHub(nick, pass)
		var refused *gateway.RefusedError
		switch {
		case errors.As(err, &refused) && refused.Code == wire.RefuseNickTaken:
			s.reply(func() { s.num("433", nick, "Nickname is already in use: "+refused.Text) })
			nick = ""
			continue
		case errors.As(err, &refused) && nameRefusal(refused.Code):
			s.reply(func() { s.num("432", nick, "Erroneous nickname: "+refused.Text) })
			nick = ""
			continue
		case errors.As(err, &refused) && passRefusal(refused.Code):
			s.reply(func() {
				s.num("464", "Password incorrect: "+refused.Text+" (give it with PASS before NICK and USER)")
				s.line("", "ERROR", "Closing Link: "+s.host+" (Bad password)")
			})
			s.log().Info("irc client refused", "addr", s.host, "nick", nick, "err", err)
			return false
		case err != nil:
			s.reply(func() { s.line("", "ERROR", "Closing Link: "+s.host+" ("+err.Error()+")") })
			s.log().Info("irc client refused", "addr", s.host, "nick", nick, "err", err)
			return false
		}
		s.link, s.nick, s.lobby = link, link.Welcome.Nick, link.Welcome.Lobby
		s.g.setIdent(s)
		s.log().Info("irc client joined", "addr", s.host, "nick", s.nick)
		s.reply(s.welcome)
		s.send(wire.Ping{Token: s.awaitBarrier(s.lobby)}) // fromHub reads the lobby's frames after this
		return true
	}
}

// ghostWaits are how long a registration whose nickname is taken waits
// before trying again: a client that reconnects at once (or a test suite's
// next case) often races its own previous connection, whose close the hub
// has not seen yet. A nickname really taken is answered 433 after 0.7 s.
var ghostWaits = []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}

// joinHub joins the hub as nick; a nickname taken is tried again after
// each of ghostWaits.
func (s *session) joinHub(nick, pass string) (*gateway.Link, error) {
	ctx := s.g.sessions.Context()
	for i := 0; ; i++ {
		s.g.claimIdent(s, nick)
		link, err := gateway.Join(ctx, s.cfg.Port, gateway.RemoteAddr(s.nc), "irc", nick, pass)
		if err != nil {
			s.g.dropIdent(s)
		}
		var refused *gateway.RefusedError
		if i == len(ghostWaits) || !errors.As(err, &refused) || refused.Code != wire.RefuseNickTaken {
			return link, err
		}
		select {
		case <-time.After(ghostWaits[i]):
		case <-ctx.Done():
			return nil, err
		}
	}
}

// nameRefusal reports refusals about the nickname itself (invalid,
// reserved), which IRC reports as 432 with the server's reason.
func nameRefusal(c wire.RefuseCode) bool {
	return c == wire.RefuseNickInvalid || c == wire.RefuseNickReserved
}

// passRefusal reports refusals about the server password, which IRC
// reports as 464 ERR_PASSWDMISMATCH.
func passRefusal(c wire.RefuseCode) bool {
	return c == wire.RefusePasswordNeeded || c == wire.RefusePasswordWrong || c == wire.RefuseTooManyTries
}

func safeUser(u string) bool {
	for _, r := range u {
		if r <= ' ' || r == '@' || r == '!' || r > 0x7E {
			return false
		}
	}
	return u != ""
}

// welcome queues the start of the registration burst: 001–005. The lobby's
// JOIN, NAMES and the MOTD follow when its member list arrives (joined).
func (s *session) welcome() {
	w := s.link.Welcome
	s.num("001", fmt.Sprintf("Welcome to the %s IRC gateway of %s, %s", s.cfg.Network, w.Server, s.mask(s.nick)))
	s.num("002", fmt.Sprintf("Your host is %s, running MultiChat (protocol %d)", s.cfg.ServerName, w.Version))
	s.num("003", "This server was created "+time.UnixMilli(w.Time).UTC().Format(time.RFC1123))
	s.num("004", s.cfg.ServerName, "multichat", "io", "nto", "o")
	s.num("005", "CASEMAPPING=rfc8265", fmt.Sprintf("NICKLEN=%d", wire.MaxNickRunes),
		fmt.Sprintf("CHANNELLEN=%d", wire.MaxRoomRunes+1), "CHANTYPES=#", "CHANLIMIT=#:",
		"NETWORK="+s.cfg.Network, "PREFIX=(o)@", "CHANMODES=,,,nt", fmt.Sprintf("MODES=%d", maxModes),
		fmt.Sprintf("TARGMAX=PRIVMSG:4,NOTICE:4,JOIN:,PART:,KICK:%d", maxKicks),
		"UTF8ONLY", "are supported by this server")
}

func (s *session) motd() {
	s.num("375", "- "+s.cfg.ServerName+" Message of the day -")
	for _, l := range s.cfg.MOTD {
		s.num("372", "- "+l)
	}
	s.num("376", "End of /MOTD command")
}
