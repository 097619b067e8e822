package server

import (
	"bufio"
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
)

// TestPortGatewayUsers: a user brought by a gateway through a Port is a
// member like any other, marked in the lists, counted against its client's
// address; a stopped server refuses the Dial.
func TestPortGatewayUsers(t *testing.T) {
	port := NewPort()
	cfg := testConfig()
	cfg.MaxPerIP = 1
	cfg.Port = port
	h := startServer(t, cfg)
	bob := join(t, h.addr, "bob")

	remote := netip.MustParseAddrPort("192.0.2.7:4000")
	nc, err := port.Dial(context.Background(), remote, wire.ViaIRC)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	gw := &client{t: t, nc: nc, r: wire.NewReader(bufio.NewReader(nc), wire.AbsoluteMaxFrame), dev: trust.NewDeviceKey()}
	if m := gw.hello("ann"); m.Type() != wire.TypeWelcome {
		t.Fatalf("gateway user got %+v", m)
	}
	gw.readList(wire.Lobby)
	ev, _ := h.waitFor(0, func(e Event) bool { j, ok := e.(UserJoined); return ok && j.Nick == "ann" }, "ann joined")
	if j := ev.(UserJoined); j.Via != wire.ViaIRC || j.Addr != remote {
		t.Errorf("UserJoined = %+v, want ann via irc from %v", j, remote)
	}
	if j := expect[wire.Joined](bob); !slices.Equal(j.Users, []string{"ann"}) || !slices.Equal(j.Via, []string{"irc"}) {
		t.Errorf("bob got %+v", j)
	}
	carol := dial(t, h.addr)
	carol.hello("carol")
	ul := expect[wire.UserList](carol)
	if !slices.Equal(ul.Users, []string{"bob", "ann", "carol"}) || !slices.Equal(ul.Via, []string{"", "irc", ""}) {
		t.Errorf("carol's list %+v", ul)
	}

	// The per-address limit counts the gateway client's own address.
	nc2, err := port.Dial(context.Background(), remote, wire.ViaIRC)
	if err != nil {
		t.Fatal(err)
	}
	defer nc2.Close()
	second := &client{t: t, nc: nc2, r: wire.NewReader(nc2, 0), dev: trust.NewDeviceKey()}
	if r := expect[wire.Refused](second); r.Code != wire.RefuseTooManyFrom {
		t.Errorf("second from one address: %+v", r)
	}

	// Chat flows both ways; a kick reaches it.
	gw.send(wire.Say{Ref: 1, Room: wire.Lobby, Text: "hi"})
	if c := until[wire.Chat](bob); c.From != "ann" || c.Text != "hi" {
		t.Errorf("bob got %+v", c)
	}
	h.send(Kick{Nick: "ann", Reason: "test"})
	if k := until[wire.Kicked](gw); k.Reason != "test" {
		t.Errorf("kick %+v", k)
	}

	h.send(Stop{})
	waitEvent[Stopped](h)
	if _, err := port.Dial(context.Background(), remote, "irc"); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Dial while stopped: %v", err)
	}
	h.close()
	if _, err := port.Dial(context.Background(), remote, "irc"); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Dial after Run: %v", err)
	}
}
