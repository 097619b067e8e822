package discovery_test

import (
	"fmt"

	"github.com/multichat/multichat/net/discovery"
	"github.com/multichat/multichat/net/wire"
)

// The connect form's use of List (the form words Status in the interface's
// language; String is the English): its pump applies the browser's events
// (from discovery.Browse, started by cmd/chatclient while the form is shown)
// and refreshes the list when Apply says something changed. A row shows
// Title, Addr, People and a lock when Locked; a click connects to Addr and
// remembers Instance, so that Moved can send client.Redirect when the
// server reappears elsewhere.
func ExampleList() {
	var l discovery.List
	fmt.Println(l.Status())
	events := []discovery.Event{
		{Kind: discovery.Searched},
		{Kind: discovery.Found, Server: discovery.Server{Instance: "Room 7", Addr: "192.168.0.23:7878",
			Addrs: []string{"192.168.0.23:7878"}, Info: discovery.Info{Name: "Room 7", Version: wire.Version, People: 12, Password: true}}},
	}
	for _, ev := range events {
		l.Apply(ev)
	}
	fmt.Println(l.Status())
	for i := range l.Len() {
		s := l.At(i)
		fmt.Printf("%s | %s · %d online | locked %v\n", s.Title(), s.Addr, s.People, s.Locked())
	}
	// Connected to Room 7 at 192.168.0.23:7878; after a DHCP change:
	moved := discovery.Event{Kind: discovery.Updated, Server: discovery.Server{Instance: "Room 7",
		Addr: "192.168.0.41:7878", Addrs: []string{"192.168.0.41:7878"}}}
	if addr, ok := discovery.Moved(moved, "Room 7", "192.168.0.23:7878"); ok {
		fmt.Println("send client.Redirect{Addr:", addr+"}")
	}
	l.Apply(discovery.Event{Kind: discovery.Lost, Server: discovery.Server{Instance: "Room 7"}})
	fmt.Println(l.Status())
	// Output:
	// Looking for servers on this network…
	// 1 server found on this network
	// Room 7 | 192.168.0.23:7878 · 12 online | locked true
	// send client.Redirect{Addr: 192.168.0.41:7878}
	// No servers found on this network; type the address the admin shows
}
