#!/usr/bin/env bash
# What `make test` (and so CI, .ci/run) runs after setup: go vet, a gofmt
# check, the tests under the race detector with the tags the shipped builds
# use and in shuffled order, the theme's Hangul check with the system's fonts
# hidden, short fuzz runs, and the Linux package check. Every step runs even
# when an earlier one fails, so that the closing line, written by
# scripts/testsummary from go test -json's records, counts everything:
#
#   summary: N passed, N failed[, N skipped]
#
# It exits non-zero if anything failed. Records are kept in tmp/.
#
#   PKGS=./net/...   test only these packages (default ./...)
#   SHUFFLE=N        the shuffle seed (default: a new one, printed first)
#   FUZZTIME=N       fuzz executions per target (default 100000x)
#   NO_PACKAGES=1    skip the package check (counted as skipped)
set -uo pipefail
cd "$(dirname "$0")/.."
go=${GO:-go}
pkgs=${PKGS:-./...}
seed=${SHUFFLE:-$(date +%s%N)}
tags=migrated_fynedo

mkdir -p tmp
rm -f tmp/test.json tmp/test-nofonts.json tmp/fuzz.json
if ! "$go" build -o tmp/testsummary ./scripts/testsummary; then
	echo "summary: 0 passed, 1 failed"
	exit 1
fi
echo "test: shuffle seed $seed (reproduce the order with SHUFFLE=$seed make test)"

checks=()
step() { # step NAME COMMAND...: runs a check and records passed or failed
	local name=$1
	shift
	echo "== $name"
	if "$@"; then checks+=("-check" "$name=passed"); else checks+=("-check" "$name=failed"); fi
}

step vet "$go" vet -tags "$tags" ./...
step gofmt make --no-print-directory -s fmt-check

echo "== go test -race -tags $tags -shuffle=$seed $pkgs"
"$go" test -json -race -count=1 -shuffle="$seed" -tags "$tags" $pkgs 2>&1 | tmp/testsummary watch -o tmp/test.json

# Fyne falls back to the system's fonts for runes the theme's font lacks; its
# ci tag turns that off, as on a machine with no Korean font, so that this
# run fails unless the bundled font draws Hangul.
echo "== go test -tags '$tags ci' -run '^TestTheme' ./gui (system fonts hidden)"
"$go" test -json -count=1 -tags "$tags ci" -run '^TestTheme' ./gui 2>&1 | tmp/testsummary watch -o tmp/test-nofonts.json

echo "== fuzz"
FUZZTIME=${FUZZTIME:-100000x} FUZZJSON=tmp/fuzz.json GO="$go" scripts/fuzz.sh

if [ "${NO_PACKAGES:-0}" = 1 ]; then
	checks+=("-check" "packages=skipped")
else
	step packages scripts/check-packages.sh dist
fi

echo "=="
exec tmp/testsummary report -tests tmp/test.json -tests tmp/test-nofonts.json -fuzz tmp/fuzz.json "${checks[@]}"
