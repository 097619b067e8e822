package main

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// groupIcon returns an RT_GROUP_ICON naming n images.
func groupIcon(n int) []byte {
	b := []byte{0, 0, 1, 0, byte(n), 0}
	for i := 0; i < n; i++ {
		// GRPICONDIRENTRY: w, h, colours, reserved, planes, bpp, bytes, id.
		e := make([]byte, 14)
		e[0], e[1] = 0, 0 // 256×256
		binary.LittleEndian.PutUint16(e[4:], 1)
		binary.LittleEndian.PutUint16(e[6:], 32)
		binary.LittleEndian.PutUint32(e[8:], 4)
		binary.LittleEndian.PutUint16(e[12:], uint16(i+1))
		b = append(b, e...)
	}
	return b
}

// rsrc builds a resource section at virtual address va holding one leaf
// (name 1, language 0x409) per resource type.
func rsrc(va uint32, res map[uint32][]byte) []byte {
	types := make([]uint32, 0, len(res))
	for t := range res {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool { return types[i] < types[j] })

	cur := uint32(16 + 8*len(types))
	nameDir, langDir, dataEntry := map[uint32]uint32{}, map[uint32]uint32{}, map[uint32]uint32{}
	for _, t := range types {
		nameDir[t], langDir[t], dataEntry[t] = cur, cur+24, cur+48
		cur += 64
	}
	blob := map[uint32]uint32{}
	for _, t := range types {
		blob[t] = cur
		cur += (uint32(len(res[t])) + 3) &^ 3
	}
	b := make([]byte, cur)
	dir := func(off uint32, entries [][2]uint32) {
		binary.LittleEndian.PutUint16(b[off+14:], uint16(len(entries)))
		for i, e := range entries {
			binary.LittleEndian.PutUint32(b[off+16+8*uint32(i):], e[0])
			binary.LittleEndian.PutUint32(b[off+20+8*uint32(i):], e[1])
		}
	}
	var root [][2]uint32
	for _, t := range types {
		root = append(root, [2]uint32{t, nameDir[t] | 0x80000000})
		dir(nameDir[t], [][2]uint32{{1, langDir[t] | 0x80000000}})
		dir(langDir[t], [][2]uint32{{0x409, dataEntry[t]}})
		binary.LittleEndian.PutUint32(b[dataEntry[t]:], va+blob[t])
		binary.LittleEndian.PutUint32(b[dataEntry[t]+4:], uint32(len(res[t])))
		copy(b[blob[t]:], res[t])
	}
	dir(0, root)
	return b
}

// idata builds an import section at virtual address va importing one
// function by name from each DLL.
func idata(va uint32, dlls []string) []byte {
	n := uint32(len(dlls))
	descs := 20 * (n + 1)
	b := make([]byte, descs+64*n)
	for i, dll := range dlls {
		base := descs + 64*uint32(i) // thunks (16), hint/name (16), DLL name (32)
		binary.LittleEndian.PutUint64(b[base:], uint64(va+base+16))
		copy(b[base+18:], "Func")
		copy(b[base+32:], dll)
		d := b[20*uint32(i):]
		binary.LittleEndian.PutUint32(d[0:], va+base)     // OriginalFirstThunk
		binary.LittleEndian.PutUint32(d[12:], va+base+32) // Name
		binary.LittleEndian.PutUint32(d[16:], va+base)    // FirstThunk
	}
	return b
}

// makePE builds a minimal PE32+ image with a .rsrc section (if res is not
// nil) and an .idata section importing from "KERNEL32.dll" and extra DLLs.
func makePE(t *testing.T, machine, subsystem uint16, res map[uint32][]byte, extraDLLs ...string) []byte {
	t.Helper()
	const raw = 0x200
	type sect struct {
		name string
		va   uint32
		dir  int
		data []byte
	}
	sections := []sect{{".idata", 0x1000, pe.IMAGE_DIRECTORY_ENTRY_IMPORT, idata(0x1000, append([]string{"KERNEL32.dll"}, extraDLLs...))}}
	if res != nil {
		sections = append(sections, sect{".rsrc", 0x2000, pe.IMAGE_DIRECTORY_ENTRY_RESOURCE, rsrc(0x2000, res)})
	}
	var buf bytes.Buffer
	dos := make([]byte, 0x40)
	copy(dos, "MZ")
	binary.LittleEndian.PutUint32(dos[0x3c:], 0x40)
	buf.Write(dos)
	buf.WriteString("PE\x00\x00")
	fh := pe.FileHeader{Machine: machine, NumberOfSections: uint16(len(sections)), SizeOfOptionalHeader: 240, Characteristics: 0x22}
	oh := pe.OptionalHeader64{
		Magic: 0x20b, SectionAlignment: 0x1000, FileAlignment: 0x200, SizeOfHeaders: raw,
		SizeOfImage: 0x3000, Subsystem: subsystem, NumberOfRvaAndSizes: 16,
	}
	for _, s := range sections {
		oh.DataDirectory[s.dir] = pe.DataDirectory{VirtualAddress: s.va, Size: uint32(len(s.data))}
	}
	for _, v := range []any{fh, oh} {
		if err := binary.Write(&buf, binary.LittleEndian, v); err != nil {
			t.Fatal(err)
		}
	}
	var body []byte
	for _, s := range sections {
		size := (uint32(len(s.data)) + 0x1ff) &^ 0x1ff
		sh := pe.SectionHeader32{
			VirtualSize: uint32(len(s.data)), VirtualAddress: s.va,
			SizeOfRawData: size, PointerToRawData: raw + uint32(len(body)),
			Characteristics: 0x40000040,
		}
		copy(sh.Name[:], s.name)
		if err := binary.Write(&buf, binary.LittleEndian, sh); err != nil {
			t.Fatal(err)
		}
		body = append(body, s.data...)
		body = append(body, make([]byte, int(size)-len(s.data))...)
	}
	out := buf.Bytes()
	out = append(out, make([]byte, raw-len(out))...)
	return append(out, body...)
}

func checkBytes(t *testing.T, image []byte) (report, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.exe")
	if err := os.WriteFile(path, image, 0o644); err != nil {
		t.Fatal(err)
	}
	return checkFile(path)
}

func TestCheck(t *testing.T) {
	const gui, cui = pe.IMAGE_SUBSYSTEM_WINDOWS_GUI, pe.IMAGE_SUBSYSTEM_WINDOWS_CUI
	const amd64 = pe.IMAGE_FILE_MACHINE_AMD64
	icon := map[uint32][]byte{rtIcon: make([]byte, 40), rtGroupIcon: groupIcon(1), rtManifest: []byte("<assembly/>"), rtVersion: make([]byte, 8)}
	tests := []struct {
		name    string
		image   []byte
		wantErr string
	}{
		{"gui with icon", makePE(t, amd64, gui, icon), ""},
		{"console", makePE(t, amd64, cui, icon), "console subsystem"},
		{"not x86-64", makePE(t, pe.IMAGE_FILE_MACHINE_I386, gui, icon), "machine"},
		{"no resources", makePE(t, amd64, gui, nil), "no resources"},
		{"manifest only", makePE(t, amd64, gui, map[uint32][]byte{rtManifest: []byte("<assembly/>")}), "no icon"},
		{"group names missing images", makePE(t, amd64, gui, map[uint32][]byte{rtIcon: make([]byte, 40), rtGroupIcon: groupIcon(2)}), "only 1 RT_ICON"},
		{"imports libssp", makePE(t, amd64, gui, icon, "libssp-0.dll"), "libssp-0.dll"},
		{"imports winpthread", makePE(t, amd64, gui, icon, "USER32.dll", "libwinpthread-1.dll"), "libwinpthread-1.dll"},
		{"bad group", makePE(t, amd64, gui, map[uint32][]byte{rtIcon: make([]byte, 40), rtGroupIcon: {0, 0, 2, 0}}), "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := checkBytes(t, tt.image)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("check: %v", err)
				}
				if r.iconGroups != 1 || r.iconImages != 1 || r.icons != 1 || !r.manifest || !r.version ||
					len(r.dlls) != 1 || r.dlls[0] != "KERNEL32.dll" {
					t.Fatalf("report %+v", r)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestCheckCorruptResources damages the resource tree: the checker must
// report an error, never panic or read outside the section.
func TestCheckCorruptResources(t *testing.T) {
	good := makePE(t, pe.IMAGE_FILE_MACHINE_AMD64, pe.IMAGE_SUBSYSTEM_WINDOWS_GUI,
		map[uint32][]byte{rtIcon: make([]byte, 40), rtGroupIcon: groupIcon(1)})
	if _, err := checkBytes(t, good); err != nil {
		t.Fatalf("undamaged image: %v", err)
	}
	const root = 0x400 // the resource section's file offset (after .idata)
	for _, tc := range []struct {
		name string
		at   int
		val  uint32
	}{
		{"root claims many entries", root + 12, 0x7fff7fff},
		{"subdir offset out of range", root + 16 + 4, 0x8000ffff},
		{"leaf RVA out of range", root + 16 + 2*8 + 48, 0x00ffffff},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := bytes.Clone(good)
			binary.LittleEndian.PutUint32(img[tc.at:], tc.val)
			if _, err := checkBytes(t, img); err == nil {
				t.Fatal("damaged image passed the check")
			}
		})
	}
}
