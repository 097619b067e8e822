package client

import (
	"errors"
	"fmt"

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
)

// ServerError is a request the server turned down (Error frame): no such
// user, not in that room, message too long…
type ServerError struct {
	Code wire.ErrorCode
	Text string
}

func (e *ServerError) Error() string {
	if e.Text != "" {
		return e.Text
	}
	return e.Code.String()
}

// RefusedError is the reason of the Disconnected that follows a Refused.
type RefusedError struct {
	Code wire.RefuseCode
	Text string
}

func (e *RefusedError) Error() string {
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
