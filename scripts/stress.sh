#!/usr/bin/env bash
# make test-stress: runs the end-to-end and timing-sensitive tests STRESS
# times (default 50) under the race detector, with the shipped tags and a new
# shuffle seed each run, and reports every failing run with its seed and log.
# Each package's test binary is built once; runs are sequential.
#
#   STRESS=N   runs per package (default 50)
#   BUSY=1     keep one core busy meanwhile (a loaded machine shakes out more)
#   ONLY=gui   stress one of the packages below only
set -uo pipefail
cd "$(dirname "$0")/.."
go=${GO:-go}
runs=${STRESS:-50}
tags=migrated_fynedo

# package | tests (a -run pattern)
suites=(
	"gui|^TestClientEndToEnd$"
	"net/server|^(TestSlowConsumer|TestKeepalive|TestHandshakeTimeout|TestFloodControl|TestStopStart|TestStopWithStuckClient|TestKick|TestJoinBurst|TestBigBurstNotSlow|TestNickRace|TestSlowUI|TestAccept.*|TestStopDuringFileTransfer|TestPanicRecovery|TestFileSenderAheadOfAcks)$"
	"net/client|^(TestKeepalive|TestReconnectDeliversQueuedInOrder|TestUnreachableRetriesUntilDisconnect|TestStoppingReconnects|TestRejoinRetriesNickTaken|TestSlowUIDoesNotBlock|TestRealServer.*|TestCancel.*|TestHandshakeFailures)$"
)

dir=tmp/stress
rm -rf "$dir"
mkdir -p "$dir"
if [ "${BUSY:-0}" = 1 ]; then
	(while :; do :; done) &
	busy=$!
	trap 'kill "$busy" 2>/dev/null' EXIT
fi

start=$(date +%s)
passed=0
failed=0
failures=()
for s in "${suites[@]}"; do
	pkg=${s%%|*}
	pattern=${s#*|}
	[ -n "${ONLY:-}" ] && [ "$ONLY" != "$pkg" ] && continue
	bin=$PWD/$dir/$(echo "$pkg" | tr / -).test
	echo "stress: building $pkg"
	if ! "$go" test -c -race -tags "$tags" -o "$bin" "./$pkg"; then
		failed=$((failed + 1))
		failures+=("$pkg: does not build")
		continue
	fi
	echo "stress: $pkg $pattern, $runs runs"
	pkgstart=$(date +%s)
	for i in $(seq 1 "$runs"); do
		seed=$(date +%s%N)
		log=$PWD/$dir/$(echo "$pkg" | tr / -)-$i.log
		if (cd "$pkg" && "$bin" -test.run "$pattern" -test.shuffle "$seed" -test.count 1 -test.timeout 5m) >"$log" 2>&1; then
			passed=$((passed + 1))
			rm -f "$log"
		else
			failed=$((failed + 1))
			failures+=("$pkg run $i, seed $seed: $log
    reproduce: go test -race -tags $tags -shuffle=$seed -run '$pattern' ./$pkg")
			echo "stress: $pkg run $i FAILED (seed $seed):"
			grep -E -e '--- FAIL|panic:|DATA RACE|_test.go:[0-9]+:' "$log" | head -20
		fi
	done
	echo "stress: $pkg: $runs runs in $(($(date +%s) - pkgstart)) s"
done
echo "stress: took $(($(date +%s) - start)) s in all"
for f in "${failures[@]}"; do
	echo "FAILED: $f"
done
echo "summary: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
