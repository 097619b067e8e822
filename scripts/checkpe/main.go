// Command checkpe checks that Windows executables are what MultiChat ships:
// PE32+ for x86-64, linked for the GUI subsystem (no console window), with an
// icon in their resources (RT_GROUP_ICON naming at least one RT_ICON image),
// and importing no mingw-w64 runtime DLL that a clean Windows lacks.
// It is run by `make dist` on dist/*.exe.
//
//	go run ./scripts/checkpe dist/chatserver.exe dist/chatclient.exe
//
// It prints one line per file and exits 1 if any file fails.
package main

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Resource type IDs (winuser.h).
const (
	rtIcon      = 3
	rtGroupIcon = 14
	rtVersion   = 16
	rtManifest  = 24
)

// runtimeDLLs are DLLs of the mingw-w64 toolchain that Windows does not ship:
// an executable that imports one would not start on a clean machine.
var runtimeDLLs = []string{"libssp", "libgcc", "libstdc++", "libwinpthread", "libmingw"}

// report is what check found in one executable.
type report struct {
	iconGroups int // RT_GROUP_ICON resources
	iconImages int // images named by the icon groups
	icons      int // RT_ICON resources
	version    bool
	manifest   bool
	dlls       []string // imported DLLs
}

func (r report) String() string {
	s := fmt.Sprintf("PE32+ x86-64, GUI subsystem, %d icon group(s) with %d image(s)", r.iconGroups, r.iconImages)
	if r.version {
		s += ", version info"
	}
	if r.manifest {
		s += ", manifest"
	}
	if len(r.dlls) > 0 {
		s += "; imports " + strings.Join(r.dlls, " ")
	}
	return s
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: checkpe FILE.exe...")
		os.Exit(2)
	}
	failed := false
	for _, path := range os.Args[1:] {
		r, err := checkFile(path)
		if err != nil {
			fmt.Printf("FAIL %s: %v\n", path, err)
			failed = true
			continue
		}
		fmt.Printf("ok   %s: %s\n", path, r)
	}
	if failed {
		os.Exit(1)
	}
}

func checkFile(path string) (report, error) {
	f, err := pe.Open(path)
	if err != nil {
		return report{}, err
	}
	defer f.Close()
	return check(f)
}

// check verifies the headers and walks the resource directory.
func check(f *pe.File) (report, error) {
	if f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
		return report{}, fmt.Errorf("machine %#x, want x86-64 (%#x)", f.Machine, pe.IMAGE_FILE_MACHINE_AMD64)
	}
	oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	if !ok {
		return report{}, errors.New("not PE32+ (no 64-bit optional header)")
	}
	switch oh.Subsystem {
	case pe.IMAGE_SUBSYSTEM_WINDOWS_GUI:
	case pe.IMAGE_SUBSYSTEM_WINDOWS_CUI:
		return report{}, errors.New("console subsystem: it would open a console window (link with -H=windowsgui)")
	default:
		return report{}, fmt.Errorf("subsystem %d, want Windows GUI (%d)", oh.Subsystem, pe.IMAGE_SUBSYSTEM_WINDOWS_GUI)
	}

	libs, err := importedDLLs(f, oh)
	if err != nil {
		return report{}, fmt.Errorf("import table: %w", err)
	}
	for _, lib := range libs {
		for _, bad := range runtimeDLLs {
			if strings.HasPrefix(strings.ToLower(lib), bad) {
				return report{}, fmt.Errorf("imports %s, a toolchain DLL that Windows does not have (link it statically)", lib)
			}
		}
	}

	dir := oh.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_RESOURCE]
	if dir.VirtualAddress == 0 || dir.Size == 0 {
		return report{}, errors.New("no resources (no icon)")
	}
	rsrc, err := sectionAt(f, dir.VirtualAddress)
	if err != nil {
		return report{}, err
	}
	w := walker{rsrc: rsrc}
	leaves, err := w.types()
	if err != nil {
		return report{}, fmt.Errorf("resource directory: %w", err)
	}

	r := report{dlls: libs}
	r.icons = len(leaves[rtIcon])
	r.version = len(leaves[rtVersion]) > 0
	r.manifest = len(leaves[rtManifest]) > 0
	for _, data := range leaves[rtGroupIcon] {
		// GRPICONDIR: reserved u16 (0), type u16 (1 = icon), count u16, then count entries.
		if len(data) < 6 || binary.LittleEndian.Uint16(data[2:]) != 1 {
			return report{}, errors.New("malformed RT_GROUP_ICON")
		}
		r.iconGroups++
		r.iconImages += int(binary.LittleEndian.Uint16(data[4:]))
	}
	if r.iconGroups == 0 || r.iconImages == 0 || r.icons == 0 {
		return report{}, fmt.Errorf("no icon: %d RT_GROUP_ICON naming %d images, %d RT_ICON", r.iconGroups, r.iconImages, r.icons)
	}
	if r.icons < r.iconImages {
		return report{}, fmt.Errorf("icon group names %d images but only %d RT_ICON resources exist", r.iconImages, r.icons)
	}
	return r, nil
}

// importedDLLs reads the DLL names from the import directory (debug/pe's
// ImportedLibraries is unimplemented for PE, and ImportedSymbols skips DLLs
// imported by ordinal only).
func importedDLLs(f *pe.File, oh *pe.OptionalHeader64) ([]string, error) {
	dir := oh.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_IMPORT]
	if dir.VirtualAddress == 0 {
		return nil, nil
	}
	s, err := sectionAt(f, dir.VirtualAddress)
	if err != nil {
		return nil, err
	}
	var dlls []string
	for off := uint64(s.off); ; off += 20 {
		if off+20 > uint64(len(s.data)) {
			return nil, errors.New("import descriptors run past their section")
		}
		d := s.data[off : off+20]
		nameRVA := binary.LittleEndian.Uint32(d[12:])
		if nameRVA == 0 && binary.LittleEndian.Uint32(d[16:]) == 0 {
			return dlls, nil // the all-zero terminator
		}
		if nameRVA < s.va || uint64(nameRVA-s.va) >= uint64(len(s.data)) {
			return nil, fmt.Errorf("DLL name at RVA %#x is outside the import section", nameRVA)
		}
		name := s.data[nameRVA-s.va:]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		dlls = append(dlls, string(name))
		if len(dlls) > 1024 {
			return nil, errors.New("more than 1024 imported DLLs")
		}
	}
}

// sectionAt returns the raw data of the section holding rva, and its base.
func sectionAt(f *pe.File, rva uint32) (section, error) {
	for _, s := range f.Sections {
		if rva >= s.VirtualAddress && rva < s.VirtualAddress+max(s.VirtualSize, s.Size) {
			data, err := s.Data()
			if err != nil {
				return section{}, fmt.Errorf("section %s: %w", s.Name, err)
			}
			return section{va: s.VirtualAddress, data: data, off: rva - s.VirtualAddress}, nil
		}
	}
	return section{}, fmt.Errorf("no section holds RVA %#x", rva)
}

type section struct {
	va   uint32 // the section's virtual address
	off  uint32 // where the resource directory starts within data
	data []byte
}

// walker reads the three-level resource tree: type, name, language.
type walker struct {
	rsrc section
}

// types returns, for each resource type ID, the data of every leaf under it.
func (w walker) types() (map[uint32][][]byte, error) {
	out := map[uint32][][]byte{}
	entries, err := w.dir(0)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.named || !e.subdir {
			continue // MultiChat's resources use numeric types
		}
		var leaves [][]byte
		if err := w.collect(e.offset, 1, &leaves); err != nil {
			return nil, err
		}
		out[e.id] = leaves
	}
	return out, nil
}

// collect gathers leaf data below the directory at off (depth bounds the tree).
func (w walker) collect(off uint32, depth int, leaves *[][]byte) error {
	if depth > 3 {
		return errors.New("resource tree deeper than 3 levels")
	}
	entries, err := w.dir(off)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.subdir {
			if err := w.collect(e.offset, depth+1, leaves); err != nil {
				return err
			}
			continue
		}
		data, err := w.leaf(e.offset)
		if err != nil {
			return err
		}
		*leaves = append(*leaves, data)
	}
	return nil
}

type entry struct {
	named, subdir bool
	id, offset    uint32
}

// dir parses an IMAGE_RESOURCE_DIRECTORY at off (relative to the resource root).
func (w walker) dir(off uint32) ([]entry, error) {
	b, err := w.bytes(off, 16)
	if err != nil {
		return nil, err
	}
	n := int(binary.LittleEndian.Uint16(b[12:])) + int(binary.LittleEndian.Uint16(b[14:]))
	if n > 4096 {
		return nil, fmt.Errorf("directory at %#x claims %d entries", off, n)
	}
	raw, err := w.bytes(off+16, uint32(8*n))
	if err != nil {
		return nil, err
	}
	entries := make([]entry, n)
	for i := range entries {
		name := binary.LittleEndian.Uint32(raw[8*i:])
		to := binary.LittleEndian.Uint32(raw[8*i+4:])
		entries[i] = entry{
			named:  name&0x80000000 != 0,
			id:     name & 0x7fffffff,
			subdir: to&0x80000000 != 0,
			offset: to & 0x7fffffff,
		}
	}
	return entries, nil
}

// leaf reads an IMAGE_RESOURCE_DATA_ENTRY and returns the bytes it points to.
func (w walker) leaf(off uint32) ([]byte, error) {
	b, err := w.bytes(off, 16)
	if err != nil {
		return nil, err
	}
	rva, size := binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:])
	start := int64(rva) - int64(w.rsrc.va)
	if start < 0 || start+int64(size) > int64(len(w.rsrc.data)) {
		return nil, fmt.Errorf("resource data at RVA %#x (%d bytes) is outside the resource section", rva, size)
	}
	return w.rsrc.data[start : start+int64(size)], nil
}

func (w walker) bytes(off, n uint32) ([]byte, error) {
	start := uint64(w.rsrc.off) + uint64(off)
	if start+uint64(n) > uint64(len(w.rsrc.data)) {
		return nil, fmt.Errorf("resource directory reads past its section (%#x+%d)", off, n)
	}
	return w.rsrc.data[start : start+uint64(n)], nil
}
