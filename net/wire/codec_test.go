package wire

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.hex from the encoder")

// roundTrip encodes m, reads the frame back through a Reader and decodes it.
func roundTrip(t *testing.T, m Message) Message {
	t.Helper()
	frame := Encode(m)
	if got, want := FrameLen(frame), len(frame)-4; got != want {
		t.Fatalf("%T: length field %d, frame has %d bytes after it", m, got, want)
	}
	r := NewReader(bytes.NewReader(frame), 0)
	f, err := r.Next()
	if err != nil {
		t.Fatalf("%T: Next: %v", m, err)
	}
	if f.Type != m.Type() {
		t.Fatalf("%T: type %v, want %v", m, f.Type, m.Type())
	}
	got, err := Decode(f.Type, f.Payload)
	if err != nil {
		t.Fatalf("%T: Decode: %v", m, err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("%T: after the only frame Next gave %v, want io.EOF", m, err)
	}
	return got
}

func TestRoundTripEveryType(t *testing.T) {
	seen := map[Type]bool{}
	for _, m := range samples() {
		seen[m.Type()] = true
		t.Run(fmt.Sprintf("%v/%d", m.Type(), len(Encode(m))), func(t *testing.T) {
			if got := roundTrip(t, m); !reflect.DeepEqual(got, m) {
				t.Fatalf("round trip changed the message:\n got %#v\nwant %#v", got, m)
			}
		})
	}
	for t0 := range 256 {
		typ := Type(t0)
		if _, named := typeNames[typ]; named && !isSeed(typ) && !seen[typ] {
			t.Errorf("no sample of %v (0x%02x)", typ, t0)
		}
	}
}

func isSeed(t Type) bool { return t >= TypeSeedText && t <= TypeSeedCommand }

// TestEmptyListsDecodeAsNil: an empty list has one decoded form, nil, however
// it was built, so decoded values compare equal.
func TestEmptyListsDecodeAsNil(t *testing.T) {
	for _, m := range []Message{
		UserList{Room: "r", Users: []string{}},
		Joined{Room: "r", Users: []string{}},
		RoomList{Rooms: []RoomInfo{}},
		FileChunk{ID: 1, Data: []byte{}},
		RoomOps{Room: "r", Ops: []string{}},
	} {
		got := roundTrip(t, m)
		v := reflect.ValueOf(got)
		for i := range v.NumField() {
			if f := v.Field(i); f.Kind() == reflect.Slice && !f.IsNil() {
				t.Errorf("%T.%s decoded as a non-nil empty slice", got, v.Type().Field(i).Name)
			}
		}
	}
}

func TestLargeFrames(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), MaxChunk/16)
	chunk := FileChunk{ID: 1, Data: data}
	if got := roundTrip(t, chunk); !reflect.DeepEqual(got, chunk) {
		t.Fatal("32 KiB chunk changed in a round trip")
	}
	long := Say{Ref: 1, Room: Lobby, Text: strings.Repeat("가", 20000)} // 60000 bytes
	if got := roundTrip(t, long); !reflect.DeepEqual(got, long) {
		t.Fatal("60 KB say changed in a round trip")
	}
	// One byte over MaxChunk is refused by the decoder.
	over := Encode(FileChunk{ID: 1, Data: append(data, 'x')})
	_, err := Decode(TypeFileChunk, over[HeaderSize:])
	wantCode(t, err, CodeTooLarge)
}

// A stream of every sample, read through readers that hand out data in odd
// pieces, gives back every message; payloads may be reused by the Reader but
// decoded messages own their memory.
func TestStreamThroughChunkedReaders(t *testing.T) {
	var stream []byte
	for _, m := range samples() {
		stream = AppendFrame(stream, m)
	}
	readers := map[string]func(io.Reader) io.Reader{
		"whole":   func(r io.Reader) io.Reader { return r },
		"onebyte": iotest.OneByteReader,
		"half":    iotest.HalfReader,
		"dataerr": iotest.DataErrReader,
		"timeout": func(r io.Reader) io.Reader { return &retryTimeout{iotest.TimeoutReader(r)} },
	}
	for name, wrap := range readers {
		t.Run(name, func(t *testing.T) {
			r := NewReader(wrap(bytes.NewReader(stream)), 0)
			var got []Message
			for range len(samples()) + 1 {
				m, err := r.ReadMessage()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("after %d messages: %v", len(got), err)
				}
				got = append(got, m)
			}
			if !reflect.DeepEqual(got, samples()) {
				t.Fatalf("stream of %d messages came back as %d, or changed", len(samples()), len(got))
			}
		})
	}
}

// retryTimeout retries the single iotest.ErrTimeout a TimeoutReader gives.
type retryTimeout struct{ r io.Reader }

func (r *retryTimeout) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err == iotest.ErrTimeout {
		return r.r.Read(p)
	}
	return n, err
}

// Every strict prefix of a frame: io.EOF only when nothing was read, else
// io.ErrUnexpectedEOF; and every strict prefix of a payload fails to decode
// (except FileChunk, whose data is the rest of the payload).
func TestTruncatedAtEveryOffset(t *testing.T) {
	for _, m := range samples() {
		frame := Encode(m)
		for k := range len(frame) {
			_, err := NewReader(bytes.NewReader(frame[:k]), 0).Next()
			want := io.ErrUnexpectedEOF
			if k == 0 {
				want = io.EOF
			}
			if err != want {
				t.Fatalf("%v cut to %d of %d bytes: err %v, want %v", m.Type(), k, len(frame), err, want)
			}
		}
		payload := frame[HeaderSize:]
		for k := range len(payload) {
			if m.Type() == TypeFileChunk && k >= 8 || hasKey(m) && k == len(payload)-FileKeySize {
				continue // the key is an optional trailing field
			}
			if n := optionalTail(m); n > 0 && k == len(payload)-n {
				continue // without its notice mark or leaving words, the frame is whole
			}
			if k == len(payload)-8 && hasUntil(m) {
				// Without its optional trailing until, the frame is
				// whole: the same message with Until 0.
				got, err := Decode(m.Type(), payload[:k])
				if err != nil || got == nil {
					t.Fatalf("%v without its until: %v", m.Type(), err)
				}
				continue
			}
			got, err := Decode(m.Type(), payload[:k])
			wantCode(t, err, CodeMalformed)
			if got != nil {
				t.Fatalf("%v cut to %d bytes decoded as %#v", m.Type(), k, got)
			}
		}
		if m.Type() != TypeFileChunk {
			_, err := Decode(m.Type(), append(append([]byte(nil), payload...), 0))
			wantCode(t, err, CodeMalformed)
		}
	}
}

// headerOnly serves data but fails the test if more than limit bytes are
// asked for: a Reader must refuse an oversized frame from the header alone.
type headerOnly struct {
	t     *testing.T
	data  []byte
	limit int
	read  int
}

func (h *headerOnly) Read(p []byte) (int, error) {
	if h.read+len(p) > h.limit {
		h.t.Errorf("Reader asked for bytes %d..%d; only the %d-byte length field may be read", h.read, h.read+len(p), h.limit)
		return 0, errors.New("read past the length field")
	}
	n := copy(p, h.data[h.read:])
	h.read += n
	return n, nil
}

func TestOversizedRejectedFromHeader(t *testing.T) {
	for _, tc := range []struct {
		max, size, wantMax int
	}{
		{0, DefaultMaxFrame + 1, DefaultMaxFrame},
		{100, 101, 100},
		{-5, DefaultMaxFrame + 1, DefaultMaxFrame},
		{AbsoluteMaxFrame * 4, AbsoluteMaxFrame + 1, AbsoluteMaxFrame},
		{0, 0xFFFFFFFF, DefaultMaxFrame},
		{0, 0x80000000, DefaultMaxFrame},
	} {
		data := binary.BigEndian.AppendUint32(nil, uint32(tc.size))
		data = append(data, make([]byte, 64)...)
		h := &headerOnly{t: t, data: data, limit: 4}
		_, err := NewReader(h, tc.max).Next()
		var tl *FrameTooLargeError
		if !errors.As(err, &tl) || !errors.Is(err, ErrTooLarge) {
			t.Fatalf("max %d, size %d: err %v, want *FrameTooLargeError", tc.max, tc.size, err)
		}
		if tl.Size != tc.size || tl.Max != tc.wantMax {
			t.Errorf("max %d, size %d: error says size %d max %d", tc.max, tc.size, tl.Size, tl.Max)
		}
		if h.read != 4 {
			t.Errorf("read %d bytes, want exactly the 4-byte length", h.read)
		}
	}
	// At the limit exactly, the frame is read.
	m := Say{Room: Lobby, Text: strings.Repeat("x", 100)}
	frame := Encode(m)
	if _, err := NewReader(bytes.NewReader(frame), FrameLen(frame)).Next(); err != nil {
		t.Fatalf("frame exactly at the limit: %v", err)
	}
	if _, err := NewReader(bytes.NewReader(frame), FrameLen(frame)-1).Next(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("frame one byte over the limit: %v", err)
	}
}

// A peer that announces a large frame and then stalls must not make the
// Reader allocate the announced size.
func TestAnnouncedSizeNotAllocatedUpFront(t *testing.T) {
	const rounds = 8
	data := binary.BigEndian.AppendUint32(nil, AbsoluteMaxFrame)
	data = append(data, byte(TypeFileChunk), 1, 2, 3)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range rounds {
		_, err := NewReader(bytes.NewReader(data), AbsoluteMaxFrame).Next()
		if err != io.ErrUnexpectedEOF {
			t.Fatalf("stalled frame: %v, want io.ErrUnexpectedEOF", err)
		}
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > rounds*(growStep+4096)+(64<<10) {
		t.Fatalf("%d stalled %d-byte frames allocated %d bytes", rounds, AbsoluteMaxFrame, got)
	}
}

func TestEmptyAndMinimalFrames(t *testing.T) {
	_, err := NewReader(bytes.NewReader([]byte{0, 0, 0, 0, 0x16}), 0).Next()
	if err != ErrEmptyFrame {
		t.Fatalf("length 0: %v, want ErrEmptyFrame", err)
	}
	m, err := NewReader(bytes.NewReader([]byte{0, 0, 0, 1, 0x16}), 0).ReadMessage()
	if err != nil || m != (Quit{}) {
		t.Fatalf("length 1 quit: %v %v", m, err)
	}
	// A type byte alone is not a valid frame of a type with fields.
	_, err = NewReader(bytes.NewReader([]byte{0, 0, 0, 1, byte(TypeSay)}), 0).ReadMessage()
	wantCode(t, err, CodeMalformed)
}

func TestUnknownAndSeedTypes(t *testing.T) {
	for t0 := range 256 {
		typ := Type(t0)
		for _, payload := range [][]byte{nil, []byte("alice::hello")} {
			m, err := Decode(typ, payload)
			var de *DecodeError
			switch _, named := typeNames[typ]; {
			case isSeed(typ):
				if !errors.As(err, &de) || de.Code != CodeUnsupported || m != nil {
					t.Fatalf("seed type 0x%02x: %v %v, want CodeUnsupported", t0, m, err)
				}
				if !de.Code.Fatal() {
					t.Fatalf("CodeUnsupported should close the connection")
				}
			case !named:
				if !errors.As(err, &de) || de.Code != CodeUnknownType || m != nil {
					t.Fatalf("type 0x%02x: %v %v, want CodeUnknownType", t0, m, err)
				}
				if !strings.Contains(typ.String(), fmt.Sprintf("0x%02x", t0)) {
					t.Fatalf("unknown type prints as %q", typ)
				}
			}
		}
	}
}

// stringFields returns setters for every string in v (a pointer to a message
// struct), including list entries and RoomInfo names.
func stringFields(v reflect.Value, path string) map[string]func(string) {
	out := map[string]func(string){}
	switch v.Kind() {
	case reflect.Pointer:
		return stringFields(v.Elem(), path)
	case reflect.String:
		out[path] = func(s string) { v.SetString(s) }
	case reflect.Struct:
		for i := range v.NumField() {
			for k, f := range stringFields(v.Field(i), path+"."+v.Type().Field(i).Name) {
				out[k] = f
			}
		}
	case reflect.Slice:
		if v.Len() > 0 {
			for k, f := range stringFields(v.Index(v.Len()-1), path+"[last]") {
				out[k] = f
			}
		}
	}
	return out
}

func TestInvalidUTF8InEveryStringField(t *testing.T) {
	bad := []string{"\xff", "ok\xc3", "\xed\xa0\x80" /* surrogate */, "\xc0\xaf" /* overlong / */, "a\xf4\x90\x80\x80"}
	fields := 0
	for _, m := range samples() {
		name := fmt.Sprintf("%T", m)
		for path := range stringFields(copyOf(m), name) {
			for _, b := range bad {
				cp := copyOf(m)
				stringFields(cp, name)[path](b)
				bm := cp.Elem().Interface().(Message)
				frame := Encode(bm)
				_, err := Decode(bm.Type(), frame[HeaderSize:])
				var de *DecodeError
				if !errors.As(err, &de) || de.Code != CodeInvalidUTF8 {
					t.Fatalf("%s = %q: %v, want CodeInvalidUTF8", path, b, err)
				}
				if !de.Code.Fatal() {
					t.Fatal("invalid UTF-8 should close the connection")
				}
			}
			fields++
		}
	}
	if fields < 40 {
		t.Fatalf("only %d string fields exercised", fields)
	}
	t.Logf("%d string fields, each with %d kinds of invalid UTF-8", fields, len(bad))
}

// copyOf returns a pointer to a settable copy of m.
func copyOf(m Message) reflect.Value {
	cp := reflect.New(reflect.TypeOf(m))
	cp.Elem().Set(reflect.ValueOf(m))
	return cp
}

func TestCountsCheckedBeforeAllocating(t *testing.T) {
	for _, tc := range []struct {
		typ     Type
		payload []byte
	}{
		{TypeUserList, append([]byte{0, 1, 'r', ListFirst}, 0xFF, 0xFF)},
		{TypeJoined, append(make([]byte, 8), 0, 1, 'r', 0xFF, 0xFF, 0, 0)},
		{TypeRoomList, []byte{ListFirst, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0}},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range 10 {
			if _, err := Decode(tc.typ, tc.payload); err == nil {
				t.Fatalf("%v with count 65535 decoded", tc.typ)
			}
		}
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > 10*2048 {
			t.Errorf("%v with an impossible count: 10 decodes allocated %d bytes", tc.typ, got)
		}
	}
}

func TestErrorCodes(t *testing.T) {
	fatal := map[ErrorCode]bool{CodeMalformed: true, CodeTooLarge: true, CodeInvalidUTF8: true,
		CodeUnknownType: true, CodeUnsupported: true}
	for c := ErrorCode(1); c <= CodeUnsupported; c++ {
		if _, ok := codeNames[c]; !ok {
			t.Errorf("code %d has no name", c)
		}
		if c.Fatal() != fatal[c] {
			t.Errorf("%v: Fatal() = %v", c, c.Fatal())
		}
	}
	if ErrorCode(999).Fatal() || ErrorCode(999).String() != "error 999" {
		t.Error("unknown error code")
	}
	for c := RefuseNickTaken; c <= RefuseHandshake; c++ {
		if strings.HasPrefix(c.String(), "refused (") {
			t.Errorf("refuse code %d has no name", c)
		}
	}
	for r := LeftQuit; r <= LeftProtocol; r++ {
		if strings.HasPrefix(r.String(), "left (") {
			t.Errorf("left reason %d has no name", r)
		}
	}
}

func wantCode(t *testing.T, err error, code ErrorCode) {
	t.Helper()
	var de *DecodeError
	if !errors.As(err, &de) || de.Code != code {
		t.Fatalf("err %v, want a DecodeError with code %v", err, code)
	}
}

// Golden frames: hand-checked encodings (see PROTOCOL.md's worked example).
// go test ./net/wire -run Golden -update rewrites them from the encoder.
var golden = map[string]Message{
	"hello_korean":    Hello{Version: 1, Nick: "홍길동"},
	"chat_korean":     Chat{ID: 1, Time: 1767225600123, Room: "lobby", From: "홍길동", Text: "안녕하세요", Ref: 3},
	"userlist":        UserList{Room: "lobby", Flags: ListFirst | ListLast, Users: []string{"alice", "bob"}},
	"refused_taken":   Refused{Code: RefuseNickTaken, Text: "taken"},
	"kicked":          Kicked{Reason: "spam", By: "admin"},
	"removed":         Removed{Time: 1767225600123, User: "bob", Reason: "spam"},
	"left_kicked":     Left{Time: 1767225600123, Room: "lobby", User: "bob", Reason: LeftKicked},
	"error_not_in":    Error{Code: CodeNotInRoom, Ref: 9, Text: "not in room"},
	"say_kick_is_txt": Say{Ref: 2, Room: "lobby", Text: "[kick]"},
	"room_kicked":     RoomKicked{Time: 1767225600123, Room: "dev", User: "bob", By: "alice", Reason: "spam"},
	"room_op":         RoomOp{Room: "dev", User: "bob", On: true},
	"room_ops":        RoomOps{Room: "dev", Ops: []string{"alice", "bob"}},
	"room_ops_by":     RoomOps{Room: "dev", Ops: []string{"alice", "bob"}, By: "alice"},
}

func TestGolden(t *testing.T) {
	for name, m := range golden {
		path := filepath.Join("testdata", "golden", name+".hex")
		frame := Encode(m)
		if *update {
			body := fmt.Sprintf("# %T %+v\n%s", m, m, hexLines(frame))
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		want := parseHex(t, string(raw))
		if !bytes.Equal(frame, want) {
			t.Errorf("%s: encoder gives\n%s\nfile holds\n%s", name, hexLines(frame), hexLines(want))
		}
		got, err := NewReader(bytes.NewReader(want), 0).ReadMessage()
		if err != nil || !reflect.DeepEqual(got, m) {
			t.Errorf("%s: file decodes as %#v, %v", name, got, err)
		}
	}
}

func hexLines(b []byte) string {
	var s strings.Builder
	for len(b) > 0 {
		n := min(16, len(b))
		for i, c := range b[:n] {
			if i > 0 {
				s.WriteByte(' ')
			}
			fmt.Fprintf(&s, "%02x", c)
		}
		s.WriteByte('\n')
		b = b[n:]
	}
	return s.String()
}

// parseHex reads hex digits, ignoring whitespace and lines starting with #.
func parseHex(t *testing.T, s string) []byte {
	t.Helper()
	var digits strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		digits.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(digits.String())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A version 1 hello (nickname only) still decodes, so that the server can
// refuse it with RefuseVersion instead of a malformed-frame error.
func TestHelloVersion1Decodes(t *testing.T) {
	frame := Encode(Hello{Version: 1, Nick: "old", Password: "not sent"})
	m, err := Decode(TypeHello, frame[HeaderSize:])
	if err != nil {
		t.Fatal(err)
	}
	if h := m.(Hello); h.Version != 1 || h.Nick != "old" || h.Password != "" || h.Device != [32]byte{} {
		t.Fatalf("decoded %+v", h)
	}
	// A version 2 hello without the device fields is malformed.
	short := Encode(Hello{Version: 1, Nick: "old"})
	short[HeaderSize+1] = 2
	if _, err := Decode(TypeHello, short[HeaderSize:]); err == nil {
		t.Fatal("a version 2 hello without device key and proof decoded")
	}
}

// hasUntil reports a message whose optional trailing until is set.
func hasUntil(m Message) bool {
	switch m := m.(type) {
	case Refused:
		return m.Until != 0
	case Error:
		return m.Until != 0
	}
	return false
}

// hasKey reports whether m is an offer carrying its optional trailing key.
func hasKey(m Message) bool {
	switch m := m.(type) {
	case FileOffer:
		return m.Key != [FileKeySize]byte{}
	case FileOffered:
		return m.Key != [FileKeySize]byte{}
	}
	return false
}

// TestReaderReadInto: a Reader given ReadInto reads the payloads it is given
// a buffer for into that buffer, the others into its own; the frames are the
// same either way.
func TestReaderReadInto(t *testing.T) {
	var stream []byte
	chunk := FileChunk{ID: 7, Data: bytes.Repeat([]byte{0xab}, MaxChunk)}
	for _, m := range []Message{Chat{ID: 1, From: "bob", Room: Lobby, Text: "hi"}, chunk, FileChunk{ID: 8, Data: []byte("x")}} {
		stream = AppendFrame(stream, m)
	}
	mine := make([]byte, 8+MaxChunk)
	asked := 0
	r := NewReader(bytes.NewReader(stream), 0)
	r.ReadInto(func(typ Type, n int) []byte {
		if typ != TypeFileChunk || n != len(mine) {
			return nil
		}
		asked++
		return mine
	})
	var got []Message
	for {
		f, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if f.Type == TypeFileChunk && len(f.Payload) == len(mine) && &f.Payload[0] != &mine[0] {
			t.Fatal("the chunk was not read into the buffer given")
		}
		m, err := Decode(f.Type, f.Payload)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	if asked != 1 || len(got) != 3 || !bytes.Equal(got[1].(FileChunk).Data, chunk.Data) || string(got[2].(FileChunk).Data) != "x" {
		t.Fatalf("asked %d times, got %d frames", asked, len(got))
	}
}
