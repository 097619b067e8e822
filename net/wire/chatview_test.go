package wire

import (
	"testing"
)

// TestViewChat reads what Decode reads, and turns down what Decode refuses.
func TestViewChat(t *testing.T) {
	c := Chat{ID: 7, Time: 1767225600123, Room: "lobby", From: "홍길동", Text: "안녕하세요", Ref: 3}
	f := Encode(c)
	p := f[5:]
	v, ok := ViewChat(p)
	if !ok || v.ID != c.ID || v.Time != c.Time || string(v.Room) != c.Room || string(v.From) != c.From ||
		string(v.Text) != c.Text || v.Ref != c.Ref {
		t.Fatalf("ViewChat = %+v, %v; want %+v", v, ok, c)
	}
	if n := testing.AllocsPerRun(100, func() { ViewChat(p) }); n != 0 {
		t.Errorf("ViewChat allocates %v times", n)
	}
	bad := map[string][]byte{
		"short":    p[:10],
		"cut text": p[:len(p)-6],
		"trailing": append(append([]byte(nil), p...), 0, 0),
		"notice 0": append(append([]byte(nil), p...), 0),
		"notice 2": append(append([]byte(nil), p...), 2),
		"bad utf8": func() []byte { b := append([]byte(nil), p...); b[len(b)-5] = 0xff; return b }(),
	}
	c.Notice = true
	if v, ok := ViewChat(Encode(c)[5:]); !ok || !v.Notice || v.Ref != c.Ref || string(v.Text) != c.Text {
		t.Errorf("ViewChat of a notice = %+v, %v", v, ok)
	}
	for name, b := range bad {
		if _, ok := ViewChat(b); ok {
			t.Errorf("%s: ViewChat accepted it", name)
		}
		if _, err := Decode(TypeChat, b); err == nil {
			t.Errorf("%s: Decode accepted it (the test's payload is wrong)", name)
		}
	}
}

func FuzzViewChat(f *testing.F) {
	f.Add(Encode(Chat{ID: 1, Room: "lobby", From: "a", Text: "b", Ref: 2})[5:])
	f.Add(Encode(Chat{ID: 1, Room: "lobby", From: "a", Text: "b", Ref: 2, Notice: true})[5:])
	f.Fuzz(func(t *testing.T, p []byte) {
		v, ok := ViewChat(p)
		m, err := Decode(TypeChat, p)
		if ok != (err == nil) {
			t.Fatalf("ViewChat ok=%v, Decode err=%v", ok, err)
		}
		if ok {
			c := m.(Chat)
			if string(v.Room) != c.Room || string(v.From) != c.From || string(v.Text) != c.Text || v.Ref != c.Ref || v.ID != c.ID ||
				v.Notice != c.Notice {
				t.Fatalf("ViewChat %+v, Decode %+v", v, c)
			}
		}
	})
}
