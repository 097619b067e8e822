// Command testsummary shows and counts what `go test -json` ran, for
// `make test` (scripts/test.sh) and scripts/fuzz.sh.
//
//	go test -json ... | testsummary watch [-a] -o FILE
//
// copies the JSON stream to FILE (-a appends) and prints what a person needs
// to see: each package's ok/FAIL line, the full output of every test that
// failed or was skipped, and build errors. It exits 1 if the stream reports
// a failure.
//
//	testsummary report -tests FILE... -fuzz FILE... -check NAME=STATUS...
//
// counts the tests (with subtests) in the -tests files, the fuzz targets in
// the -fuzz files and the checks (STATUS is passed, failed or skipped), and
// prints them; its last line is
//
//	summary: N passed, N failed, N skipped
//
// It exits 1 if anything failed. A package that failed without a failing
// test (a build error, a panic, a timeout, TestMain's leak check) counts as
// one failure, and so does a test that started and never ended; a -tests
// file with no results at all counts as one failure too.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	code := 0
	switch os.Args[1] {
	case "watch":
		code, err = watchCmd(os.Args[2:])
	case "report":
		code, err = reportCmd(os.Args[2:], os.Stdout)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	os.Exit(code)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: testsummary watch [-a] -o FILE < go-test-json\n"+
		"       testsummary report [-tests FILE]... [-fuzz FILE]... [-check NAME=passed|failed|skipped]...")
	os.Exit(2)
}

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action      string
	Package     string
	ImportPath  string // build-output and build-fail
	FailedBuild string // on a package's fail: the build that failed
	Test        string
	Output      string
}

type testKey struct{ pkg, test string }

// ---- watch ----

func watchCmd(args []string) (int, error) {
	fs := flag.NewFlagSet("watch", flag.ExitOnError)
	out := fs.String("o", "", "file to copy the JSON stream to")
	appendTo := fs.Bool("a", false, "append to the file instead of replacing it")
	fs.Parse(args)
	var copyTo io.Writer = io.Discard
	if *out != "" {
		mode := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
		if *appendTo {
			mode = os.O_CREATE | os.O_WRONLY | os.O_APPEND
		}
		f, err := os.OpenFile(*out, mode, 0o644)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		copyTo = f
	}
	w := newWatcher(os.Stdout)
	if err := w.read(os.Stdin, copyTo); err != nil {
		return 0, err
	}
	if w.failed {
		return 1, nil
	}
	return 0, nil
}

// watcher prints the human part of a JSON stream as it arrives.
type watcher struct {
	out    io.Writer
	output map[testKey][]string // output of tests that have not ended
	failed bool
}

func newWatcher(out io.Writer) *watcher {
	return &watcher{out: out, output: map[testKey][]string{}}
}

func (w *watcher) read(r io.Reader, copyTo io.Writer) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if _, err := copyTo.Write(append(line, '\n')); err != nil {
			return err
		}
		var ev event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &ev) != nil {
			fmt.Fprintf(w.out, "%s\n", line) // not JSON: go test's own messages
			continue
		}
		w.event(ev)
	}
	return sc.Err()
}

func (w *watcher) event(ev event) {
	k := testKey{ev.Package, ev.Test}
	switch {
	case ev.Action == "build-output":
		fmt.Fprint(w.out, ev.Output)
	case ev.Action == "build-fail":
		w.failed = true
	case ev.Test == "":
		switch ev.Action {
		case "output":
			if o := ev.Output; o != "PASS\n" && o != "FAIL\n" && !strings.HasPrefix(o, "=== ") {
				fmt.Fprint(w.out, o)
			}
		case "fail":
			w.failed = true
			w.flushUnfinished(ev.Package)
		case "pass", "skip":
			w.flushUnfinished(ev.Package)
		}
	case ev.Action == "output":
		w.output[k] = append(w.output[k], ev.Output)
	case ev.Action == "fail" || ev.Action == "skip":
		if ev.Action == "fail" {
			w.failed = true
		}
		fmt.Fprint(w.out, strings.Join(w.output[k], ""))
		delete(w.output, k)
	case ev.Action == "pass":
		delete(w.output, k)
	}
}

// flushUnfinished prints the output of pkg's tests that never ended (the
// test binary panicked or timed out while they ran).
func (w *watcher) flushUnfinished(pkg string) {
	var keys []testKey
	for k := range w.output {
		if k.pkg == pkg {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].test < keys[j].test })
	for _, k := range keys {
		fmt.Fprintf(w.out, "%s %s (did not end):\n%s", short(k.pkg), k.test, strings.Join(w.output[k], ""))
		delete(w.output, k)
	}
}

// ---- report ----

// counts are outcomes of one kind (tests, fuzz targets, checks).
type counts struct {
	passed, failed, skipped int
	top, sub                int      // tests: outcomes of top-level tests and of subtests
	failures, skips         []string // names, for the report
}

func (c *counts) add(o counts) {
	c.passed += o.passed
	c.failed += o.failed
	c.skipped += o.skipped
	c.top += o.top
	c.sub += o.sub
	c.failures = append(c.failures, o.failures...)
	c.skips = append(c.skips, o.skips...)
}

func (c counts) String() string {
	s := fmt.Sprintf("%d passed, %d failed", c.passed, c.failed)
	if c.skipped > 0 {
		s += fmt.Sprintf(", %d skipped", c.skipped)
	}
	return s
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func reportCmd(args []string, out io.Writer) (int, error) {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	var testFiles, fuzzFiles, checks multiFlag
	fs.Var(&testFiles, "tests", "go test -json output of test runs (repeatable)")
	fs.Var(&fuzzFiles, "fuzz", "go test -json output of fuzz runs (repeatable)")
	fs.Var(&checks, "check", "NAME=passed|failed|skipped (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 0, err
	}
	var tests, fuzz, chk counts
	for _, name := range testFiles {
		c, err := countFile(name)
		if err != nil {
			return 0, err
		}
		if c.passed+c.failed+c.skipped == 0 {
			c.failed++
			c.failures = append(c.failures, name+": no test results")
		}
		tests.add(c)
	}
	for _, name := range fuzzFiles {
		c, err := countFile(name)
		if err != nil {
			return 0, err
		}
		fuzz.add(c)
	}
	var checkLine []string
	for _, kv := range checks {
		name, status, ok := strings.Cut(kv, "=")
		if !ok {
			return 0, fmt.Errorf("-check %q: want NAME=STATUS", kv)
		}
		switch status {
		case "passed":
			chk.passed++
		case "failed":
			chk.failed++
			chk.failures = append(chk.failures, "check "+name)
		case "skipped":
			chk.skipped++
			chk.skips = append(chk.skips, "check "+name)
		default:
			return 0, fmt.Errorf("-check %q: status must be passed, failed or skipped", kv)
		}
		checkLine = append(checkLine, name+" "+status)
	}
	var all counts
	for _, c := range []counts{tests, fuzz, chk} {
		all.add(c)
	}
	fmt.Fprintf(out, "tests:        %v (%d tests, %d subtests)\n", tests, tests.top, tests.sub)
	if len(fuzzFiles) > 0 {
		fmt.Fprintf(out, "fuzz targets: %v\n", fuzz)
	}
	if len(checks) > 0 {
		fmt.Fprintf(out, "checks:       %v (%s)\n", chk, strings.Join(checkLine, ", "))
	}
	list(out, "skipped", all.skips)
	list(out, "FAILED", all.failures)
	fmt.Fprintf(out, "summary: %v\n", all)
	if all.failed > 0 {
		return 1, nil
	}
	return 0, nil
}

// list prints names, at most 30 of them.
func list(out io.Writer, what string, names []string) {
	for i, n := range names {
		if i == 30 {
			fmt.Fprintf(out, "%s: … and %d more\n", what, len(names)-i)
			return
		}
		fmt.Fprintf(out, "%s: %s\n", what, n)
	}
}

func countFile(name string) (counts, error) {
	f, err := os.Open(name)
	if errors.Is(err, os.ErrNotExist) {
		return counts{}, nil // the step did not run: no results
	}
	if err != nil {
		return counts{}, err
	}
	defer f.Close()
	return count(f)
}

// short is a package path without the module's prefix.
func short(pkg string) string { return strings.TrimPrefix(pkg, "github.com/multichat/multichat/") }

// count tallies the outcomes in a JSON stream.
func count(r io.Reader) (counts, error) {
	var c counts
	running := map[testKey]bool{} // started, not ended
	failedIn := map[string]int{}  // failed tests per package
	outcome := func(k testKey, action string) {
		delete(running, k)
		if strings.Contains(k.test, "/") {
			c.sub++
		} else {
			c.top++
		}
		name := short(k.pkg) + " " + k.test
		switch action {
		case "pass":
			c.passed++
		case "skip":
			c.skipped++
			c.skips = append(c.skips, name)
		default:
			c.failed++
			failedIn[k.pkg]++
			c.failures = append(c.failures, name)
		}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		var ev event
		if line := sc.Bytes(); len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &ev) != nil {
			continue
		}
		k := testKey{ev.Package, ev.Test}
		switch ev.Action {
		case "run":
			if ev.Test != "" {
				running[k] = true
			}
		case "pass", "fail", "skip":
			if ev.Test != "" {
				outcome(k, ev.Action)
				continue
			}
			// The package ended: tests still running never will.
			var unfinished []testKey
			for rk := range running {
				if rk.pkg == ev.Package {
					unfinished = append(unfinished, rk)
				}
			}
			sort.Slice(unfinished, func(i, j int) bool { return unfinished[i].test < unfinished[j].test })
			for _, rk := range unfinished {
				outcome(rk, "did not end")
				c.failures[len(c.failures)-1] += " (did not end)"
			}
			if ev.Action == "fail" && failedIn[ev.Package] == 0 {
				why := "package " + short(ev.Package)
				if ev.FailedBuild != "" {
					why += " (build failed)"
				}
				c.failed++
				c.failures = append(c.failures, why)
			}
			delete(failedIn, ev.Package)
		}
	}
	return c, sc.Err()
}
