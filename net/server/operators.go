package server

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"
)

// Operator is one server operator's login (Config.Operators): an oper frame
// with this Name and Password makes its connection an operator of every
// room, the lobby included, until it ends.
type Operator struct {
	Name     string
	Password string
}

// OperatorsFile is the name of the operators file the GUI server reads from
// its data directory when it is there.
const OperatorsFile = "operators.txt"

// LoadOperators reads an operators file: one "name password" per line,
// separated by a space or tab (the password is the rest of the line, so it
// may hold spaces), blank
// lines and lines starting with # ignored. The passwords are in plain
// text: keep the file readable by the server's account only. A file with
// no operators is an error (operator logins would be off without saying
// so).
func LoadOperators(path string) ([]Operator, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("operators file: %w", err)
	}
	ops, err := ParseOperators(b)
	if err != nil {
		return nil, fmt.Errorf("operators file %s: %w", path, err)
	}
	return ops, nil
}

// ParseOperators parses the contents of an operators file (LoadOperators).
func ParseOperators(b []byte) ([]Operator, error) {
	var ops []Operator
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("line %d is not UTF-8", n)
		}
		i := strings.IndexAny(line, " \t")
		if i < 0 {
			return nil, fmt.Errorf("line %d: want “name password”", n)
		}
		name, pass := line[:i], strings.TrimSpace(line[i+1:])
		if pass == "" {
			return nil, fmt.Errorf("line %d: want “name password”", n)
		}
		if seen[name] {
			return nil, fmt.Errorf("line %d: the operator %q is listed twice", n, name)
		}
		seen[name] = true
		ops = append(ops, Operator{Name: name, Password: pass})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(ops) == 0 {
		return nil, fmt.Errorf("no operators listed (lines “name password”)")
	}
	return ops, nil
}
