package wire

import (
	"reflect"
	"testing"
)

// optionalFields names the optional trailing field of each type that has
// one (optional.go).
var optionalFields = map[Type]string{TypeSay: "Notice", TypePrivate: "Notice", TypeChat: "Notice",
	TypePrivMsg: "Notice", TypePart: "Reason", TypeQuit: "Reason", TypeLeft: "Text", TypeRoomOps: "By"}

// optionalTail is the size of m's notice mark or leaving words, when set:
// what encoding it takes beyond the same message without it.
func optionalTail(m Message) int {
	field, ok := optionalFields[m.Type()]
	if !ok {
		return 0
	}
	cp := copyOf(m)
	f := cp.Elem().FieldByName(field)
	f.Set(reflect.Zero(f.Type()))
	return len(Encode(m)) - len(Encode(cp.Elem().Interface().(Message)))
}

// TestOptionalFieldsHaveOneEncoding: a notice mark or leaving words equal to
// "absent" written out is refused, and a set one round-trips.
func TestOptionalFieldsHaveOneEncoding(t *testing.T) {
	plain := []Message{Say{Ref: 1, Room: Lobby, Text: "a"}, Private{Ref: 1, To: "b", Text: "a"},
		Chat{ID: 1, Room: Lobby, From: "b", Text: "a"}, PrivMsg{ID: 1, From: "a", To: "b", Text: "c"}}
	for _, m := range plain {
		p := Encode(m)[HeaderSize:]
		for _, mark := range []byte{0, 2, 0xFF} {
			_, err := Decode(m.Type(), append(append([]byte(nil), p...), mark))
			wantCode(t, err, CodeMalformed)
		}
		got, err := Decode(m.Type(), append(append([]byte(nil), p...), 1))
		if err != nil {
			t.Fatalf("%v with the notice mark: %v", m.Type(), err)
		}
		if Encode(got)[HeaderSize] != p[0] || len(Encode(got)) != len(Encode(m))+1 {
			t.Fatalf("%v with the notice mark re-encodes differently: %#v", m.Type(), got)
		}
	}
	for _, m := range []Message{Part{Room: "rust"}, Quit{}, Left{Room: "rust", User: "bob", Reason: LeftParted},
		RoomOps{Room: "rust", Ops: []string{"ann"}}} {
		p := Encode(m)[HeaderSize:]
		_, err := Decode(m.Type(), append(append([]byte(nil), p...), 0, 0)) // an empty str written out
		wantCode(t, err, CodeMalformed)
	}
	for _, m := range []Message{Say{Room: Lobby, Text: "x", Notice: true}, Part{Room: "r", Reason: "gone"},
		Quit{Reason: "bye"}, Left{Room: "r", User: "u", Reason: LeftQuit, Text: "bye"}} {
		got, err := Decode(m.Type(), Encode(m)[HeaderSize:])
		if err != nil || got != m {
			t.Fatalf("%#v decoded as %#v, %v", m, got, err)
		}
	}
	by := RoomOps{Room: "rust", Ops: []string{"ann", "bob"}, By: "ann"}
	if got, err := Decode(by.Type(), Encode(by)[HeaderSize:]); err != nil || !reflect.DeepEqual(got, by) {
		t.Fatalf("%#v decoded as %#v, %v", by, got, err)
	}
}
