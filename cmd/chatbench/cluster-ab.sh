#!/usr/bin/env bash
# Measures two builds of MultiChat side by side on this machine: it builds
# chatserver at two git revisions and runs cluster-bench.sh's scenarios
# against each in turn (A, B, A, B…), each time with a fresh single server
# and a fresh three-server cluster, so that both builds meet the same load on
# the machine. chatbench (the measuring tool) is this checkout's, the same
# for both.
#
#   cmd/chatbench/cluster-ab.sh OLD NEW   # ROUNDS=2 SCENARIOS=latency OUT=/tmp/multichat-cluster-ab
#
# It ends with each build's figures per round and their medians.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ $# != 2 ]; then
	echo "usage: $0 OLD NEW (git revisions)" >&2
	exit 2
fi
OUT=${OUT:-/tmp/multichat-cluster-ab}
ROUNDS=${ROUNDS:-2}
export SCENARIOS=${SCENARIOS:-latency}
rm -rf "$OUT"
mkdir -p "$OUT"
echo "chatbench from $(git describe --always --dirty 2>/dev/null || echo unknown), $(go version), $(nproc) CPUs"
go build -o "$OUT/chatbench" ./cmd/chatbench
revs=("$1" "$2")
names=(A B)
for i in 0 1; do
	n=${names[$i]}
	mkdir -p "$OUT/src-$n" "$OUT/bin-$n"
	git archive "${revs[$i]}" | tar -x -C "$OUT/src-$n"
	(cd "$OUT/src-$n" && go build -tags "${TAGS-x11}" -o "$OUT/bin-$n/chatserver" ./cmd/chatserver)
	cp "$OUT/chatbench" "$OUT/bin-$n/chatbench"
	echo "$n = ${revs[$i]} ($(git rev-parse --short "${revs[$i]}^{commit}"))"
done
for r in $(seq "$ROUNDS"); do
	for n in "${names[@]}"; do
		echo "=== round $r, build $n"
		BIN="$OUT/bin-$n" OUT="$OUT/$n-$r" SKIP_BUILD=1 ROUNDS=1 cmd/chatbench/cluster-bench.sh
	done
done
python3 - "$OUT" "$ROUNDS" "$SCENARIOS" "$1" "$2" <<'PY'
import json, os, sys, statistics
out, rounds, scenarios, revs = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), sys.argv[4:]
med = statistics.median
def load(n, kind, r):
    p = f"{out}/{n}-{r}/{kind}-1.json"
    return json.load(open(p)) if os.path.exists(p) else None
for n, rev in zip("AB", revs):
    print(f"build {n} ({rev}):")
    if "latency" in scenarios:
        rows = {"single": [], "cluster": [], "cluster, same server": [], "cluster, other servers": []}
        for r in range(1, rounds + 1):
            s, c = load(n, "latency-single", r), load(n, "latency-cluster", r)
            if s: rows["single"].append((s["p50_us"], s["p99_us"]))
            if c:
                rows["cluster"].append((c["p50_us"], c["p99_us"]))
                for key, name in (("same_server", "cluster, same server"), ("other_servers", "cluster, other servers")):
                    if c.get(key): rows[name].append((c[key]["p50_us"], c[key]["p99_us"]))
        for name, v in rows.items():
            if v:
                each = ", ".join(f"{a/1000:.2f}/{b/1000:.2f}" for a, b in v)
                print(f"  latency {name:24s} p50 {med(a for a, _ in v)/1000:.2f} ms  p99 {med(b for _, b in v)/1000:.2f} ms"
                      f"   (rounds, p50/p99 ms: {each})")
        if rows["single"] and rows["cluster"]:
            d = med(b for _, b in rows["cluster"]) - med(b for _, b in rows["single"])
            print(f"  latency p99 cluster − single: {d/1000:+.2f} ms (target ≤ +1 ms)")
    if "fanout" in scenarios:
        fs = [x["deliveries_per_sec"] for r in range(1, rounds + 1) if (x := load(n, "fanout-single", r))]
        fc = [x["deliveries_per_sec"] for r in range(1, rounds + 1) if (x := load(n, "fanout-cluster", r))]
        if fs and fc:
            print(f"  fan-out N=300: single {med(fs):.0f}/s, cluster {med(fc):.0f}/s ({100*med(fc)/med(fs):.0f} %)")
    per = [x["nats_messages_per_chat_message"] for s in scenarios for r in range(1, rounds + 1)
           if (x := load(n, f"{s}-cluster", r)) and "nats_messages_per_chat_message" in x]
    if per:
        print(f"  NATS messages per chat message: {', '.join(f'{p:.3f}' for p in per)}")
PY
