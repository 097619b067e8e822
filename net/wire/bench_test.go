package wire

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// benchChat is a Chat whose frame carries 100 bytes of text.
var benchChat = Chat{ID: 123456, Time: 1767225600123, Room: Lobby, From: "홍길동",
	Text: strings.Repeat("0123456789", 10), Ref: 42}

// BenchmarkAppendFrameChat: encoding a broadcast frame into a reused buffer
// (the server encodes each broadcast once into its own buffer).
func BenchmarkAppendFrameChat(b *testing.B) {
	var m Message = benchChat
	buf := AppendFrame(nil, m)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendFrame(buf[:0], m)
	}
}

// BenchmarkAppendFrameChatValue passes the Chat as a struct value on every
// call, as code that builds a fresh message per send does: the conversion to
// the Message interface costs one allocation.
func BenchmarkAppendFrameChatValue(b *testing.B) {
	buf := AppendFrame(nil, benchChat)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		c := benchChat
		c.ID++
		buf = AppendFrame(buf[:0], c)
	}
}

// repeat is an endless stream of one frame.
type repeat struct {
	frame []byte
	off   int
}

func (r *repeat) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], r.frame[r.off:])
		n += k
		r.off = (r.off + k) % len(r.frame)
	}
	return n, nil
}

// BenchmarkReadDecodeChat: Reader.Next then Decode of a 100-byte Chat, as a
// client receives it.
func BenchmarkReadDecodeChat(b *testing.B) {
	frame := Encode(benchChat)
	r := NewReader(&repeat{frame: frame}, 0)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := r.Next()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Decode(f.Type, f.Payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReaderNext: framing alone, without decoding.
func BenchmarkReaderNext(b *testing.B) {
	frame := Encode(benchChat)
	r := NewReader(&repeat{frame: frame}, 0)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Next(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeSay: what the server decodes per incoming chat message.
func BenchmarkDecodeSay(b *testing.B) {
	frame := Encode(Say{Ref: 1, Room: Lobby, Text: benchChat.Text})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(TypeSay, frame[HeaderSize:]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadFileChunk: a full 32 KiB chunk through the Reader.
func BenchmarkReadFileChunk(b *testing.B) {
	frame := Encode(FileChunk{ID: 1, Data: bytes.Repeat([]byte{7}, MaxChunk)})
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewReader(bytes.NewReader(frame), 0).ReadMessage(); err != nil && err != io.EOF {
			b.Fatal(err)
		}
	}
}

var benchNicks = map[string]string{"ascii": "alice_1984", "korean": "홍길동", "emoji": "👩‍💻coder", "cyrillic": "Дмитрий"}

func BenchmarkCheckNick(b *testing.B) {
	for name, nick := range benchNicks {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := CheckNick(nick); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkFoldKey(b *testing.B) {
	for name, nick := range benchNicks {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = FoldKey(nick)
			}
		})
	}
}

func BenchmarkSkeletonKeys(b *testing.B) {
	shapeCapitals() // computed once per process, as a server does when it starts
	for name, nick := range benchNicks {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = SkeletonKeys(nick)
			}
		})
	}
}

// BenchmarkVisible is the client's cost per name or text it reports: clean
// input (the usual case) is returned as it is, without allocating.
func BenchmarkVisible(b *testing.B) {
	for name, s := range map[string]string{"ascii": "hello, how are you?", "korean": "안녕하세요 여러분 👋",
		"rtl": "שלום \u200Fעולם", "hostile": "evil\u202Etxt.exe \x1b[2J"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = VisibleText(s)
			}
		})
	}
}

func BenchmarkCheckText(b *testing.B) {
	text := strings.Repeat("안녕하세요 hello ", 6)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CheckText(text, DefaultMaxText); err != nil {
			b.Fatal(err)
		}
	}
}
