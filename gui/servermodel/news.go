package servermodel

import (
	"errors"

	"fyne.io/fyne/v2/lang"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/net/discovery"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/wire"
)

// NewsText words a Notice's facts for the activity log in the interface's
// language ("" for news of a newer version: the Notice's Text says it).
func NewsText(n server.News) string {
	switch n := n.(type) {
	case server.FileOfferNews:
		v := vars{"From": n.From, "File": n.Name, "Size": clientmodel.ByteSize(int64(n.Size)), "Room": RoomName(n.Room), "To": n.To}
		if n.Room == "" {
			return lang.L("{{.From}} offers the file “{{.File}}” ({{.Size}}) to {{.To}}", v)
		}
		return lang.L("{{.From}} offers the file “{{.File}}” ({{.Size}}) to the room {{.Room}}", v)
	case server.FileRelayNews:
		return lang.L("{{.To}} received {{.From}}'s file “{{.File}}” ({{.Size}})",
			vars{"From": n.From, "File": n.Name, "Size": clientmodel.ByteSize(int64(n.Size)), "To": n.To})
	case server.AskedNews:
		v := vars{"Op": n.Op, "Nick": n.Nick, "Server": n.Server}
		if n.Op == "kick" {
			return lang.L("Asked {{.Server}}, where {{.Nick}} is connected, to kick them", v)
		}
		return lang.L("Asked {{.Server}}, where {{.Nick}} is connected, to carry out “{{.Op}}”", v)
	case server.AnnouncedNews:
		return lang.L("Announced on {{.Server}}: {{.Text}}", vars{"Server": n.Server, "Text": n.Text})
	case server.ReleasedNews:
		return lang.L("Released the nickname {{.Nick}} on every server: anyone may take it now", vars{"Nick": n.Nick})
	case server.TopicNews:
		v := vars{"By": n.By, "Room": RoomName(n.Room), "Text": n.Text, "Server": n.Server}
		switch {
		case n.Text == "" && n.Server != "":
			return lang.L("{{.By}} removed the topic of {{.Room}} on {{.Server}}", v)
		case n.Text == "":
			return lang.L("{{.By}} removed the topic of {{.Room}}", v)
		case n.Server != "":
			return lang.L("{{.By}} set the topic of {{.Room}} on {{.Server}}: {{.Text}}", v)
		}
		return lang.L("{{.By}} set the topic of {{.Room}}: {{.Text}}", v)
	case server.OperFailedNews:
		return lang.L("Wrong operator login by {{.Nick}} from {{.Addr}}", vars{"Nick": n.Nick, "Addr": n.Addr})
	}
	return ""
}

// RoomName is how the window names a room: the default lobby in the
// interface's language, any other room as it was named.
func RoomName(room string) string {
	if room == wire.Lobby {
		return lang.L("lobby")
	}
	return room
}

// RefusedWhy says why the server refused a hello, in the interface's
// language (the hub's English Reason for a refusal without facts).
func RefusedWhy(ev server.Refused) string {
	v := vars{"Like": ev.Like}
	switch {
	case ev.Code == wire.RefuseNickTaken && ev.Like == "":
		return lang.L("the nickname is taken")
	case ev.Code == wire.RefuseNickTaken:
		return lang.L("the nickname looks like “{{.Like}}”, which is taken", v)
	case ev.Code == wire.RefuseNickReserved && ev.Like == "":
		return lang.L("the nickname is reserved")
	case ev.Code == wire.RefuseNickReserved:
		return lang.L("the nickname looks like “{{.Like}}”, which is reserved", v)
	case ev.Code == wire.RefuseNickInvalid:
		return lang.L("invalid nickname ({{.Why}})", vars{"Why": clientmodel.NameError(errors.New(ev.Reason))})
	case ev.Code == wire.RefuseBanned:
		return lang.L("banned {{.Until}}: {{.Reason}}", vars{"Until": UntilText(ev.Until, ev.At), "Reason": clientmodel.ServerReason(ev.BanReason)})
	}
	return ev.Reason
}

// lanFailure says why the LAN announcement failed: in English as the
// server says it (with the network interfaces' details), in another
// language in that language's words.
func lanFailure(err error) string {
	switch {
	case clientmodel.English():
		return err.Error()
	case errors.Is(err, discovery.ErrNoInterface):
		return lang.L("LAN announcement failed: no network connection is up; clients must type the address")
	}
	return lang.L("LAN announcement failed: multicast does not work on this network; clients must type the address")
}
