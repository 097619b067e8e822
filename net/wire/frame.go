package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Version is the protocol version this package speaks: 2 adds TLS, the
// challenge, the device proof and the password (PROTOCOL.md section 8).
const Version = 2

// HeaderSize is the size of a frame header: a 4-byte big-endian length of what
// follows (type byte + payload), then the 1-byte type.
const HeaderSize = 5

// DefaultMaxFrame is the default largest value of a frame's length field
// (type byte + payload).
const DefaultMaxFrame = 64 << 10

// AbsoluteMaxFrame bounds any configured frame limit.
const AbsoluteMaxFrame = 16 << 20

// smallBuf is the payload buffer a Reader keeps between frames; larger frames
// get a buffer of their own that is not retained, so an idle connection that
// once received a big frame does not keep it alive.
const smallBuf = 512

var (
	// ErrEmptyFrame means a length field of 0: a frame must hold its type byte.
	ErrEmptyFrame = errors.New("wire: empty frame (length 0)")
	// ErrTooLarge is wrapped by *FrameTooLargeError.
	ErrTooLarge = errors.New("wire: frame too large")
)

// FrameTooLargeError reports a length field above the reader's limit. It is
// returned before any of the payload is read or allocated.
type FrameTooLargeError struct {
	Size, Max int
}

func (e *FrameTooLargeError) Error() string {
	return fmt.Sprintf("wire: frame of %d bytes exceeds the limit of %d", e.Size, e.Max)
}

func (e *FrameTooLargeError) Unwrap() error { return ErrTooLarge }

// Frame is one undecoded frame. Payload aliases the Reader's buffer and is
// valid only until the next call to Next.
type Frame struct {
	Type    Type
	Payload []byte
}

// Reader reads frames from a stream, enforcing a size limit from the header
// before allocating or reading the payload.
type Reader struct {
	r     io.Reader
	max   int
	hdr   [HeaderSize]byte
	small []byte
	into  func(t Type, n int) []byte
}

// ReadInto makes the Reader ask into for the buffer of each frame's payload
// once its header is read: into gets the type and the payload's length and
// returns a slice of exactly that length, which the payload is read into
// whole, or nil for the Reader's own buffer. A relay uses it to read a frame
// straight into a pooled buffer it can forward without copying.
func (r *Reader) ReadInto(into func(t Type, n int) []byte) { r.into = into }

// NewReader returns a Reader that refuses frames whose length field exceeds
// max (DefaultMaxFrame when max <= 0).
func NewReader(r io.Reader, max int) *Reader {
	if max <= 0 {
		max = DefaultMaxFrame
	}
	if max > AbsoluteMaxFrame {
		max = AbsoluteMaxFrame
	}
	return &Reader{r: r, max: max}
}

// Next reads one frame. It returns io.EOF only at a frame boundary; a stream
// that ends inside a frame gives io.ErrUnexpectedEOF.
func (r *Reader) Next() (Frame, error) {
	if _, err := io.ReadFull(r.r, r.hdr[:4]); err != nil {
		return Frame{}, err
	}
	n := int(binary.BigEndian.Uint32(r.hdr[:4]))
	if n == 0 {
		return Frame{}, ErrEmptyFrame
	}
	if n > r.max || n < 0 {
		return Frame{}, &FrameTooLargeError{Size: n, Max: r.max}
	}
	if _, err := io.ReadFull(r.r, r.hdr[4:5]); err != nil {
		return Frame{}, unexpected(err)
	}
	var buf []byte
	var err error
	if r.into != nil {
		if buf = r.into(Type(r.hdr[4]), n-1); buf != nil {
			_, err = io.ReadFull(r.r, buf)
		}
	}
	if buf == nil {
		buf, err = r.payload(n - 1)
	}
	if err != nil {
		return Frame{}, unexpected(err)
	}
	return Frame{Type: Type(r.hdr[4]), Payload: buf}, nil
}

// growStep is the first allocation for a payload larger than smallBuf. A
// bigger payload's buffer grows at most fourfold per step as its bytes
// arrive, so a peer that announces a large frame and then sends nothing costs
// growStep bytes, not the whole announced size.
const growStep = 16 << 10

// payload reads an n-byte payload.
func (r *Reader) payload(n int) ([]byte, error) {
	if n <= smallBuf {
		if r.small == nil {
			r.small = make([]byte, smallBuf)
		}
		buf := r.small[:n]
		_, err := io.ReadFull(r.r, buf)
		return buf, err
	}
	buf := make([]byte, min(n, growStep))
	got := 0
	for {
		k, err := io.ReadFull(r.r, buf[got:])
		got += k
		if err != nil {
			return nil, err
		}
		if got == n {
			return buf, nil
		}
		grown := make([]byte, min(n, 4*len(buf)))
		copy(grown, buf)
		buf = grown
	}
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// AppendFrame appends m as a complete frame (header and payload) to dst. It
// does not check the peer's limit: a message whose frame is longer than the
// peer's MaxFrame is refused by the peer (and closes the connection), so
// senders keep text within Welcome.MaxText and chunks within MaxChunk.
func AppendFrame(dst []byte, m Message) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, byte(m.Type()))
	dst = m.appendPayload(dst)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst
}

// Encode returns m as a new frame.
func Encode(m Message) []byte {
	return AppendFrame(make([]byte, 0, 64), m)
}

// FrameLen reports the value of the length field of an encoded frame.
func FrameLen(frame []byte) int {
	if len(frame) < 4 {
		return 0
	}
	return int(binary.BigEndian.Uint32(frame))
}

// ReadMessage reads and decodes one message.
func (r *Reader) ReadMessage() (Message, error) {
	f, err := r.Next()
	if err != nil {
		return nil, err
	}
	return Decode(f.Type, f.Payload)
}
