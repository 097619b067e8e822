package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Field encodings (all integers big-endian):
//
//	u8, u16, u32, u64, i64  fixed width
//	str                     u16 byte length, then that many bytes of valid UTF-8
//	strs                    u16 count, then count × str
//	rest                    all remaining payload bytes (only as a last field)

// DecodeError says why a payload could not be decoded. Code is the ErrorCode a
// server sends back for it.
type DecodeError struct {
	Type   Type
	Code   ErrorCode
	Reason string
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("wire: %s: %s", e.Type, e.Reason)
}

// ErrInvalidUTF8 is wrapped by decode errors about text that is not UTF-8.
var ErrInvalidUTF8 = errors.New("invalid UTF-8")

func appendU16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }
func appendU32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }
func appendU64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }

// appendStr writes s as a str field. Strings longer than 65535 bytes cannot be
// represented; callers validate lengths first, and encoding cuts nothing:
// it panics, since that is a programming error, not bad input.
func appendStr(b []byte, s string) []byte {
	if len(s) > 0xFFFF {
		panic("wire: string field longer than 65535 bytes")
	}
	b = appendU16(b, uint16(len(s)))
	return append(b, s...)
}

func appendStrs(b []byte, ss []string) []byte {
	if len(ss) > 0xFFFF {
		panic("wire: list longer than 65535 entries")
	}
	b = appendU16(b, uint16(len(ss)))
	for _, s := range ss {
		b = appendStr(b, s)
	}
	return b
}

// dec reads fields from a payload. The first error sticks; later reads return
// zero values, so decoders read every field and check err once. Strings are
// cut from one copy of the payload (s), made at the first string field, so a
// message costs one string allocation however many text fields it has.
type dec struct {
	t   Type
	b   []byte // what is left to read
	s   string // copy of the payload from the first string field on
	err error
}

func (d *dec) fail(code ErrorCode, format string, args ...any) {
	if d.err == nil {
		d.err = &DecodeError{Type: d.t, Code: code, Reason: fmt.Sprintf(format, args...)}
	}
}

// take returns the next n bytes; what and part name the field in the error
// ("text", " length"), kept apart so that the hot path builds no string.
func (d *dec) take(n int, what, part string) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.fail(CodeMalformed, "truncated %s%s: need %d bytes, have %d", what, part, n, len(d.b))
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *dec) u8(what string) uint8 {
	if v := d.take(1, what, ""); v != nil {
		return v[0]
	}
	return 0
}

// flag reads a boolean byte: 0 or 1, anything else is malformed (so that
// every frame has one encoding).
func (d *dec) flag(what string) bool {
	v := d.u8(what)
	if v > 1 && d.err == nil {
		d.fail(CodeMalformed, "%s is %d, not 0 or 1", what, v)
	}
	return v == 1
}

func (d *dec) u16(what, part string) uint16 {
	if v := d.take(2, what, part); v != nil {
		return binary.BigEndian.Uint16(v)
	}
	return 0
}

func (d *dec) u32(what string) uint32 {
	if v := d.take(4, what, ""); v != nil {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

func (d *dec) u64(what string) uint64 {
	if v := d.take(8, what, ""); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func (d *dec) i64(what string) int64 { return int64(d.u64(what)) }

func (d *dec) str(what string) string {
	n := int(d.u16(what, " length"))
	if d.err == nil && d.s == "" && n > 0 && len(d.b) >= n {
		d.s = string(d.b)
	}
	v := d.take(n, what, "")
	if d.err != nil || n == 0 {
		return ""
	}
	if !utf8.Valid(v) {
		d.fail(CodeInvalidUTF8, "%s is not valid UTF-8", what)
		return ""
	}
	end := len(d.s) - len(d.b)
	return d.s[end-n : end]
}

func (d *dec) strs(what string) []string {
	n := int(d.u16(what, " count"))
	if d.err != nil {
		return nil
	}
	// Every entry takes at least 2 bytes: refuse counts the payload cannot hold
	// before allocating for them.
	if n*2 > len(d.b) {
		d.fail(CodeMalformed, "%s count %d exceeds the payload", what, n)
		return nil
	}
	if n == 0 {
		return nil // one representation of "no entries", whatever was encoded
	}
	out := make([]string, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		out = append(out, d.str(what))
	}
	return out
}

// via reads the optional trailing via field of a list of n users: absent,
// or exactly n entries.
func (d *dec) via(n int) []string {
	if d.err != nil || len(d.b) == 0 {
		return nil
	}
	v := d.strs("via")
	if d.err == nil && len(v) != n {
		d.fail(CodeMalformed, "%d via entries for %d users", len(v), n)
		return nil
	}
	for _, mark := range v {
		if mark != "" {
			return v
		}
	}
	if d.err == nil { // one encoding only: a field without a mark is left off
		d.fail(CodeMalformed, "via field without a mark")
	}
	return nil
}

func (d *dec) rest() []byte {
	if d.err != nil {
		return nil
	}
	v := append([]byte(nil), d.b...)
	d.b = nil
	return v
}

func (d *dec) done() error {
	if d.err == nil && len(d.b) != 0 {
		d.fail(CodeMalformed, "%d unexpected trailing bytes", len(d.b))
	}
	return d.err
}
