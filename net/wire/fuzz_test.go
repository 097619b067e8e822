package wire

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzDecode: Decode never panics, and whatever it accepts is in canonical
// form: encoding the decoded value gives back the very same payload, which
// decodes to the same value again.
func FuzzDecode(f *testing.F) {
	for _, m := range samples() {
		frame := Encode(m)
		f.Add(byte(m.Type()), frame[HeaderSize:])
	}
	f.Add(byte(TypeSeedText), []byte("alice::hello"))
	f.Add(byte(TypeUserList), []byte{0, 1, 'r', 3, 0xFF, 0xFF})
	f.Add(byte(TypeSay), []byte{0, 0, 0, 1, 0, 1, 'r', 0, 2, 0xC3, 0x28})
	f.Fuzz(func(t *testing.T, typ byte, payload []byte) {
		m, err := Decode(Type(typ), payload)
		if err != nil {
			var de *DecodeError
			if m != nil || !errors.As(err, &de) || de.Code == 0 || de.Type != Type(typ) {
				t.Fatalf("failed decode returned %#v, %v", m, err)
			}
			return
		}
		if m.Type() != Type(typ) {
			t.Fatalf("decoded a %v from a %v frame", m.Type(), Type(typ))
		}
		frame := AppendFrame(nil, m)
		if FrameLen(frame) != len(frame)-4 || Type(frame[4]) != Type(typ) {
			t.Fatalf("bad re-encoded header % x", frame[:HeaderSize])
		}
		if !bytes.Equal(frame[HeaderSize:], payload) {
			t.Fatalf("re-encoding is not canonical:\n got % x\nwant % x", frame[HeaderSize:], payload)
		}
		again, err := Decode(Type(typ), frame[HeaderSize:])
		if err != nil || !reflect.DeepEqual(again, m) {
			t.Fatalf("decode(encode(m)) = %#v, %v; m = %#v", again, err, m)
		}
		checkStrings(t, reflect.ValueOf(m))
	})
}

// checkStrings fails if any string in v is not valid UTF-8.
func checkStrings(t *testing.T, v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if !utf8.ValidString(v.String()) {
			t.Fatalf("decoded invalid UTF-8 %q", v.String())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			checkStrings(t, v.Field(i))
		}
	case reflect.Slice:
		for i := range v.Len() {
			checkStrings(t, v.Index(i))
		}
	}
}

// chunked hands out its data in pieces whose sizes come from a seeded PRNG,
// like a TCP stream split at random points.
type chunked struct {
	data []byte
	rng  *rand.Rand
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.data), 1+c.rng.IntN(16))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// FuzzReader: a byte stream, split at random points, gives exactly the frames
// and the final error that the unsplit stream gives; Next never panics and
// never returns a frame over the limit; io.EOF comes only at a frame boundary.
func FuzzReader(f *testing.F) {
	var stream []byte
	for _, m := range samples() {
		stream = AppendFrame(stream, m)
	}
	f.Add(stream, uint64(1), uint16(0))
	f.Add(stream, uint64(2), uint16(64))
	f.Add(Encode(Quit{}), uint64(3), uint16(1))
	f.Add([]byte{0, 0, 0, 0, 0x16}, uint64(4), uint16(0))
	f.Add([]byte{0xFF, 0xFF, 0xFF, 0xFF, 0x22}, uint64(5), uint16(0))
	f.Add([]byte{0, 0, 0, 9, 0x22, 1}, uint64(6), uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, seed uint64, max uint16) {
		limit := int(max)
		if limit <= 0 {
			limit = DefaultMaxFrame
		}
		whole := NewReader(bytes.NewReader(data), int(max))
		split := NewReader(&chunked{data: data, rng: rand.New(rand.NewPCG(seed, seed>>7))}, int(max))
		consumed := 0
		for i := 0; ; i++ {
			if i > len(data) {
				t.Fatal("more frames than bytes")
			}
			f1, err1 := whole.Next()
			f2, err2 := split.Next()
			if !sameErr(err1, err2) {
				t.Fatalf("frame %d: whole stream gives %v, split stream %v", i, err1, err2)
			}
			if err1 != nil {
				if err1 == io.EOF && consumed != len(data) {
					t.Fatalf("io.EOF after %d of %d bytes", consumed, len(data))
				}
				if err1 == io.ErrUnexpectedEOF && consumed == len(data) {
					t.Fatal("io.ErrUnexpectedEOF at a frame boundary")
				}
				return
			}
			if f1.Type != f2.Type || !bytes.Equal(f1.Payload, f2.Payload) {
				t.Fatalf("frame %d differs when the stream is split", i)
			}
			if len(f1.Payload)+1 > limit {
				t.Fatalf("frame of %d bytes passed a limit of %d", len(f1.Payload)+1, limit)
			}
			consumed += HeaderSize + len(f1.Payload)
			_, _ = Decode(f1.Type, f1.Payload)
		}
	})
}

func sameErr(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	var ta, tb *FrameTooLargeError
	if errors.As(a, &ta) && errors.As(b, &tb) {
		return *ta == *tb
	}
	return a == b
}

// FuzzNames: the name and text checks never panic; a name that passes
// CheckNick or CheckRoom has an idempotent FoldKey and a look-alike key that
// is its own key and the same for its FoldKey, and obeys the documented
// limits; nothing that passes holds a bidi control; Visible leaves no control
// or bidi control in what it returns.
func FuzzNames(f *testing.F) {
	for _, s := range []string{"alice", "홍길동", "ａｌｉｃｅ", "аlice", "👩‍💻", "🏳️‍🌈", "ß", "ẞ", "İstanbul",
		"ǅ", "ﬁ", "\u0345", "ᾳ", "Ω", "K", "Å", "\u3164", "\u202ebob", "a\u0301", "개발 팀", "x\u200d", "1️⃣",
		"ᏴoᏏ", "Bօb", "ʙob", "lоbby", "PayPaI", "관리자", "゛", "﹘", "evil\u2066txt.exe", "a\x1b[2J"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		nickErr := CheckNick(s)
		roomErr := CheckRoom(s)
		fileErr := CheckFileName(s)
		code, textErr := CheckText(s, DefaultMaxText)
		fk := FoldKey(s)
		sk := SkeletonKeys(s)
		if strings.IndexFunc(s, bidiControl) >= 0 {
			if nickErr == nil || roomErr == nil || fileErr == nil || textErr == nil {
				t.Fatalf("%q holds a bidi control and passed", s)
			}
			if utf8.ValidString(s) && code != CodeBidiControl && !errors.Is(textErr, ErrBadText) &&
				!errors.Is(textErr, ErrEmptyText) && code != CodeTextTooLong {
				t.Fatalf("CheckText(%q) = %v, %v; want CodeBidiControl", s, code, textErr)
			}
		}
		for _, v := range []string{Visible(s), VisibleText(s)} {
			if i := strings.IndexFunc(v, func(r rune) bool {
				return (unicode.IsControl(r) && r != '\n' && r != '\t') || bidiControl(r)
			}); i >= 0 {
				t.Fatalf("Visible(%q) = %q keeps a control", s, v)
			}
		}
		for _, err := range []error{nickErr, roomErr} {
			if err != nil && !errors.Is(err, ErrInvalidName) {
				t.Fatalf("name error %v does not wrap ErrInvalidName", err)
			}
		}
		if nickErr == nil || roomErr == nil {
			if n := utf8.RuneCountInString(s); n < 1 || n > MaxRoomRunes {
				t.Fatalf("%q passed with %d characters", s, n)
			}
			if FoldKey(fk) != fk {
				t.Fatalf("FoldKey not idempotent on %q: %q then %q", s, fk, FoldKey(fk))
			}
			if SkeletonKey(fk) != sk[0] {
				t.Fatalf("SkeletonKey(%q) = %q but SkeletonKey(FoldKey) = %q", s, sk[0], SkeletonKey(fk))
			}
			for _, k := range sk {
				if SkeletonKey(k) != k {
					t.Fatalf("look-alike key of %q not stable: %q then %q", s, k, SkeletonKey(k))
				}
			}
		}
		if nickErr == nil {
			if n := utf8.RuneCountInString(s); n > MaxNickRunes {
				t.Fatalf("nick %q has %d characters", s, n)
			}
			if bytes.ContainsAny([]byte(s), " \t\n\r\x00") {
				t.Fatalf("nick %q holds a space or control", s)
			}
		}
	})
}
