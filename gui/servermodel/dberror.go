package servermodel

import (
	"errors"

	"fyne.io/fyne/v2/lang"

	"github.com/multichat/multichat/net/store"
)

// ErrText says err in the interface's language where it is a history
// database problem (net/store says those in English) or a command's known
// problem (commandText), else as it is.
func ErrText(err error) string {
	if s := commandText(err); s != "" {
		return s
	}
	if s := dbText(err); s != "" {
		return s
	}
	return err.Error()
}

// dbText says a history database problem in the interface's language ("":
// err is not one).
func dbText(err error) string {
	var de *store.DBError
	if !errors.As(err, &de) {
		return ""
	}
	v := vars{"Path": de.Path}
	switch de.Problem {
	case store.ProblemInUse:
		return lang.L("the history database {{.Path}} is in use by another MultiChat server", v)
	case store.ProblemReadOnly:
		return lang.L("cannot write the history database {{.Path}} (read-only or no permission)", v)
	case store.ProblemDiskFull:
		return lang.L("the disk holding the history database {{.Path}} is full", v)
	case store.ProblemDamaged:
		return lang.L("the history database {{.Path}} is damaged or not a database; move it aside to start a new one", v)
	case store.ProblemDiskIO:
		return lang.L("cannot write the history database {{.Path}} (disk error)", v)
	}
	return ""
}
