#!/usr/bin/env bash
# Runs every Go fuzz target in the module for a bounded run (FUZZTIME each,
# default 100000x: a count of executions, not a duration; under load a timed
# -fuzztime can end in "context deadline exceeded" with no failing input,
# golang/go#75804). Targets are discovered, not listed here: packages whose test
# files declare a func Fuzz...(*testing.F) are found with grep, and
# `go test -list` on those packages names the targets, so new ones are picked
# up and nothing else is compiled. A failing input is saved by go test under
# the package's testdata/fuzz/ and fails this script.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-100000x}

mapfile -t dirs < <(grep -rlE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(' . |
	grep -v '^./\(dist\|bin\|tmp\)/' | xargs -r -n1 dirname | sort -u)
if [ ${#dirs[@]} -eq 0 ]; then
	echo "fuzz: no fuzz targets"
	exit 0
fi

count=0
for d in "${dirs[@]}"; do
	pkg=$(go list "$d")
	mapfile -t targets < <(go test -list '^Fuzz' "$d" | grep -E '^Fuzz[A-Za-z0-9_]*$' || true)
	for t in "${targets[@]}"; do
		echo "fuzz: $pkg $t for $fuzztime"
		go test -run '^$' -fuzz "^${t}\$" -fuzztime "$fuzztime" "$d"
		count=$((count + 1))
	done
done
echo "fuzz: $count target(s) ran for $fuzztime each"
