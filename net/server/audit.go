package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// AuditAction names an administrator action in the audit log. The names
// are codes, stored as they are (older logs hold the same words); a window
// words them in its own language.
type AuditAction string

// The actions the audit log records.
const (
	AuditStart    AuditAction = "start"    // Target: the listen address; Detail: the server's name
	AuditStop     AuditAction = "stop"     // Target: the address; Args.Users
	AuditKick     AuditAction = "kick"     // Target: the nickname; Detail: its address, or Args.Server
	AuditBan      AuditAction = "ban"      // Target: the name; Args.Until and what the ban covers
	AuditUnban    AuditAction = "unban"    // Target: the name; Reason: the ban's; what it covered
	AuditMute     AuditAction = "mute"     // Target: the nickname; Args.Until (zero: until unmuted)
	AuditUnmute   AuditAction = "unmute"   // Target: the nickname
	AuditLecture  AuditAction = "lecture"  // Target: the room ("" : every room); Args.On
	AuditTopic    AuditAction = "topic"    // Target: the room; Detail: the topic ("" : removed)
	AuditAnnounce AuditAction = "announce" // Detail: the announcement
	AuditPassword AuditAction = "password" // Args.On: set (true) or removed
	AuditRelease  AuditAction = "release"  // Target: the nickname released
	// Room operators' actions (roomops.go): Args.By is the operator.
	AuditRoomKick AuditAction = "room-kick" // Target: the nickname removed; Args.Room, Args.By (Args.Server: made on another server)
	AuditRoomOp   AuditAction = "room-op"   // Target: the nickname; Args.Room, Args.On (made or unmade), Args.By
	AuditOper     AuditAction = "oper"      // Target: the nickname; Detail: the operator name it logged in with
)

// Audit is one administrator action, as the audit log keeps it.
type Audit struct {
	Time   time.Time
	Action AuditAction
	Target string // the nickname, address or room acted on, or ""
	Reason string
	// Detail is free text the admin or the server chose (the
	// announcement, the topic, the server's name, an address); in entries
	// written before Args existed, the English words of the facts.
	Detail string
	Args   AuditArgs
	// OldWords: read from a log written before Args existed, so the facts
	// are English words in Detail (and Args is empty).
	OldWords bool
}

// AuditArgs are an entry's facts as data, so that a window can word them
// in its own language.
type AuditArgs struct {
	On     bool       `json:"on,omitzero"`     // lecture mode on; password set
	Until  time.Time  `json:"until,omitzero"`  // when a ban or mute ends (zero: for good; a mute: until unmuted)
	Users  int        `json:"users,omitzero"`  // stop: how many users were connected
	Server string     `json:"server,omitzero"` // kick: the server of the cluster the member was on; ban, unban, mute, unmute: the server it was made on (another one)
	Device string     `json:"device,omitzero"` // ban, unban: the device key covered (hex)
	Addr   netip.Addr `json:"addr,omitzero"`   // ban, unban: the address covered
	Nick   string     `json:"nick,omitzero"`   // ban, unban: the nickname covered
	Room   string     `json:"room,omitzero"`   // room-kick, room-op: the room
	By     string     `json:"by,omitzero"`     // room-kick, room-op: the room operator who did it
}

// hasArgs reports whether the action's facts go in Args.
func (a AuditAction) hasArgs() bool {
	switch a {
	case AuditStop, AuditKick, AuditBan, AuditUnban, AuditMute, AuditUnmute, AuditLecture, AuditPassword,
		AuditRoomKick, AuditRoomOp:
		return true
	}
	return false
}

// storedDetail is the detail column of an entry with Args: a JSON object
// with the free text beside the facts.
type storedDetail struct {
	Text string `json:"text,omitzero"`
	AuditArgs
}

// storeDetail is what the store's detail column keeps for e.
func (e Audit) storeDetail() string {
	if !e.Action.hasArgs() {
		return e.Detail
	}
	b, err := json.Marshal(storedDetail{Text: e.Detail, AuditArgs: e.Args})
	if err != nil { // cannot happen: plain fields
		return e.Detail
	}
	return string(b)
}

// auditFrom reads an entry back from the store's columns; a detail that is
// not this version's JSON is older words, kept as they are.
func auditFrom(t time.Time, action, target, reason, detail string) Audit {
	e := Audit{Time: t, Action: AuditAction(action), Target: target, Reason: reason, Detail: detail}
	if !e.Action.hasArgs() {
		return e
	}
	var d storedDetail
	dec := json.NewDecoder(bytes.NewReader([]byte(detail)))
	dec.DisallowUnknownFields()
	if !bytes.HasPrefix([]byte(detail), []byte("{")) || dec.Decode(&d) != nil || dec.More() {
		return oldWords(e)
	}
	e.Detail, e.Args = d.Text, d.AuditArgs
	return e
}

// oldWords reads the facts of an entry written before Args existed from
// its English words where they are plain (lecture on/off, password
// set/removed, users at stop, the server of a kick); the others (a ban's or
// a mute's end) stay words, marked OldWords.
func oldWords(e Audit) Audit {
	switch d := e.Detail; {
	case e.Action == AuditLecture && (d == "on" || d == "off"):
		e.Args.On, e.Detail = d == "on", ""
		if e.Target == "every room" {
			e.Target = ""
		}
	case e.Action == AuditPassword && (d == "set" || d == "removed"):
		e.Args.On, e.Detail = d == "set", ""
	case e.Action == AuditStop:
		if _, err := fmt.Sscanf(d, "%d users were connected", &e.Args.Users); err != nil {
			e.OldWords = true
			break
		}
		e.Detail = ""
	case e.Action == AuditKick:
		if srv, ok := strings.CutPrefix(d, "on "); ok {
			e.Args.Server, e.Detail = srv, ""
		}
	case e.Action == AuditUnmute:
	default:
		e.OldWords = true
	}
	return e
}

// Text says the entry in English on one line, for the headless console and
// logs: "ban mallory — spam (for good; device 1a2b3c4d, nickname mallory)".
func (e Audit) Text() string {
	s := string(e.Action)
	target := e.Target
	if e.Action == AuditLecture && target == "" && !e.OldWords {
		target = "every room"
	}
	if target != "" {
		s += " " + target
	}
	if e.Reason != "" {
		s += " — " + e.Reason
	}
	if d := e.detailText(); d != "" {
		s += " (" + d + ")"
	}
	return s
}

// detailText is the entry's detail in English.
func (e Audit) detailText() string {
	if e.OldWords {
		return e.Detail
	}
	a := e.Args
	switch e.Action {
	case AuditStop:
		return fmt.Sprintf("%d users were connected", a.Users)
	case AuditKick:
		if a.Server != "" {
			return "on " + a.Server
		}
	case AuditBan:
		return UntilText(a.Until, e.Time) + "; " + a.ban().What()
	case AuditUnban:
		return a.ban().What()
	case AuditMute:
		if a.Until.IsZero() {
			return "until unmuted"
		}
		return UntilText(a.Until, e.Time)
	case AuditLecture:
		return map[bool]string{true: "on", false: "off"}[a.On]
	case AuditPassword:
		return map[bool]string{true: "set", false: "removed"}[a.On]
	case AuditRoomKick:
		return roomActText("from “"+a.Room+"” by "+a.By, a.Server)
	case AuditRoomOp:
		what := map[bool]string{true: "made an operator of", false: "no longer an operator of"}[a.On]
		return roomActText(what+" “"+a.Room+"” by "+a.By, a.Server)
	}
	return e.Detail
}

// ban is what a ban entry covers, as a BanInfo (for its What).
func (a AuditArgs) ban() BanInfo {
	return BanInfo{Device: a.Device, Addr: a.Addr, Nick: a.Nick, Until: a.Until}
}

// Ban is what a ban or unban entry covers, as a BanInfo.
func (e Audit) Ban() BanInfo { return e.Args.ban() }
