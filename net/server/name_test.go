package server

import (
	"strings"
	"testing"

	"github.com/multichat/multichat/net/wire"
)

// TestStartWithName: a Start that names the server changes the name clients
// are welcomed with (and Started reports it); a Start without a name keeps
// it; an invalid name fails the Start.
func TestStartWithName(t *testing.T) {
	s := NewTestServer(t, Config{Name: "From Config"})
	s.Stop()
	s.Do(Start{Addr: "127.0.0.1:0", Name: "Room 7 (지민)"})
	st := WaitEvent[Started](s)
	if st.Name != "Room 7 (지민)" {
		t.Fatalf("started %+v", st)
	}
	c := dial(t, st.Addr)
	if w, ok := c.hello("alice").(wire.Welcome); !ok || w.Server != "Room 7 (지민)" {
		t.Fatalf("welcome %+v", w)
	}
	s.Stop()
	s.Start("127.0.0.1:0")
	c = dial(t, s.Addr)
	if w, ok := c.hello("bob").(wire.Welcome); !ok || w.Server != "Room 7 (지민)" {
		t.Fatalf("after a Start without a name: %+v", w)
	}
	s.Stop()
	s.Do(Start{Addr: "127.0.0.1:0", Name: strings.Repeat("x", 256)})
	if e := WaitEvent[Error](s); e.Op != "start" || !strings.Contains(e.Err.Error(), "server name") {
		t.Fatalf("error %+v", e)
	}
}
