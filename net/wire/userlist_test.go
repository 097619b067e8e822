package wire

import (
	"bytes"
	"testing"
)

// TestAddUser: adding a name to an encoded list gives the bytes of the longer
// list encoded, leaves the original alone, and refuses what is not a plain
// UserList.
func TestAddUser(t *testing.T) {
	lists := []UserList{
		{Room: Lobby, Flags: ListFirst | ListLast},
		{Room: Lobby, Flags: ListLast, Users: []string{"alice"}},
		{Room: "회의실", Flags: ListFirst, Users: []string{"bob", "민수", "carol"}},
	}
	for _, ul := range lists {
		frame := Encode(ul)
		before := bytes.Clone(frame)
		got, ok := AddUser(frame, "지수")
		if !ok {
			t.Fatalf("%+v: refused", ul)
		}
		longer := ul
		longer.Users = append(append([]string(nil), ul.Users...), "지수")
		if want := Encode(longer); !bytes.Equal(got, want) {
			t.Errorf("%+v + 지수:\n got %x\nwant %x", ul, got, want)
		}
		if !bytes.Equal(frame, before) {
			t.Errorf("%+v: the original frame was modified", ul)
		}
	}

	refused := map[string][]byte{
		"with via":  Encode(UserList{Room: Lobby, Users: []string{"a", "b"}, Via: []string{"", ViaClassic}}),
		"joined":    Encode(Joined{Room: Lobby, Users: []string{"a"}}),
		"truncated": Encode(UserList{Room: Lobby, Users: []string{"alice"}})[:12],
		"empty":     nil,
	}
	for name, frame := range refused {
		if out, ok := AddUser(frame, "x"); ok || out != nil {
			t.Errorf("%s: accepted (%x)", name, out)
		}
	}
	full := UserList{Room: Lobby, Users: make([]string, 0xFFFF)}
	if _, ok := AddUser(Encode(full), "x"); ok {
		t.Error("a list of 65535 names took another")
	}
}

// FuzzAddUser: whatever the frame, AddUser either refuses it or returns a
// frame that decodes to the same list with the name added.
func FuzzAddUser(f *testing.F) {
	f.Add(Encode(UserList{Room: Lobby, Flags: ListLast, Users: []string{"alice", "bob"}}), "carol")
	f.Add(Encode(UserList{Room: "r", Users: []string{"a"}, Via: []string{ViaClassic}}), "b")
	f.Fuzz(func(t *testing.T, frame []byte, user string) {
		before := bytes.Clone(frame)
		out, ok := AddUser(frame, user)
		if !bytes.Equal(frame, before) {
			t.Fatal("the frame was modified")
		}
		if !ok {
			return
		}
		m, err := Decode(TypeUserList, frame[5:])
		if err != nil {
			return // AddUser does not validate names; a list that did not decode may still be extended
		}
		got, err := Decode(TypeUserList, out[5:])
		if err != nil {
			if CheckNick(user) == nil {
				t.Fatalf("the extended frame does not decode: %v", err)
			}
			return
		}
		ul, gl := m.(UserList), got.(UserList)
		if gl.Room != ul.Room || gl.Flags != ul.Flags || len(gl.Users) != len(ul.Users)+1 ||
			gl.Users[len(ul.Users)] != user || gl.Via != nil {
			t.Fatalf("%+v + %q decoded as %+v", ul, user, gl)
		}
	})
}
