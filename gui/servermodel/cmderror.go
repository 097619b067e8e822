package servermodel

import (
	"errors"
	"io/fs"
	"net"
	"syscall"

	"fyne.io/fyne/v2/lang"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/wire"
)

// commandText words a command's failure the hub gave as facts
// (server.CommandError, its sentinels); "" for anything else.
func commandText(err error) string {
	switch {
	case errors.Is(err, server.ErrNotRunning):
		return lang.L("the server is not running")
	case errors.Is(err, server.ErrRunning):
		return lang.L("the server is already running")
	case errors.Is(err, server.ErrServerName):
		return lang.L("the server name is too long: at most 255 bytes (about 85 Korean letters)")
	}
	var tl *wire.TextTooLongError
	var bidi *wire.BidiError
	switch {
	case errors.As(err, &tl) && tl.Chars:
		return lang.L("the text is {{.Size}} characters long; the limit is {{.Max}}", vars{"Size": clientmodel.Count(tl.Size), "Max": clientmodel.Count(tl.Max)})
	case errors.As(err, &tl):
		return lang.L("the text is {{.Size}} bytes long; the limit is {{.Max}} bytes", vars{"Size": clientmodel.Count(tl.Size), "Max": clientmodel.Count(tl.Max)})
	case errors.Is(err, wire.ErrBadText), errors.Is(err, wire.ErrInvalidUTF8), errors.As(err, &bidi):
		return lang.L("the text contains a character that is not allowed")
	}
	var ce *server.CommandError
	if !errors.As(err, &ce) {
		return ""
	}
	v := vars{"Name": ce.Name}
	switch ce.Problem {
	case server.ProblemNoSuchUser:
		return lang.L("{{.Name}} is not online", v)
	case server.ProblemNotMuted:
		return lang.L("{{.Name}} is not muted", v)
	case server.ProblemNoSuchRoom:
		return lang.L("there is no room “{{.Name}}”", vars{"Name": RoomName(ce.Name)})
	case server.ProblemNoSuchBan:
		return lang.L("that ban is no longer in force (it may have ended)")
	case server.ProblemStillOnline:
		return lang.L("{{.Name}} is online: kick them first", v)
	case server.ProblemNotHeld:
		return lang.L("no device holds the nickname {{.Name}}", v)
	case server.ProblemThisComputer:
		return lang.L("{{.Name}} is this computer: every local client shares it; ban the user instead", v)
	case server.ProblemEndsBefore:
		return lang.L("the chosen end has already passed")
	case server.ProblemNoTarget:
		return lang.L("name a user or an address to ban")
	case server.ProblemNotSaved: // the title says what was not saved; this says why
		if d := dbText(err); d != "" {
			return d
		}
		if ce.Name != "" {
			return lang.L("the database is too slow to keep up")
		}
		return lang.L("the database could not save it")
	case server.ProblemBansUnread: // the title says so; this says why
		if d := dbText(err); d != "" {
			return d
		}
		return lang.L("the database could not be read")
	}
	return ""
}

// bindingsProblem says why the nicknames' owners (which device holds which
// nickname) could not be read or saved, and what it means (msg: the error
// as said so far).
func bindingsProblem(err error, msg string) string {
	var be *server.BindingsError
	if !errors.As(err, &be) {
		return msg
	}
	v := vars{"Path": be.Path}
	var why string
	switch {
	case be.Damaged():
		why = lang.L("{{.Path}} is damaged; it was renamed {{.Path}}.damaged and a new one is started", v)
	case errors.Is(err, syscall.ENOSPC):
		why = lang.L("the disk holding {{.Path}} is full", v)
	case be.Save && (errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)):
		why = lang.L("cannot write {{.Path}} (read-only or no permission)", v)
	default:
		why = clientmodel.Plain(be.Err, msg)
	}
	if be.Save {
		return why + "\n\n" + lang.L("Nicknames stay with their owners while the server runs, but a restart may let another device take one.")
	}
	return why + "\n\n" + lang.L("Nicknames held by devices before this start are not protected until their owners connect again.")
}

// clusterProblem says why the server could not join its cluster (msg: the
// error as said so far).
func clusterProblem(err error, msg string) string {
	var op *net.OpError
	if errors.Is(err, syscall.EADDRINUSE) && errors.As(err, &op) && op.Addr != nil {
		return lang.L("The cluster's port {{.Addr}} is already in use by another program (or another MultiChat server). Start the server with another -cluster-listen port, or stop the other program.", vars{"Addr": op.Addr.String()})
	}
	return startProblem(err, clientmodel.Plain(err, msg))
}

// startProblem says why the server could not listen (msg: the error as
// said so far): what to do, then, in English, the system's words with the
// address.
func startProblem(err error, msg string) string {
	var what string
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		what = lang.L("The port is already in use by another program (or another MultiChat server). Choose another port, or stop the other program.")
	case errors.Is(err, syscall.EACCES):
		what = lang.L("This port may only be used with administrator rights (ports below 1024). Choose another port, such as 7878.")
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		what = lang.L("This computer does not have that address. Listen on 0.0.0.0 (every network) or on one of this computer's addresses.")
	default:
		return msg
	}
	if clientmodel.English() {
		return what + "\n\n" + msg
	}
	return what
}
