package main

import (
	"encoding/binary"
	"errors"
)

// A benchmark message's text starts with a fixed ASCII header that names its
// sender, its sequence number and its send time, then is padded to the wanted
// size with printable filler (the server refuses control characters):
//
//	mcb:SSSS:QQQQQQQQ:TTTTTTTTTTTTTTTT:abcdefghij…
//
// S is the sender's index, Q the sequence number (from 1), T the send time in
// nanoseconds since the run's base instant, all in lowercase hexadecimal.
const (
	payloadPrefix = "mcb:"
	payloadHeader = len(payloadPrefix) + 4 + 1 + 8 + 1 + 16 + 1 // 35 bytes
	// minPayload is the smallest -size a benchmark message can have.
	minPayload = payloadHeader
	filler     = "abcdefghijklmnopqrstuvwxyz0123456789"
)

// stamp is what a benchmark message's header carries.
type stamp struct {
	Sender uint16
	Seq    uint32
	SentNs int64 // nanoseconds since the run's base instant
}

var errNotBench = errors.New("not a benchmark message")

const hexDigits = "0123456789abcdef"

func putHex(dst []byte, v uint64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = hexDigits[v&0xF]
		v >>= 4
	}
}

// hexVal maps a lowercase hex digit to its value and anything else to 0xFF.
var hexVal = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for i := range 16 {
		t[hexDigits[i]] = byte(i)
	}
	return t
}()

func getHex(src []byte) (uint64, bool) {
	var v uint64
	var bad byte
	for _, c := range src {
		d := hexVal[c]
		bad |= d
		v = v<<4 | uint64(d&0xF)
	}
	return v, bad&0xF0 == 0
}

// newPayload returns a size-byte message text whose header can be rewritten
// in place with setStamp. size must be at least minPayload.
func newPayload(size int) []byte {
	if size < minPayload {
		panic("chatbench: payload smaller than its header")
	}
	b := make([]byte, size)
	copy(b, payloadPrefix)
	for i := payloadHeader; i < size; i++ {
		b[i] = filler[(i-payloadHeader)%len(filler)]
	}
	return b
}

// setStamp writes s into the header of a text made by newPayload.
func setStamp(b []byte, s stamp) {
	p := len(payloadPrefix)
	putHex(b[p:p+4], uint64(s.Sender))
	b[p+4] = ':'
	putHex(b[p+5:p+13], uint64(s.Seq))
	b[p+13] = ':'
	putHex(b[p+14:p+30], uint64(s.SentNs))
	b[p+30] = ':'
}

// parseStamp reads the header of a benchmark message text; without
// withTime it leaves SentNs zero and does not check it (fan-out receivers
// need only the sender and the sequence number).
func parseStamp(text []byte, withTime bool) (stamp, error) {
	if len(text) < payloadHeader || string(text[:len(payloadPrefix)]) != payloadPrefix {
		return stamp{}, errNotBench
	}
	p := len(payloadPrefix)
	if text[p+4] != ':' || text[p+13] != ':' || text[p+30] != ':' {
		return stamp{}, errNotBench
	}
	snd, ok1 := getHex(text[p : p+4])
	seq, ok2 := getHex(text[p+5 : p+13])
	var ns uint64
	ok3 := true
	if withTime {
		ns, ok3 = getHex(text[p+14 : p+30])
	}
	if !ok1 || !ok2 || !ok3 {
		return stamp{}, errNotBench
	}
	return stamp{Sender: uint16(snd), Seq: uint32(seq), SentNs: int64(ns)}, nil
}

// chatView is the part of a wire.Chat payload a receiver needs, aliasing the
// payload (no copies, no UTF-8 checks: receivers only compare bytes).
type chatView struct {
	Room, From, Text []byte
	Ref              uint32
}

// parseChat reads a Chat payload laid out as wire.Chat encodes it: id u64,
// time i64, room str, from str, text str, ref u32 (str = u16 length + bytes).
func parseChat(p []byte) (chatView, bool) {
	var v chatView
	if len(p) < 16 {
		return v, false
	}
	p = p[16:]
	var ok bool
	if v.Room, p, ok = takeStr(p); !ok {
		return v, false
	}
	if v.From, p, ok = takeStr(p); !ok {
		return v, false
	}
	if v.Text, p, ok = takeStr(p); !ok {
		return v, false
	}
	if len(p) != 4 {
		return v, false
	}
	v.Ref = binary.BigEndian.Uint32(p)
	return v, true
}

func takeStr(p []byte) (s, rest []byte, ok bool) {
	if len(p) < 2 {
		return nil, nil, false
	}
	n := int(binary.BigEndian.Uint16(p))
	if len(p) < 2+n {
		return nil, nil, false
	}
	return p[2 : 2+n], p[2+n:], true
}

// parseListHead reads the head of a UserList payload (room str, flags u8,
// user count u16) without decoding the names.
func parseListHead(p []byte) (room []byte, flags uint8, count int, ok bool) {
	room, p, ok = takeStr(p)
	if !ok || len(p) < 3 {
		return nil, 0, 0, false
	}
	return room, p[0], int(binary.BigEndian.Uint16(p[1:])), true
}
