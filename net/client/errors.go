package client

import (
	"errors"
	"fmt"
	"time"

	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
)

// Errors the session reports in Undelivered, Error and Disconnected events.
// Test with errors.Is; the messages are written to be shown to the user.
var (
	// ErrNotConnected: the request needs a connection and there is none.
	ErrNotConnected = errors.New("not connected to a server")
	// ErrQueueFull: MaxPending messages are already waiting.
	ErrQueueFull = fmt.Errorf("too many messages are waiting to be sent (%d); try again when the connection is back", MaxPending)
	// ErrNotSent wraps the reason a waiting message was handed back when the
	// session ended (Disconnect, kick, refusal, shutdown).
	ErrNotSent = errors.New("not delivered")
	// ErrServerStopping is the reason of the Disconnected that follows the
	// server's Stopping frame.
	ErrServerStopping = errors.New("the server is stopping")
	// ErrPingTimeout: the server stopped answering pings.
	ErrPingTimeout = errors.New("the server stopped answering")
	// ErrServerPlaintext: the server does not use TLS. Connecting needs the
	// plaintext option (Connect.Plaintext), which the user must choose.
	ErrServerPlaintext = errors.New("the server does not use encryption (TLS); connect with the plaintext option only if you trust the network")
)

// IdentityChangedError: the server presented another certificate than the
// one trusted for its address. Nothing was sent to it. The user must remove
// the old entry from the trusted servers (ForgetServer) to trust it again.
type IdentityChangedError struct {
	Addr      string
	Trusted   trust.Fingerprint // what was trusted
	Presented trust.Fingerprint // what the server showed now
}

func (e *IdentityChangedError) Error() string {
	return fmt.Sprintf("the server's identity changed: %s was trusted with %s but now shows %s. "+
		"This can be an attack; if the administrator really made a new certificate, remove %s from the trusted servers and connect again",
		e.Addr, e.Trusted, e.Presented, e.Addr)
}

// ServerError is a request the server turned down (Error frame): no such
// user, not in that room, message too long…
type ServerError struct {
	Code wire.ErrorCode
	Text string
	// Until: when the mute or lecture mode behind CodeMuted or
	// CodeLecture ends (zero: when the admin ends it, or another code).
	Until time.Time
}

func (e *ServerError) Error() string {
	if e.Text != "" {
		return e.Text
	}
	return e.Code.String()
}

// RefusedError is the reason of the Disconnected that follows a Refused.
type RefusedError struct {
	Code  wire.RefuseCode
	Text  string
	Until time.Time // RefuseBanned: when the ban ends (zero: never)
}

func (e *RefusedError) Error() string {
	if e.Code == wire.RefuseBanned {
		when := "for good"
		if !e.Until.IsZero() {
			when = "until " + e.Until.Local().Format("2 Jan 15:04")
		}
		if e.Text == "" {
			return "banned by the administrator " + when
		}
		return "banned by the administrator " + when + ": " + e.Text
	}
	if e.Text != "" {
		return "refused: " + e.Text
	}
	return "refused: " + e.Code.String()
}

// KickedError is the reason of the Disconnected that follows a Kicked.
type KickedError struct {
	Reason string
	By     string
}

func (e *KickedError) Error() string {
	who := e.By
	if who == "" {
		who = "the server"
	}
	if e.Reason == "" {
		return "kicked by " + who
	}
	return "kicked by " + who + ": " + e.Reason
}

// notSent wraps why into ErrNotSent for handed-back messages.
func notSent(why string) error { return fmt.Errorf("%w: %s", ErrNotSent, why) }
