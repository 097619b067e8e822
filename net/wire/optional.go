package wire

// Optional trailing fields added after a frame's first layout (notices,
// leaving words). Each has one encoding: left out when it is false or
// empty, and refused by the decoder when written out that way, so that
// decode(encode(m)) is byte-identical.

// appendNotice appends the notice mark: one byte 1, only for a notice.
func appendNotice(b []byte, notice bool) []byte {
	if notice {
		return append(b, 1)
	}
	return b
}

// notice reads the optional notice mark: absent, or exactly the byte 1.
func (d *dec) notice() bool {
	if d.err != nil || len(d.b) == 0 {
		return false
	}
	if v := d.u8("notice"); v != 1 {
		d.fail(CodeMalformed, "notice mark is %d, not 1 (leave it out when false)", v)
		return false
	}
	return true
}

// appendOptStr appends an optional trailing str: nothing when it is empty.
func appendOptStr(b []byte, s string) []byte {
	if s == "" {
		return b
	}
	return appendStr(b, s)
}

// optStr reads an optional trailing str: absent, or a non-empty str.
func (d *dec) optStr(what string) string {
	if d.err != nil || len(d.b) == 0 {
		return ""
	}
	s := d.str(what)
	if d.err == nil && s == "" {
		d.fail(CodeMalformed, "%s present but empty (leave it out)", what)
	}
	return s
}
