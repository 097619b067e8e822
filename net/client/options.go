package client

import (
	"io"
	"log/slog"
	"math/rand/v2"
	"time"
)

// Defaults of the options.
const (
	DefaultBackoffMin       = 1 * time.Second
	DefaultBackoffMax       = 30 * time.Second
	DefaultDialTimeout      = 10 * time.Second
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultPingAfter        = 30 * time.Second
	// DefaultWriteTimeout bounds a write that makes no progress at all. It is
	// longer than the server's own (10 s) because a server applying flood
	// control stops reading on purpose, and with loopback's large segments
	// the kernel may report no progress for several seconds; a dead server
	// is caught by the keepalive anyway.
	DefaultWriteTimeout = 30 * time.Second

	// MaxPending bounds the messages the session holds for the user: sent but
	// not yet confirmed by the server, plus queued while reconnecting. Beyond
	// it a Say or Private is handed back at once (Undelivered, ErrQueueFull).
	MaxPending = 1000

	// missedPings is how many pings may go unanswered before the connection
	// counts as lost.
	missedPings = 2
	// redirectProbe is how long a connection may stay silent after a
	// Redirect's ping before it counts as lost (at most PingAfter).
	redirectProbe = 3 * time.Second

	// DefaultFastRetry and DefaultFastFor: for the first seconds of an outage
	// the session retries every DefaultFastRetry, so that a server restarted
	// at once is back for its users within about a second of listening again.
	DefaultFastRetry = 250 * time.Millisecond
	DefaultFastFor   = 5 * time.Second

	// soonFor and soonMax: for the rest of an outage's first minute no retry
	// waits longer than soonMax (2 s with the jitter), since a server being
	// restarted by hand is usually back within it; after that the backoff
	// doubles from its minimum up to its maximum.
	soonFor = time.Minute
	soonMax = 1600 * time.Millisecond

	// jitter is the ± fraction applied to every backoff delay, so that many
	// clients that lost the same server do not all come back at once.
	jitter = 0.2
)

// Option configures Run.
type Option func(*options)

type options struct {
	logger           *slog.Logger
	backoffMin       time.Duration
	backoffMax       time.Duration
	fastRetry        time.Duration
	fastFor          time.Duration
	downloadDir      string
	dialTimeout      time.Duration
	handshakeTimeout time.Duration
	pingAfter        time.Duration
	writeTimeout     time.Duration
	// nickGrace is how long after losing the connection a rejoin that the
	// server refuses with a transient reason (server full) is retried; see
	// session.refused.
	nickGrace time.Duration
	// dataDir holds the device key and the trusted servers.
	dataDir string
	// autoTrust pins unknown servers without asking (tests that are not
	// about trust).
	autoTrust bool
	// linger bounds a polite close: flushing Quit, then waiting for the
	// server's EOF.
	linger time.Duration
	// echoGrace is how long Disconnect waits for the server to confirm
	// messages already sent before it hands the rest back.
	echoGrace time.Duration
}

// WithLogger sets where the session logs (nothing is logged by default).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithBackoff sets the reconnect delays: the first retry waits min, each
// further one twice as long, up to max; every delay is jittered by ±20%.
func WithBackoff(min, max time.Duration) Option {
	return func(o *options) {
		if min > 0 {
			o.backoffMin = min
		}
		if max >= o.backoffMin {
			o.backoffMax = max
		} else {
			o.backoffMax = o.backoffMin
		}
	}
}

// WithFastRetry sets how often the session retries in the first seconds of
// an outage (every, during the first window; default 250 ms for 5 s), before
// the backoff starts. A zero window turns fast retries off, and with them
// the 2-second cap of the outage's first minute: the backoff alone decides.
func WithFastRetry(every, window time.Duration) Option {
	return func(o *options) {
		o.fastRetry, o.fastFor = every, window
		if every <= 0 {
			o.fastFor = 0
		}
	}
}

// WithDownloadDir sets where received files are saved ("": the desktop's
// download folder, DefaultDownloadDir).
func WithDownloadDir(dir string) Option {
	return func(o *options) { o.downloadDir = dir }
}

// WithDialTimeout bounds one TCP connection attempt (default 10 s).
func WithDialTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.dialTimeout = d
		}
	}
}

// WithHandshakeTimeout bounds the wait for the server's Welcome and lobby
// list after connecting (default 10 s).
func WithHandshakeTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.handshakeTimeout = d
		}
	}
}

// WithPingAfter sets the silence after which the session pings the server
// (default 30 s); two unanswered pings count as a lost connection.
func WithPingAfter(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.pingAfter = d
		}
	}
}

// WithDataDir sets where the client keeps its device key and its trusted
// servers (default: trust.DataDir("client"), the per-user data directory).
func WithDataDir(dir string) Option {
	return func(o *options) { o.dataDir = dir }
}

func newOptions(opts []Option) *options {
	o := &options{
		logger:           slog.New(slog.NewTextHandler(io.Discard, nil)),
		backoffMin:       DefaultBackoffMin,
		backoffMax:       DefaultBackoffMax,
		fastRetry:        DefaultFastRetry,
		fastFor:          DefaultFastFor,
		dialTimeout:      DefaultDialTimeout,
		handshakeTimeout: DefaultHandshakeTimeout,
		pingAfter:        DefaultPingAfter,
		writeTimeout:     DefaultWriteTimeout,
		nickGrace:        2 * time.Minute,
		linger:           time.Second,
		echoGrace:        2 * time.Second,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(o)
		}
	}
	return o
}

// backoff returns the delay before reconnect attempt n (1-based).
func (o *options) backoff(n int) time.Duration {
	d := o.backoffMax
	if n >= 1 && n < 32 {
		if v := o.backoffMin << (n - 1); v > 0 && v < d {
			d = v
		}
	}
	f := 1 + jitter*(2*rand.Float64()-1)
	return time.Duration(float64(d) * f)
}

// retryDelay returns the delay before reconnect attempt n (1-based) of an
// outage that began age ago; slow counts the attempts made after the outage's
// first minute. Fast retries first, then at most soonMax (or the backoff's
// maximum, if lower) for the first minute, then the doubling backoff from
// twice its minimum.
func (o *options) retryDelay(n, slow int, age time.Duration) time.Duration {
	switch {
	case o.fastFor <= 0:
		return o.backoff(n)
	case age < o.fastFor:
		return min(o.fastRetry, o.backoff(n))
	case age < soonFor:
		f := 1 + jitter*(2*rand.Float64()-1)
		return min(time.Duration(float64(soonMax)*f), o.backoff(n))
	}
	return o.backoff(slow + 1)
}

// downloads returns the folder received files go to.
func (o *options) downloads() string {
	if o.downloadDir != "" {
		return o.downloadDir
	}
	return DefaultDownloadDir()
}
