#!/usr/bin/env bash
# Runs the cluster targets of issue #19 side by side: one headless server on
# its own and three clustered over embedded NATS (all on this machine, on
# loopback ports), then the latency and fan-out scenarios against each,
# interleaved (single, cluster, single, cluster…), with the cluster's
# clients spread over its three servers and its NATS messages counted.
#
#   cmd/chatbench/cluster-bench.sh            # OUT=/tmp/multichat-cluster-bench ROUNDS=2
#
# Targets: latency p99 (N=100, 10 senders × 20 msg/s) at most 1 ms above the
# single server's; fan-out at N=300 at least 50 % of the single server's
# deliveries per second; 1 NATS message per chat message.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/multichat-cluster-bench}
ROUNDS=${ROUNDS:-2}
FANOUT_M=${FANOUT_M:-1000}
mkdir -p "$OUT"
rm -rf "$OUT"/data-*
echo "source: $(git describe --always --dirty 2>/dev/null || echo unknown), $(go version), $(nproc) CPUs"
if [ -z "${SKIP_BUILD-}" ]; then # SKIP_BUILD=1: use the binaries already in $OUT
	go build -tags "${TAGS-x11}" -o "$OUT/chatserver" ./cmd/chatserver
	go build -o "$OUT/chatbench" ./cmd/chatbench
fi

pids=()
stop_all() {
	for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap stop_all EXIT
common=(-headless -announce=false -flood-burst -1 -max-conns 20000 -history=false)
"$OUT/chatserver" "${common[@]}" -log-level warn -addr 127.0.0.1:17900 -name single -data "$OUT/data-single" \
	>"$OUT/single.log" 2>&1 &
pids+=($!)
for i in 1 2 3; do
	peers=()
	for j in 1 2 3; do [ "$j" != "$i" ] && peers+=("127.0.0.1:1622$j"); done
	nats=()
	[ "$i" = 1 ] && nats=(-nats-listen 127.0.0.1:14222)
	"$OUT/chatserver" "${common[@]}" -log-level info -addr "127.0.0.1:1790$i" -name "floor $i" -data "$OUT/data-$i" \
		-cluster-listen "127.0.0.1:1622$i" -cluster-peers "$(IFS=,; echo "${peers[*]}")" -cluster-id "floor$i" \
		"${nats[@]}" >"$OUT/floor$i.log" 2>&1 &
	pids+=($!)
done
for port in 17900 17901 17902 17903; do
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
		sleep 0.1
	done
done
# JetStream elects its leaders: wait until the nickname bucket is ready.
for _ in $(seq 300); do
	if grep -q "nickname bucket ready" "$OUT/floor1.log" "$OUT/floor2.log" "$OUT/floor3.log" 2>/dev/null &&
		[ "$(grep -l "nickname bucket ready" "$OUT"/floor*.log | wc -l)" = 3 ]; then break; fi
	sleep 0.1
done

single=127.0.0.1:17900
cluster=127.0.0.1:17901,127.0.0.1:17902,127.0.0.1:17903
run() { # name, addrs, chatbench args...
	local name=$1 addrs=$2
	shift 2
	local extra=(-pid "${pids[0]}")
	[ "$addrs" = "$cluster" ] && extra=(-nats nats://127.0.0.1:14222 -pid "${pids[1]}" -pids "${pids[2]},${pids[3]}")
	echo "== $name (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
	"$OUT/chatbench" "$@" -addr "$addrs" "${extra[@]}" -json >"$OUT/$name.json" || echo "   (incomplete)"
	grep -E '"(servers|received|expected|lost|order_violations|deliveries_per_sec|server_cpu_per_delivery_us|server_cpu_seconds|p50_us|p99_us|max_us|nats_messages|nats_messages_per_chat_message|complete|error)"' "$OUT/$name.json" | tr -d '\n' | tr -s ' '
	echo
}
for r in $(seq "$ROUNDS"); do
	run "latency-single-$r" "$single" latency -n 100 -s 10 -rate 20 -d 10s
	run "latency-cluster-$r" "$cluster" latency -n 100 -s 10 -rate 20 -d 10s
	run "fanout-single-$r" "$single" fanout -n 300 -s 10 -m "$FANOUT_M" -w 32
	run "fanout-cluster-$r" "$cluster" fanout -n 300 -s 10 -m "$FANOUT_M" -w 32
done
python3 - "$OUT" "$ROUNDS" <<'PY'
import json, sys, statistics
out, rounds = sys.argv[1], int(sys.argv[2])
def get(kind, key):
    return [json.load(open(f"{out}/{kind}-{r}.json"))[key] for r in range(1, rounds + 1)]
ls, lc = get("latency-single", "p99_us"), get("latency-cluster", "p99_us")
fs, fc = get("fanout-single", "deliveries_per_sec"), get("fanout-cluster", "deliveries_per_sec")
per = get("fanout-cluster", "nats_messages_per_chat_message") + get("latency-cluster", "nats_messages_per_chat_message")
cs, cc = get("fanout-single", "server_cpu_per_delivery_us"), get("fanout-cluster", "server_cpu_per_delivery_us")
print(f"latency p99: single {statistics.median(ls)/1000:.2f} ms, cluster {statistics.median(lc)/1000:.2f} ms "
      f"(difference {(statistics.median(lc)-statistics.median(ls))/1000:+.2f} ms; target ≤ +1 ms)")
print(f"fan-out N=300: single {statistics.median(fs):.0f}/s, cluster {statistics.median(fc):.0f}/s "
      f"({100*statistics.median(fc)/statistics.median(fs):.0f} %; target ≥ 50 %)")
print(f"server CPU per delivery at N=300: single {statistics.median(cs):.3f} µs, cluster (3 servers together) "
      f"{statistics.median(cc):.3f} µs (capacity ratio {statistics.median(cs)/statistics.median(cc):.2f})")
print(f"NATS messages per chat message: {', '.join(f'{p:.3f}' for p in per)}")
PY
