package wire

import "encoding/binary"

// AddUser returns a new frame: frame, an encoded UserList without gateway
// marks (Via), with user added at the end of its Users. The result is
// byte-identical to encoding the longer list, and frame is not modified (it
// may be queued to peers). ok is false, and nothing is returned, when frame
// is not such a UserList or the list cannot take another name.
//
// A server keeps its rooms' member lists encoded, and a join adds one name
// to the last chunk: copying the chunk's bytes costs a small fraction of
// encoding its hundreds of names again.
func AddUser(frame []byte, user string) (out []byte, ok bool) {
	const hdr = 5 // length and type
	if len(frame) < hdr+2+1+2 || Type(frame[4]) != TypeUserList || FrameLen(frame) != len(frame)-4 ||
		len(user) > 0xFFFF {
		return nil, false
	}
	i := hdr + 2 + int(binary.BigEndian.Uint16(frame[hdr:])) // after the room
	if i+1+2 > len(frame) {
		return nil, false
	}
	at := i + 1 // the count, after the flags
	n := int(binary.BigEndian.Uint16(frame[at:]))
	if n == 0xFFFF {
		return nil, false
	}
	// The names must run to the end of the frame: no via field after them.
	i = at + 2
	for range n {
		if i+2 > len(frame) {
			return nil, false
		}
		i += 2 + int(binary.BigEndian.Uint16(frame[i:]))
	}
	if i != len(frame) {
		return nil, false
	}
	out = make([]byte, len(frame), len(frame)+2+len(user))
	copy(out, frame)
	out = appendStr(out, user)
	binary.BigEndian.PutUint32(out, uint32(len(out)-4))
	binary.BigEndian.PutUint16(out[at:], uint16(n+1))
	return out, true
}
