package trust

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// PinsFile is the name of the client's trusted-servers file in its data
// directory: one "host:port FINGERPRINT-HEX" line per server.
const PinsFile = "known_servers"

// PinState is what the pin store says about a server's certificate.
type PinState int

const (
	PinUnknown  PinState = iota // never trusted (or its entry is garbled): ask the user
	PinMatch                    // trusted, same certificate
	PinMismatch                 // trusted with another certificate: refuse
)

// Pins is the client's list of trusted servers, as SSH's known_hosts with
// accept-new: an address is pinned to the fingerprint the user accepted the
// first time. The file is read on every lookup (it is small), so another
// client instance or a settings page editing it is seen at once. Methods are
// safe for concurrent use.
type Pins struct {
	path string
	mu   sync.Mutex
}

// Pin is one trusted server.
type Pin struct {
	Addr        string
	Fingerprint Fingerprint
}

// OpenPins returns the pin store kept in dir (the file is created on the
// first Trust).
func OpenPins(dir string) *Pins { return &Pins{path: filepath.Join(dir, PinsFile)} }

// NormalizeAddr is the key a server is pinned under: the address as typed,
// with the host in lower case.
func NormalizeAddr(addr string) string {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return strings.ToLower(addr)
	}
	return strings.ToLower(addr[:i]) + addr[i:]
}

// read parses the file. A line that does not parse is skipped: a garbled
// entry leaves its server unknown (asked again), never trusted.
func (p *Pins) read() ([]Pin, error) {
	data, err := os.ReadFile(p.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var pins []Pin
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		addr, hexfp, ok := strings.Cut(line, " ")
		if !ok || addr == "" {
			continue
		}
		fp, err := ParseFingerprint(strings.TrimSpace(hexfp))
		if err != nil || fp.IsZero() {
			continue
		}
		pins = append(pins, Pin{Addr: NormalizeAddr(addr), Fingerprint: fp})
	}
	return pins, nil
}

func (p *Pins) write(pins []Pin) error {
	var b bytes.Buffer
	b.WriteString("# MultiChat trusted servers: address and SHA-256 certificate fingerprint\n")
	for _, pin := range pins {
		fmt.Fprintf(&b, "%s %x\n", pin.Addr, pin.Fingerprint[:])
	}
	return WriteFileAtomic(p.path, b.Bytes(), 0o600)
}

// Check looks addr up. With PinMismatch it also returns the fingerprint
// that was trusted.
func (p *Pins) Check(addr string, fp Fingerprint) (PinState, Fingerprint, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pins, err := p.read()
	if err != nil {
		return PinUnknown, Fingerprint{}, err
	}
	addr = NormalizeAddr(addr)
	for _, pin := range pins {
		if pin.Addr == addr {
			if pin.Fingerprint == fp {
				return PinMatch, fp, nil
			}
			return PinMismatch, pin.Fingerprint, nil
		}
	}
	return PinUnknown, Fingerprint{}, nil
}

// Trust pins addr to fp. It refuses to replace another fingerprint: a
// server whose identity changed is trusted again only after its old entry
// is removed (Forget), on purpose.
func (p *Pins) Trust(addr string, fp Fingerprint) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	pins, err := p.read()
	if err != nil {
		return err
	}
	addr = NormalizeAddr(addr)
	for _, pin := range pins {
		if pin.Addr == addr {
			if pin.Fingerprint == fp {
				return nil
			}
			return fmt.Errorf("%s is already trusted with another certificate (%s); remove it from the trusted servers first", addr, pin.Fingerprint)
		}
	}
	return p.write(append(pins, Pin{Addr: addr, Fingerprint: fp}))
}

// Forget removes addr's entry (and any garbled lines). It reports whether
// there was one.
func (p *Pins) Forget(addr string) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pins, err := p.read()
	if err != nil {
		return false, err
	}
	addr = NormalizeAddr(addr)
	n := len(pins)
	pins = slices.DeleteFunc(pins, func(pin Pin) bool { return pin.Addr == addr })
	if len(pins) == n {
		return false, nil
	}
	return true, p.write(pins)
}

// List returns the trusted servers, for a settings page.
func (p *Pins) List() ([]Pin, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.read()
}
