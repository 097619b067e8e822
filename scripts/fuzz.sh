#!/usr/bin/env bash
# Runs every Go fuzz target in the module for a bounded run (FUZZTIME each,
# default 100000x: a count of executions, not a duration; under load a timed
# -fuzztime can end in "context deadline exceeded" with no failing input,
# golang/go#75804). Targets are discovered, not listed here: packages whose test
# files declare a func Fuzz...(*testing.F) are found with grep, and
# `go test -list` on those packages names the targets, so new ones are picked
# up and nothing else is compiled. A failing input is saved by go test under
# the package's testdata/fuzz/ and fails this script; the other targets still
# run.
#
#   FUZZJSON=FILE   also append go test -json's record of each run to FILE
#                   (make test counts the targets from it; the output shown
#                   is then scripts/testsummary's: failures in full)
set -uo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-100000x}
go=${GO:-go}

mapfile -t dirs < <(grep -rlE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(' . |
	grep -v '^./\(dist\|bin\|tmp\)/' | xargs -r -n1 dirname | sort -u)
if [ ${#dirs[@]} -eq 0 ]; then
	echo "fuzz: no fuzz targets"
	exit 0
fi

summary=()
if [ -n "${FUZZJSON:-}" ]; then
	: >"$FUZZJSON"
	mkdir -p tmp
	"$go" build -o tmp/testsummary ./scripts/testsummary || exit 1
fi

count=0
failed=0
for d in "${dirs[@]}"; do
	pkg=$("$go" list "$d" 2>/dev/null) || pkg=$d
	mapfile -t targets < <("$go" test -list '^Fuzz' "$d" | grep -E '^Fuzz[A-Za-z0-9_]*$')
	if [ ${#targets[@]} -eq 0 ]; then
		echo "fuzz: $pkg: no targets listed (does it build?)"
		failed=$((failed + 1))
		summary+=("$pkg (not listed)")
		if [ -n "${FUZZJSON:-}" ]; then # counted as a failed package
			printf '{"Action":"fail","Package":"%s"}\n' "$pkg" >>"$FUZZJSON"
		fi
		continue
	fi
	for t in "${targets[@]}"; do
		echo "fuzz: $pkg $t for $fuzztime"
		if [ -n "${FUZZJSON:-}" ]; then
			"$go" test -json -run '^$' -fuzz "^${t}\$" -fuzztime "$fuzztime" "$d" 2>&1 |
				tmp/testsummary watch -a -o "$FUZZJSON"
		else
			"$go" test -run '^$' -fuzz "^${t}\$" -fuzztime "$fuzztime" "$d"
		fi || { failed=$((failed + 1)); summary+=("$pkg $t"); }
		count=$((count + 1))
	done
done
for s in "${summary[@]}"; do
	echo "fuzz: FAILED $s"
done
echo "fuzz: $count target(s) ran for $fuzztime each, $failed failed"
[ "$failed" -eq 0 ]
