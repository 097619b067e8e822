package servermodel

import (
	"bytes"
	"encoding/csv"

	"fyne.io/fyne/v2/lang"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/net/server"
)

// AuditCSV is the audit log as CSV (RFC 4180, a header row, local times),
// for the Export button: the action's code (the same in every language, for
// scripts), then the action and its detail in the interface's language.
func AuditCSV(entries []server.Audit) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"time", "action", "what", "target", "reason", "detail"})
	for _, e := range entries {
		w.Write([]string{e.Time.Local().Format("2006-01-02 15:04:05"), string(e.Action), AuditAction(e), auditTarget(e),
			e.Reason, AuditDetail(e)})
	}
	w.Flush()
	return b.Bytes()
}

// AuditLine is one audit entry on one line, for the Moderation tab:
// "Banned mallory — spam (for good; device 1a2b3c4d)".
func AuditLine(e server.Audit) string {
	s := AuditAction(e)
	if t := auditTarget(e); t != "" {
		s += " " + t
	}
	if e.Reason != "" {
		s += " — " + clientmodel.ServerReason(e.Reason)
	}
	if d := AuditDetail(e); d != "" {
		s += " (" + d + ")"
	}
	return OneLine(s, MaxLogText)
}

// AuditAction names the entry's action in the interface's language.
func AuditAction(e server.Audit) string {
	on := e.Args.On
	switch e.Action {
	case server.AuditStart:
		return lang.L("Server started")
	case server.AuditStop:
		return lang.L("Server stopped")
	case server.AuditKick:
		return lang.L("Kicked")
	case server.AuditBan:
		return lang.L("Banned")
	case server.AuditUnban:
		return lang.L("Ban lifted")
	case server.AuditMute:
		return lang.L("Muted")
	case server.AuditUnmute:
		return lang.L("Mute lifted")
	case server.AuditLecture:
		if e.OldWords {
			return lang.L("Lecture mode")
		}
		if on {
			return lang.L("Lecture mode started")
		}
		return lang.L("Lecture mode ended")
	case server.AuditTopic:
		if e.Detail == "" {
			return lang.L("Topic removed")
		}
		return lang.L("Topic pinned")
	case server.AuditAnnounce:
		return lang.L("Announced")
	case server.AuditPassword:
		if e.OldWords {
			return lang.L("Password")
		}
		if on {
			return lang.L("Password set")
		}
		return lang.L("Password removed")
	case server.AuditRelease:
		return lang.L("Nickname released")
	case server.AuditRoomKick:
		return lang.L("Room kick")
	case server.AuditRoomOp:
		if on {
			return lang.L("Room operator added")
		}
		return lang.L("Room operator removed")
	case server.AuditOper:
		return lang.L("Operator login")
	}
	return string(e.Action) // a newer version's action
}

// auditTarget is what the action was taken on ("every room" for lecture
// mode everywhere).
func auditTarget(e server.Audit) string {
	switch {
	case e.Action == server.AuditLecture && e.Target == "":
		return lang.L("every room")
	case e.Action == server.AuditLecture || e.Action == server.AuditTopic:
		return RoomName(e.Target)
	}
	return e.Target
}

// AuditDetail says the entry's facts in the interface's language (the
// free text, such as an announcement, as it was written).
func AuditDetail(e server.Audit) string {
	if e.OldWords {
		return e.Detail // an older log's English words
	}
	d := auditFacts(e)
	if s := e.Args.Server; s != "" && e.Action != server.AuditKick {
		on := lang.L("on {{.Server}}", vars{"Server": s})
		if d == "" {
			return on
		}
		return d + "; " + on
	}
	return d
}

func auditFacts(e server.Audit) string {
	a := e.Args
	switch e.Action {
	case server.AuditStop:
		return lang.N("{{.Count}} users were connected", a.Users, vars{"Count": a.Users})
	case server.AuditKick:
		if a.Server != "" {
			return lang.L("on {{.Server}}", vars{"Server": a.Server})
		}
	case server.AuditBan:
		return UntilText(a.Until, e.Time) + "; " + BanWhat(e.Ban())
	case server.AuditUnban:
		return BanWhat(e.Ban())
	case server.AuditMute:
		if a.Until.IsZero() {
			return lang.L("until unmuted")
		}
		return UntilText(a.Until, e.Time)
	case server.AuditRoomKick, server.AuditRoomOp:
		return lang.L("in {{.Room}}, by {{.By}}", vars{"Room": RoomName(a.Room), "By": a.By})
	case server.AuditOper:
		return lang.L("as operator {{.Name}}", vars{"Name": e.Detail})
	}
	return e.Detail
}
