package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/multichat/multichat/net/datadir"
	"github.com/multichat/multichat/net/discovery"
	"github.com/multichat/multichat/net/gateway/irc"
	"github.com/multichat/multichat/net/server"
)

// options is the command line: where to listen, how to run, how to log, and
// the server's limits.
type options struct {
	Addr     string
	Headless bool
	LogLevel slog.Level
	LogJSON  bool
	Announce bool // announce on the LAN (mDNS/DNS-SD)
	Config   server.Config
	// History: where the data directory is ("" is the platform's default),
	// whether to keep history there, and for how long.
	DataDir  string
	History  bool
	KeepDays int
	Gateways gatewayOptions
	Cluster  clusterOptions
}

// configFromFlags parses args (without the program name) into options. Zero
// limits mean the server's defaults; -flood-burst -1, -max-per-ip -1 and
// -max-rooms-per-user -1 and -outbox-budget -1 switch those limits off.
func configFromFlags(fs *flag.FlagSet, args []string) (options, error) {
	var o options
	d := server.Config{}.Defaults()
	c := &o.Config
	var level string
	fs.StringVar(&o.Addr, "addr", ":7878", "listen address, host:port (\":0\" picks a free port)")
	fs.BoolVar(&o.Headless, "headless", false, "serve without a window; logs go to stdout")
	fs.StringVar(&level, "log-level", "info", "log level: debug, info, warn or error")
	fs.BoolVar(&o.LogJSON, "log-json", false, "log JSON lines instead of text")
	fs.StringVar(&c.Name, "name", discovery.DefaultName(), "server name shown to clients and announced on the LAN")
	fs.BoolVar(&o.Announce, "announce", true, "announce the server on the LAN (mDNS) so that clients find it without typing its address")
	fs.IntVar(&c.MaxFrame, "max-frame", d.MaxFrame, "largest frame in bytes")
	fs.IntVar(&c.MaxText, "max-text", d.MaxText, "largest chat message in bytes of UTF-8 (every message is also limited to 4000 characters)")
	fs.IntVar(&c.OutboxBytes, "outbox", d.OutboxBytes, "bytes a client may be owed before it is dropped as a slow consumer")
	fs.Int64Var(&c.OutboxBudget, "outbox-budget", d.OutboxBudget,
		"bytes all clients may be owed together; past it the stalled clients owed the most are dropped first; -1 turns it off")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", d.WriteTimeout,
		"stall time: a client whose socket accepts nothing for this long is dropped as a slow consumer")
	fs.DurationVar(&c.HandshakeTime, "handshake-timeout", d.HandshakeTime, "time allowed from connect to hello")
	fs.DurationVar(&c.PingAfter, "ping-after", d.PingAfter, "silence before the server pings a client")
	fs.IntVar(&c.MissedPings, "missed-pings", d.MissedPings, "unanswered pings before a client is dropped")
	fs.IntVar(&c.FloodBurst, "flood-burst", d.FloodBurst, "messages a client may send at once; -1 turns flood control off")
	fs.Float64Var(&c.FloodRate, "flood-rate", d.FloodRate, "messages per second after the burst")
	fs.IntVar(&c.MaxConns, "max-conns", d.MaxConns, "connections at once")
	fs.IntVar(&c.MaxPerIP, "max-per-ip", d.MaxPerIP, "connections per address (loopback exempt); -1 turns the limit off")
	fs.IntVar(&c.MaxRooms, "max-rooms", d.MaxRooms, "rooms at once")
	fs.IntVar(&c.MaxRoomsPerUser, "max-rooms-per-user", d.MaxRoomsPerUser, "open rooms one user may have created; -1 turns the limit off")
	fs.Int64Var(&c.MaxFileSize, "max-file-size", d.MaxFileSize, "largest file offered, in bytes")
	files := fs.Bool("files", true, "relay files between users (-files=false refuses every offer)")
	fs.StringVar(&o.DataDir, "data", "", "data directory: TLS certificate, nickname bindings, history database (default: the per-user data folder, e.g. ~/.local/share/multichat)")
	fs.BoolVar(&o.History, "history", true, "keep history (every conversation) in the data directory")
	fs.IntVar(&c.Replay, "replay", d.Replay, "messages replayed to whoever joins a room")
	fs.IntVar(&o.KeepDays, "keep-days", 0, "prune history older than this many days (0 keeps it forever)")
	gw := &o.Gateways
	fs.BoolVar(&gw.Classic, "classic", false, "serve the seed-001 Python chat client on the same port (unencrypted)")
	fs.BoolVar(&gw.IRC, "irc", false, "let IRC clients join")
	fs.StringVar(&gw.IRCAddr, "irc-addr", ":6667", "plain IRC listen address with -irc (\"\" for none)")
	fs.StringVar(&gw.IRCSAddr, "ircs-addr", ":6697", "IRC over TLS listen address with -irc, using the server's certificate (\"\" for none)")
	fs.StringVar(&gw.IRCName, "irc-name", defaultIRCName(),
		"the IRC server name IRC clients see (replies' source, 004, PONG, WHO, WHOIS): letters, digits, '-' and '.'")
	autojoin := fs.Bool("irc-autojoin", true,
		"join IRC clients to #lobby at registration; -irc-autojoin=false leaves them in no channel until they /join #lobby, as IRC servers do")
	gw.Plaintext = true // until the native port speaks TLS: then the admin's opt-in to plaintext
	fs.BoolVar(&c.Plaintext, "plaintext", false, "serve without TLS (chat crosses the network in cleartext; for tests, benchmarks and classic clients)")
	fs.DurationVar(&c.NickGrace, "nick-grace", d.NickGrace, "how long a nickname stays reserved for its device after it disconnects")
	clusterFlags(fs, &o.Cluster, c)
	var operators string
	fs.StringVar(&operators, "operators", "", "server operators file: lines \"name password\" (# comments); an oper login with one "+
		"makes a user an operator of every room (default: "+server.OperatorsFile+" in the data directory, for the window only)")
	var password, passwordFile string
	fs.StringVar(&password, "password", "", "server password (\"class code\") new users must give; visible to other local users in the process list: prefer -password-file")
	fs.StringVar(&passwordFile, "password-file", "", "read the server password from the first line of this file")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	c.FilesOff = !*files
	if operators != "" {
		ops, err := server.LoadOperators(operators)
		if err != nil {
			return o, fmt.Errorf("-operators: %w", err)
		}
		c.Operators = ops
	}
	gw.IRCNoAutoJoin = !*autojoin
	if passwordFile != "" {
		data, err := os.ReadFile(passwordFile)
		if err != nil {
			return o, fmt.Errorf("-password-file: %w", err)
		}
		password, _, _ = strings.Cut(string(data), "\n")
		password = strings.TrimRight(password, "\r")
	}
	if password != "" {
		hash, err := server.HashPassword(password)
		if err != nil {
			return o, fmt.Errorf("password: %w", err)
		}
		c.PasswordHash = hash
	}
	c.DataDir = o.DataDir
	if c.DataDir == "" {
		dir, err := datadir.Default()
		if err != nil {
			return o, fmt.Errorf("no data directory (give one with -data): %w", err)
		}
		c.DataDir = dir
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if err := o.LogLevel.UnmarshalText([]byte(level)); err != nil {
		return o, fmt.Errorf("-log-level: %w", err)
	}
	if err := irc.CheckServerName(gw.IRCName); err != nil {
		return o, fmt.Errorf("-irc-name: %w", err)
	}
	if o.KeepDays < 0 {
		return o, fmt.Errorf("-keep-days must be 0 (forever) or more")
	}
	return o, nil
}

// dataDirOperators gives the window's server the operators file of its
// data directory (server.OperatorsFile), if there is one and -operators
// named none. A file it cannot use is logged, and operator logins stay off.
func dataDirOperators(c *server.Config, log *slog.Logger) {
	if c.Operators != nil || c.DataDir == "" {
		return
	}
	path := filepath.Join(c.DataDir, server.OperatorsFile)
	if _, err := os.Stat(path); err != nil {
		return
	}
	ops, err := server.LoadOperators(path)
	if err != nil {
		log.Error("operator logins are off", "err", err)
		return
	}
	c.Operators = ops
	log.Info("server operators", "file", path, "count", len(ops))
}

// defaultIRCName is the IRC server name without -irc-name: the machine's
// host name when it can be one, else "multichat.gateway".
func defaultIRCName() string {
	if h, err := os.Hostname(); err == nil && irc.CheckServerName(h) == nil {
		return strings.ToLower(h)
	}
	return "multichat.gateway"
}
