package wire

import (
	"strings"
	"testing"
)

// TestRoomOpFlagHasOneEncoding: room-op's on is the byte 0 or 1; any other
// value is malformed, so that the frame has one encoding.
func TestRoomOpFlagHasOneEncoding(t *testing.T) {
	p := Encode(RoomOp{Room: "dev", User: "bob"})[HeaderSize:]
	for _, v := range []byte{2, 0x80, 0xFF} {
		bad := append([]byte(nil), p...)
		bad[len(bad)-1] = v
		_, err := Decode(TypeRoomOp, bad)
		wantCode(t, err, CodeMalformed)
	}
	for v, want := range []bool{false, true} {
		ok := append([]byte(nil), p...)
		ok[len(ok)-1] = byte(v)
		if m, err := Decode(TypeRoomOp, ok); err != nil || m.(RoomOp).On != want {
			t.Fatalf("on=%d: %#v, %v", v, m, err)
		}
	}
}

// TestOperatorCodesNamed: the new codes and types print as words.
func TestOperatorCodesNamed(t *testing.T) {
	for _, c := range []ErrorCode{CodeNotOperator, CodeOperOff, CodeOperWrong} {
		if strings.HasPrefix(c.String(), "error ") || c.Fatal() {
			t.Errorf("code %d: %q, fatal %v", uint16(c), c, c.Fatal())
		}
	}
	for _, typ := range []Type{TypeSetTopic, TypeRoomKick, TypeRoomOp, TypeRoomOps, TypeRoomKicked, TypeOper, TypeOpered} {
		if strings.HasPrefix(typ.String(), "type ") {
			t.Errorf("type 0x%02x unnamed", byte(typ))
		}
	}
}
