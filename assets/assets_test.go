package assets

import (
	"bytes"
	"encoding/binary"
	"image/png"
	"testing"

	"fyne.io/fyne/v2"
)

func TestIconsDecodeAt512(t *testing.T) {
	for _, r := range []fyne.Resource{ServerIcon, ClientIcon} {
		t.Run(r.Name(), func(t *testing.T) {
			if len(r.Content()) == 0 {
				t.Fatal("empty resource")
			}
			img, err := png.Decode(bytes.NewReader(r.Content()))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if b := img.Bounds(); b.Dx() != 512 || b.Dy() != 512 {
				t.Fatalf("size %dx%d, want 512x512", b.Dx(), b.Dy())
			}
			// The corners are transparent (rounded tile) and the centre is opaque.
			if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
				t.Errorf("corner alpha %d, want 0", a)
			}
			if _, _, _, a := img.At(256, 256).RGBA(); a != 0xffff {
				t.Errorf("centre alpha %d, want opaque", a)
			}
		})
	}
	if bytes.Equal(ServerIcon.Content(), ClientIcon.Content()) {
		t.Error("server and client icons are identical")
	}
}

// TestFontsAreTrueTypeWithHangul checks the embedded fonts are TrueType files
// whose cmap maps a Hangul syllable (U+D55C 한) to a glyph.
func TestFontsAreTrueTypeWithHangul(t *testing.T) {
	for _, r := range []fyne.Resource{HangulFont, HangulFontBold} {
		if r == nil {
			t.Fatal("no Hangul font: run `make fonts` (copies NanumGothic from Debian's fonts-nanum into assets/fonts)")
		}
		t.Run(r.Name(), func(t *testing.T) {
			data := r.Content()
			if len(data) < 1<<20 {
				t.Fatalf("font is %d bytes, want the full NanumGothic (> 1 MiB)", len(data))
			}
			if !bytes.Equal(data[:4], []byte{0, 1, 0, 0}) {
				t.Fatalf("sfnt version % x, want TrueType 00 01 00 00", data[:4])
			}
			if gid := cmapLookup(t, data, 0xD55C); gid == 0 {
				t.Fatal("U+D55C (한) maps to .notdef")
			}
			if gid := cmapLookup(t, data, 'A'); gid == 0 {
				t.Fatal("'A' maps to .notdef")
			}
			// A private-use code point the font does not cover: the lookup must say so.
			if gid := cmapLookup(t, data, 0xF8FF); gid != 0 {
				t.Fatalf("U+F8FF maps to glyph %d, want .notdef", gid)
			}
		})
	}
}

// cmapLookup finds rune's glyph id in a format-4 Unicode cmap subtable.
func cmapLookup(t *testing.T, font []byte, r rune) int {
	t.Helper()
	u16 := func(off int) int { return int(binary.BigEndian.Uint16(font[off:])) }
	u32 := func(off int) int { return int(binary.BigEndian.Uint32(font[off:])) }
	cmap := -1
	for i, n := 0, u16(4); i < n; i++ {
		rec := 12 + 16*i
		if string(font[rec:rec+4]) == "cmap" {
			cmap = u32(rec + 8)
		}
	}
	if cmap < 0 {
		t.Fatal("no cmap table")
	}
	for i, n := 0, u16(cmap+2); i < n; i++ {
		rec := cmap + 4 + 8*i
		platform, encoding := u16(rec), u16(rec+2)
		sub := cmap + u32(rec+4)
		if !(platform == 3 && encoding == 1 || platform == 0) || u16(sub) != 4 {
			continue
		}
		segs := u16(sub+6) / 2
		ends, starts := sub+14, sub+16+2*segs
		deltas, ranges := starts+2*segs, starts+4*segs
		for s := 0; s < segs; s++ {
			if int(r) > u16(ends+2*s) || int(r) < u16(starts+2*s) {
				continue
			}
			delta, ro := u16(deltas+2*s), u16(ranges+2*s)
			if ro == 0 {
				return (int(r) + delta) & 0xffff
			}
			gid := u16(ranges + 2*s + ro + 2*(int(r)-u16(starts+2*s)))
			if gid == 0 {
				return 0
			}
			return (gid + delta) & 0xffff
		}
	}
	return 0
}
