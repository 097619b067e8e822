package wire

import (
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestProtocolDocMatchesCode keeps PROTOCOL.md honest: every frame type is in
// its tables with its code and name, and every code table row has the value
// and (for errors) the fatality the code has.
func TestProtocolDocMatchesCode(t *testing.T) {
	raw, err := os.ReadFile("PROTOCOL.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)

	typeRow := regexp.MustCompile("(?m)^\\| 0x([0-9A-F]{2}) \\| ([a-z-]+) \\|")
	documented := map[Type]string{}
	for _, m := range typeRow.FindAllStringSubmatch(doc, -1) {
		v, _ := strconv.ParseUint(m[1], 16, 8)
		documented[Type(v)] = m[2]
	}
	for typ, name := range typeNames {
		if isSeed(typ) {
			continue
		}
		if documented[typ] != name {
			t.Errorf("type 0x%02X %s: PROTOCOL.md says %q", byte(typ), name, documented[typ])
		}
	}
	for typ, name := range documented {
		if typeNames[typ] != name {
			t.Errorf("PROTOCOL.md documents 0x%02X %s, which the code does not have", byte(typ), name)
		}
	}

	codeRow := regexp.MustCompile("(?m)^\\| (\\d+) \\| `(\\w+)`[^|]*\\|(?: (yes|no) \\|)?")
	rows := map[string]struct {
		value int
		fatal string
	}{}
	for _, m := range codeRow.FindAllStringSubmatch(doc, -1) {
		v, _ := strconv.Atoi(m[1])
		rows[m[2]] = struct {
			value int
			fatal string
		}{v, m[3]}
	}
	check := func(name string, value int) {
		row, ok := rows[name]
		if !ok {
			t.Errorf("%s is not in PROTOCOL.md's code tables", name)
		} else if row.value != value {
			t.Errorf("PROTOCOL.md gives %s the value %d; the code has %d", name, row.value, value)
		}
	}
	errorCodes := map[string]ErrorCode{"CodeMalformed": CodeMalformed, "CodeTooLarge": CodeTooLarge,
		"CodeInvalidUTF8": CodeInvalidUTF8, "CodeUnknownType": CodeUnknownType, "CodeUnexpected": CodeUnexpected,
		"CodeTextTooLong": CodeTextTooLong, "CodeEmptyText": CodeEmptyText, "CodeBadText": CodeBadText,
		"CodeNoSuchUser": CodeNoSuchUser, "CodeNoSuchRoom": CodeNoSuchRoom, "CodeNotInRoom": CodeNotInRoom,
		"CodeInvalidRoom": CodeInvalidRoom, "CodeLobby": CodeLobby, "CodeTooManyRooms": CodeTooManyRooms,
		"CodeFileRejected": CodeFileRejected, "CodeNoTransfer": CodeNoTransfer, "CodeUnsupported": CodeUnsupported,
		"CodeHistoryOff": CodeHistoryOff, "CodeHistoryBusy": CodeHistoryBusy, "CodeSearchInvalid": CodeSearchInvalid,
		"CodeHistoryFailed": CodeHistoryFailed, "CodeAwayFull": CodeAwayFull,
		"CodeBidiControl": CodeBidiControl, "CodeRoomReserved": CodeRoomReserved, "CodeRoomLookAlike": CodeRoomLookAlike,
		"CodeRoomQuota": CodeRoomQuota, "CodeMuted": CodeMuted, "CodeLecture": CodeLecture,
		"CodeFilesOff": CodeFilesOff, "CodeFileOffset": CodeFileOffset,
		"CodeAwayText": CodeAwayText, "CodeTypingTarget": CodeTypingTarget,
		"CodeRemoteUnavailable": CodeRemoteUnavailable, "CodeNotOperator": CodeNotOperator,
		"CodeOperOff": CodeOperOff, "CodeOperWrong": CodeOperWrong}
	if len(errorCodes) != len(codeNames) {
		t.Fatalf("the test lists %d error codes, the code has %d", len(errorCodes), len(codeNames))
	}
	for name, c := range errorCodes {
		check(name, int(c))
		if want := map[bool]string{true: "yes", false: "no"}[c.Fatal()]; rows[name].fatal != want {
			t.Errorf("PROTOCOL.md says %s fatal=%q; Fatal() is %v", name, rows[name].fatal, c.Fatal())
		}
	}
	for name, c := range map[string]RefuseCode{"RefuseNickTaken": RefuseNickTaken, "RefuseNickInvalid": RefuseNickInvalid,
		"RefuseServerFull": RefuseServerFull, "RefuseVersion": RefuseVersion, "RefuseTooManyFrom": RefuseTooManyFrom,
		"RefuseHandshake": RefuseHandshake, "RefuseTLSRequired": RefuseTLSRequired, "RefuseNoTLS": RefuseNoTLS,
		"RefusePasswordNeeded": RefusePasswordNeeded, "RefusePasswordWrong": RefusePasswordWrong,
		"RefuseTooManyTries": RefuseTooManyTries, "RefuseIdentity": RefuseIdentity,
		"RefuseNickReserved": RefuseNickReserved, "RefuseBanned": RefuseBanned,
		"RefuseClusterBusy": RefuseClusterBusy} {
		check(name, int(c))
	}
	for name, r := range map[string]LeftReason{"LeftQuit": LeftQuit, "LeftLost": LeftLost, "LeftKicked": LeftKicked,
		"LeftSlowConsumer": LeftSlowConsumer, "LeftParted": LeftParted, "LeftTimedOut": LeftTimedOut,
		"LeftProtocol": LeftProtocol} {
		check(name, int(r))
	}

	// The reserved names are listed.
	names := doc[strings.Index(doc, "- **Reserved names**"):]
	names = names[:strings.Index(names, "\n- ")]
	for _, n := range ReservedNames {
		if !strings.Contains(names, "`"+n+"`") {
			t.Errorf("PROTOCOL.md's reserved names do not list %q", n)
		}
	}

	// The worked example is the golden chat frame.
	golden, err := os.ReadFile("testdata/golden/chat_korean.hex")
	if err != nil {
		t.Fatal(err)
	}
	want := hex.EncodeToString(parseHex(t, string(golden)))
	start := strings.Index(doc, "00 00 00 38                     length 56")
	if start < 0 {
		t.Fatal("worked example not found")
	}
	block := doc[start : strings.Index(doc[start:], "```")+start]
	var got strings.Builder
	for _, line := range strings.Split(block, "\n") {
		for _, f := range strings.Fields(line) {
			if len(f) != 2 || strings.Trim(f, "0123456789abcdef") != "" {
				break
			}
			got.WriteString(f)
		}
	}
	if got.String() != want {
		t.Errorf("PROTOCOL.md's worked example\n%s\ndiffers from the golden frame\n%s", got.String(), want)
	}
}

// TestProtocolDocOptionalFields: the optional trailing fields of notices and
// leaving words are in the frame tables, each on the row of a frame whose
// encoder writes it, and have their section.
func TestProtocolDocOptionalFields(t *testing.T) {
	raw, err := os.ReadFile("PROTOCOL.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	for _, tc := range []struct {
		m     Message
		field string
	}{
		{Say{Notice: true}, "optional `u8` notice"},
		{Private{Notice: true}, "optional `u8` notice"},
		{Chat{Notice: true}, "optional `u8` notice"},
		{PrivMsg{Notice: true}, "optional `u8` notice"},
		{Part{Reason: "r"}, "optional `str` reason"},
		{Quit{Reason: "r"}, "optional `str` reason"},
		{Left{Text: "r"}, "optional `str` text"},
	} {
		if optionalTail(tc.m) == 0 || len(Encode(tc.m))-HeaderSize == 0 {
			t.Fatalf("%T: the test's message sets no optional field", tc.m)
		}
		row := regexp.MustCompile(fmt.Sprintf("(?m)^\\| 0x%02X \\| [a-z-]+ \\|[^|]*\\|", byte(tc.m.Type()))).FindString(doc)
		if !strings.HasSuffix(strings.TrimSpace(strings.TrimSuffix(row, "|")), tc.field) {
			t.Errorf("PROTOCOL.md's row for %v does not end with %q: %q", tc.m.Type(), tc.field, row)
		}
	}
	if !strings.Contains(doc, "### Notices and leaving words") {
		t.Error(`PROTOCOL.md has no section "Notices and leaving words"`)
	}
}
