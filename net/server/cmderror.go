package server

import "fmt"

// CommandProblem is why an administrator's command failed, as a fact a
// window words in its own language.
type CommandProblem uint8

const (
	ProblemNoSuchUser   CommandProblem = iota + 1 // Name is not online (the error wraps ErrNoSuchUser)
	ProblemNotMuted                               // Name is not muted
	ProblemNoSuchRoom                             // there is no room Name
	ProblemNoSuchBan                              // there is no ban Name (an id; it may have ended)
	ProblemStillOnline                            // release: Name is online (kick first)
	ProblemNotHeld                                // release: no device holds the nickname Name
	ProblemThisComputer                           // ban: the address Name is this computer's
	ProblemEndsBefore                             // ban, mute: the chosen end is already past
	ProblemNoTarget                               // ban: neither a user nor an address was named
	ProblemNotSaved                               // a moderation change was not saved (Err: why; Name: what)
	ProblemBansUnread                             // the saved bans could not be read (Err: why)
)

// CommandError is a failed command's problem (Error events carry it); its
// Error is the English, for the console and logs.
type CommandError struct {
	Problem CommandProblem
	Name    string
	Err     error
}

func (e *CommandError) Error() string { return e.Err.Error() }
func (e *CommandError) Unwrap() error { return e.Err }

// cmdErr makes a CommandError, its English from format and args.
func cmdErr(p CommandProblem, name, format string, args ...any) *CommandError {
	return &CommandError{Problem: p, Name: name, Err: fmt.Errorf(format, args...)}
}
