package servermodel

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/multichat/multichat/net/server"
)

// Moderation as the server window shows it: the bans in force, the audit
// log (earlier runs included), who is muted, lecture mode and topics.

// MaxAudit is how many audit entries the window keeps.
const MaxAudit = 5000

// Moderation is the model's moderation state.
type Moderation struct {
	Bans     []server.BanInfo
	Audit    []server.Audit       // oldest first
	AuditErr error                // the earlier runs' log could not be read
	Muted    map[string]time.Time // nickname → when the mute ends (zero: when unmuted)
	Lecture  map[string]bool      // room ("" : every room) → lecture mode on
	Topics   map[string]string    // room → pinned topic
}

// ModChanges says which moderation views to redraw.
type ModChanges struct{ Bans, Audit, Users bool }

// Choice is a length of time the admin picks for a ban or a mute.
type Choice struct {
	label func() string                 // in the interface's language
	Until func(now time.Time) time.Time // zero: for good (ban) or until the admin ends it (mute)
}

// Label is the choice as the selector shows it.
func (c Choice) Label() string { return c.label() }

func after(d time.Duration) func(time.Time) time.Time {
	return func(now time.Time) time.Time { return now.Add(d) }
}

func forGood(time.Time) time.Time { return time.Time{} }

// BanChoices are the lengths of a ban, shortest first.
var BanChoices = []Choice{
	{func() string { return lang.L("10 minutes") }, after(10 * time.Minute)},
	{func() string { return lang.L("1 hour") }, after(time.Hour)},
	{func() string { return lang.L("Today") }, server.EndOfDay},
	{func() string { return lang.L("Permanently") }, forGood},
}

// MuteChoices are the lengths of a mute.
var MuteChoices = []Choice{
	{func() string { return lang.L("10 minutes") }, after(10 * time.Minute)},
	{func() string { return lang.L("1 hour") }, after(time.Hour)},
	{func() string { return lang.L("Today") }, server.EndOfDay},
	{func() string { return lang.L("Until I unmute") }, forGood},
}

// ChoiceUntil returns the end the choice labelled label gives at now, and
// whether there is such a choice.
func ChoiceUntil(choices []Choice, label string, now time.Time) (time.Time, bool) {
	for _, c := range choices {
		if c.Label() == label {
			return c.Until(now), true
		}
	}
	return time.Time{}, false
}

// ChoiceLabels are the choices' labels, for a selector.
func ChoiceLabels(choices []Choice) []string {
	out := make([]string, len(choices))
	for i, c := range choices {
		out[i] = c.Label()
	}
	return out
}

// applyModeration folds a moderation event into the state.
func (m *Model) applyModeration(ev server.Event) (ch ModChanges, ok bool) {
	mod := &m.Mod
	switch ev := ev.(type) {
	case server.Bans:
		mod.Bans, ch.Bans = ev.List, true
	case server.AuditLog:
		mod.Audit = append(slices.Clone(ev.Entries), mod.Audit...)
		mod.AuditErr, ch.Audit = ev.Err, true
		if ev.Err != nil {
			m.Log(time.Now(), Warn, lang.L("The audit log of earlier runs could not be read: {{.Why}}", vars{"Why": ErrText(ev.Err)}))
		}
	case server.Audited:
		switch ev.Entry.Action {
		case server.AuditUnmute, server.AuditStart, server.AuditStop: // MuteChanged, Started and Stopped say it
		default:
			m.Log(ev.Entry.Time, Notice, AuditLine(ev.Entry))
		}
		mod.Audit = append(mod.Audit, ev.Entry)
		if len(mod.Audit) > MaxAudit+MaxAudit/10 {
			mod.Audit = slices.Clone(mod.Audit[len(mod.Audit)-MaxAudit:])
		}
		ch.Audit = true
	case server.MuteChanged:
		if mod.Muted == nil {
			mod.Muted = map[string]time.Time{}
		}
		if ev.On {
			mod.Muted[ev.Nick] = ev.Until
		} else {
			delete(mod.Muted, ev.Nick)
			m.Log(ev.At, Notice, lang.L("{{.Nick}} may speak again", vars{"Nick": ev.Nick}))
		}
		ch.Users = true
	case server.LectureChanged:
		if mod.Lecture == nil {
			mod.Lecture = map[string]bool{}
		}
		mod.Lecture[ev.Room] = ev.On
	case server.TopicChanged:
		if mod.Topics == nil {
			mod.Topics = map[string]string{}
		}
		mod.Topics[ev.Room] = ev.Text
	default:
		return ch, false
	}
	return ch, true
}

// ActiveBans are the bans that have not ended at now.
func (m *Model) ActiveBans(now time.Time) []server.BanInfo {
	out := make([]server.BanInfo, 0, len(m.Mod.Bans))
	for _, b := range m.Mod.Bans {
		if b.Until.IsZero() || now.Before(b.Until) {
			out = append(out, b)
		}
	}
	return out
}

// MuteTag is what the user list adds after a muted user's nickname.
func (m *Model) MuteTag(nick string, now time.Time) string {
	until, ok := m.Mod.Muted[nick]
	switch {
	case !ok:
		return ""
	case until.IsZero():
		return " · " + lang.L("muted")
	case !now.Before(until):
		return ""
	}
	return " · " + lang.L("muted {{.Until}}", vars{"Until": UntilText(until, now)})
}

// ModState says where lecture mode is on and which topics are pinned, for
// the Moderation tab ("" : neither).
func (m *Model) ModState() string {
	var parts []string
	rooms := make([]string, 0, len(m.Mod.Lecture))
	for r, on := range m.Mod.Lecture {
		if on {
			rooms = append(rooms, r) // "" (every room) sorts first
		}
	}
	slices.Sort(rooms)
	if len(rooms) > 0 {
		names := make([]string, len(rooms))
		for i, r := range rooms {
			names[i] = RoomName(r)
		}
		if rooms[0] == "" {
			names[0] = lang.L("every room")
		}
		where := strings.Join(names, ", ")
		parts = append(parts, lang.L("Lecture mode on in {{.Where}}.", vars{"Where": where}))
	}
	topics := make([]string, 0, len(m.Mod.Topics))
	for r, t := range m.Mod.Topics {
		if t != "" {
			topics = append(topics, fmt.Sprintf("%s: %s", RoomName(r), OneLine(t, 80)))
		}
	}
	slices.Sort(topics)
	if len(topics) > 0 {
		parts = append(parts, lang.L("Topics — {{.List}}", vars{"List": strings.Join(topics, "; ")}))
	}
	return strings.Join(parts, " ")
}

// IsMuted reports whether nick is muted now.
func (m *Model) IsMuted(nick string) bool { _, ok := m.Mod.Muted[nick]; return ok }

// modTitles are the error dialogs' titles of the moderation commands.
var modTitles = map[string]func() string{
	"ban":        func() string { return lang.L("Could not ban") },
	"unban":      func() string { return lang.L("Could not lift the ban") },
	"mute":       func() string { return lang.L("Could not mute") },
	"unmute":     func() string { return lang.L("Could not unmute") },
	"lecture":    func() string { return lang.L("Could not change lecture mode") },
	"topic":      func() string { return lang.L("Could not change the topic") },
	"bans":       func() string { return lang.L("Could not read the bans") },
	"moderation": func() string { return lang.L("Could not save a moderation change") },
}

// UntilText says when a ban or a mute ends, in the interface's language:
// "for good", "until 14:30", "until 3 Dec 14:30".
func UntilText(until, now time.Time) string {
	switch {
	case until.IsZero():
		return lang.L("for good")
	case until.Year() == now.Year() && until.YearDay() == now.YearDay():
		return lang.L("until {{.Time}}", vars{"Time": until.Format("15:04")})
	}
	return lang.L("until {{.Time}}", vars{"Time": until.Format(lang.L("2 Jan 15:04"))})
}

// BanWhat says what a ban covers: the device, the address, the nickname.
func BanWhat(b server.BanInfo) string {
	var parts []string
	if b.Device != "" {
		parts = append(parts, lang.L("device {{.ID}}", vars{"ID": b.Device[:min(8, len(b.Device))]}))
	}
	if b.Addr.IsValid() {
		parts = append(parts, b.Addr.String())
	}
	if b.Nick != "" {
		parts = append(parts, lang.L("nickname {{.Nick}}", vars{"Nick": b.Nick}))
	}
	return strings.Join(parts, ", ")
}
