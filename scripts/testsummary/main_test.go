package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The testdata streams are real `go test -json` output of a small module:
// mixed.json has passing tests and subtests, fuzz seeds, a skip, a failing
// subtest, a package that does not build and a test that panics (the test
// after it never runs); timeout.json a test killed by -timeout while its
// subtest ran; fuzz.json one fuzz target run with -fuzz.

var lastLine = regexp.MustCompile(`^summary: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$`)

func report(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out bytes.Buffer
	code, err := reportCmd(args, &out)
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if !lastLine.MatchString(lines[len(lines)-1]) {
		t.Errorf("last line %q", lines[len(lines)-1])
	}
	return s, code
}

func TestReportCounts(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string // lines that must appear
		code int
	}{{
		args: []string{"-tests", "testdata/mixed.json"},
		want: []string{
			"tests:        10 passed, 4 failed, 1 skipped (8 tests, 6 subtests)",
			"skipped: example.com/tsmod/good TestSkip",
			"FAILED: example.com/tsmod/bad TestBad/broken",
			"FAILED: example.com/tsmod/bad TestBad",
			"FAILED: package example.com/tsmod/broken (build failed)",
			"FAILED: example.com/tsmod/panics TestPanic",
			"summary: 10 passed, 4 failed, 1 skipped",
		},
		code: 1,
	}, {
		args: []string{"-tests", "testdata/timeout.json"},
		want: []string{
			"FAILED: example.com/tsmod/hang TestHang (did not end)",
			"FAILED: example.com/tsmod/hang TestHang/inner (did not end)",
			"summary: 1 passed, 2 failed",
		},
		code: 1,
	}, {
		args: []string{"-fuzz", "testdata/fuzz.json", "-check", "vet=passed", "-check", "packages=skipped"},
		want: []string{
			"fuzz targets: 1 passed, 0 failed",
			"checks:       1 passed, 0 failed, 1 skipped (vet passed, packages skipped)",
			"skipped: check packages",
			"summary: 2 passed, 0 failed, 1 skipped",
		},
		code: 0,
	}, {
		// A test step that left no results is a failure, not a zero.
		args: []string{"-tests", "testdata/missing.json", "-check", "gofmt=failed"},
		want: []string{
			"FAILED: testdata/missing.json: no test results",
			"FAILED: check gofmt",
			"summary: 0 passed, 2 failed",
		},
		code: 1,
	}} {
		out, code := report(t, tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d", tc.args, code, tc.code)
		}
		lines := strings.Split(out, "\n")
		for _, w := range tc.want {
			found := false
			for _, l := range lines {
				found = found || l == w
			}
			if !found {
				t.Errorf("%v: no line %q in\n%s", tc.args, w, out)
			}
		}
	}
}

func TestReportRejectsBadCheck(t *testing.T) {
	if _, err := reportCmd([]string{"-check", "vet=ok"}, &bytes.Buffer{}); err == nil {
		t.Error("status ok accepted")
	}
}

func TestWatchShowsFailuresOnly(t *testing.T) {
	f, err := os.Open("testdata/mixed.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out, copied bytes.Buffer
	w := newWatcher(&out)
	if err := w.read(f, &copied); err != nil {
		t.Fatal(err)
	}
	if !w.failed {
		t.Error("failure not noticed")
	}
	orig, _ := os.ReadFile("testdata/mixed.json")
	if !bytes.Equal(copied.Bytes(), orig) {
		t.Error("the stream was not copied as it came")
	}
	s := out.String()
	for _, want := range []string{
		"bad_test.go:8: some log", "--- FAIL: TestBad/broken", // a failing test's log
		"undefined: undefined",              // a build error
		"panic: boom", "--- SKIP: TestSkip", // a panic, a skip
		"ok  \texample.com/tsmod/good", "FAIL\texample.com/tsmod/bad",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("watch output lacks %q:\n%s", want, s)
		}
	}
	for _, unwanted := range []string{"TestSub/one", "TestOK", "=== RUN   TestA"} {
		if strings.Contains(s, unwanted) {
			t.Errorf("watch output shows passing test %q", unwanted)
		}
	}
}
