package main

import (
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/multichat/multichat/net/server"
)

// TestOperatorsFlag: -operators reads the operators file; a bad one is an
// error; the window's server reads operators.txt from its data directory
// when -operators names none.
func TestOperatorsFlag(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "ops")
	os.WriteFile(file, []byte("# who may oper\nroot s3cret\n"), 0o600)
	o, err := configFromFlags(flag.NewFlagSet("test", flag.ContinueOnError), []string{"-operators", file, "-data", dir})
	if err != nil {
		t.Fatal(err)
	}
	if want := []server.Operator{{Name: "root", Password: "s3cret"}}; !slices.Equal(o.Config.Operators, want) {
		t.Fatalf("operators %+v", o.Config.Operators)
	}
	for _, bad := range []string{filepath.Join(dir, "missing"), filepath.Join(dir, "empty")} {
		os.WriteFile(filepath.Join(dir, "empty"), []byte("# nobody\n"), 0o600)
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		if _, err := configFromFlags(fs, []string{"-operators", bad, "-data", dir}); err == nil {
			t.Errorf("-operators %s: no error", bad)
		}
	}

	o, err = configFromFlags(flag.NewFlagSet("test", flag.ContinueOnError), []string{"-data", dir})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	if dataDirOperators(&o.Config, log); o.Config.Operators != nil {
		t.Fatalf("no operators.txt, yet %+v", o.Config.Operators)
	}
	os.WriteFile(filepath.Join(dir, server.OperatorsFile), []byte("운영자 비밀 번호\n"), 0o600)
	if dataDirOperators(&o.Config, log); !slices.Equal(o.Config.Operators, []server.Operator{{Name: "운영자", Password: "비밀 번호"}}) {
		t.Fatalf("operators.txt gave %+v", o.Config.Operators)
	}
}
