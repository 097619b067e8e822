package server

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"testing"

	"github.com/multichat/multichat/net/wire"
)

// splitConn is the peer's side of a socket as a reader sees it: data
// arrives in pieces of random size. Only Read is used.
type splitConn struct {
	net.Conn
	data []byte
	rng  *rand.Rand
}

func (c *splitConn) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.data), 1+c.rng.IntN(600))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// FuzzSourceReader: frames read through a connection's source (the small
// wait buffer, then a pooled bufio.Reader given back whenever it is empty),
// with the stream split at random points, are exactly the frames a plain
// reader gets from the whole stream, with the same final error.
func FuzzSourceReader(f *testing.F) {
	var stream []byte
	for _, m := range []wire.Message{
		wire.Hello{Version: wire.Version, Nick: "alice"},
		wire.Say{Ref: 1, Room: wire.Lobby, Text: "안녕하세요 😀"},
		wire.Ping{Token: 7},
		wire.FileChunk{ID: 3, Data: bytes.Repeat([]byte{0xAB}, 5000)},
		wire.Private{Ref: 2, To: "bob", Text: string(bytes.Repeat([]byte("x"), 300))},
		wire.Quit{},
	} {
		stream = wire.AppendFrame(stream, m)
	}
	f.Add(stream, uint64(1))
	f.Add(stream[:len(stream)-3], uint64(2))
	f.Add([]byte{0, 0, 0, 0}, uint64(3))
	f.Add([]byte{0xFF, 0xFF, 0xFF, 0xFF, 1}, uint64(4))
	f.Add(append(bytes.Repeat([]byte{0, 0, 0, 1, byte(wire.TypeQuit)}, 100), 0, 0), uint64(5))
	const max = 8 << 10
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
		whole := wire.NewReader(bytes.NewReader(data), max)
		src := &source{nc: &splitConn{data: data, rng: rng}}
		defer src.release()
		split := wire.NewReader(src, max)
		for i := 0; ; i++ {
			want, werr := whole.Next()
			var got wire.Frame
			var gerr error
			if !src.buffered() { // as readFrames waits between frames
				if rng.IntN(2) == 0 {
					src.release()
				}
				gerr = src.await()
			}
			if gerr == nil {
				got, gerr = split.Next()
			}
			if fmt.Sprint(werr) != fmt.Sprint(gerr) { // nil, io.EOF, io.ErrUnexpectedEOF, too large (with sizes)…
				t.Fatalf("frame %d: whole stream gives %v, the source %v", i, werr, gerr)
			}
			if werr != nil {
				return
			}
			if got.Type != want.Type || !bytes.Equal(got.Payload, want.Payload) {
				t.Fatalf("frame %d differs through the source", i)
			}
		}
	})
}
