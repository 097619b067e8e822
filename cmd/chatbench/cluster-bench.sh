#!/usr/bin/env bash
# Runs the cluster targets of issue #19 side by side: one headless server on
# its own and three clustered over embedded NATS (all on this machine, on
# loopback ports), then the latency and fan-out scenarios against each,
# interleaved (single, cluster, single, cluster…), with the cluster's
# clients spread over its three servers and its NATS messages counted.
#
#   cmd/chatbench/cluster-bench.sh            # OUT=/tmp/multichat-cluster-bench ROUNDS=2
#
# SCENARIOS="latency" (or "fanout") runs only those; SKIP_BUILD=1 uses the
# binaries already in $BIN (default $OUT): cluster-ab.sh runs two builds this
# way, in turn.
# The latency scenario also reports, for the cluster, the deliveries to
# clients of the sender's own server apart from those to the other servers'.
#
# Targets: latency p99 (N=100, 10 senders × 20 msg/s) at most 1 ms above the
# single server's; fan-out at N=300 at least 50 % of the single server's
# deliveries per second; 1 NATS message per chat message.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/multichat-cluster-bench}
ROUNDS=${ROUNDS:-2}
SCENARIOS=${SCENARIOS:-latency fanout}
FANOUT_M=${FANOUT_M:-1000}
mkdir -p "$OUT"
rm -rf "$OUT"/data-*
BIN=${BIN:-$OUT} # where chatserver and chatbench are
if [ -z "${SKIP_BUILD-}" ]; then
	echo "source: $(git describe --always --dirty 2>/dev/null || echo unknown), $(go version), $(nproc) CPUs"
fi
if [ -z "${SKIP_BUILD-}" ]; then # SKIP_BUILD=1: use the binaries already in $BIN
	go build -tags "${TAGS-x11}" -o "$BIN/chatserver" ./cmd/chatserver
	go build -o "$BIN/chatbench" ./cmd/chatbench
fi

pids=()
stop_all() {
	for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap stop_all EXIT
common=(-headless -announce=false -flood-burst -1 -max-conns 20000 -history=false)
"$BIN/chatserver" "${common[@]}" -log-level warn -addr 127.0.0.1:17900 -name single -data "$OUT/data-single" \
	>"$OUT/single.log" 2>&1 &
pids+=($!)
for i in 1 2 3; do
	peers=()
	for j in 1 2 3; do [ "$j" != "$i" ] && peers+=("127.0.0.1:1622$j"); done
	nats=()
	[ "$i" = 1 ] && nats=(-nats-listen 127.0.0.1:14222)
	"$BIN/chatserver" "${common[@]}" -log-level info -addr "127.0.0.1:1790$i" -name "floor $i" -data "$OUT/data-$i" \
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
	"$BIN/chatbench" "$@" -addr "$addrs" "${extra[@]}" -json >"$OUT/$name.json" || echo "   (incomplete)"
	grep -E '"(same_server|other_servers|servers|received|expected|lost|order_violations|deliveries_per_sec|server_cpu_per_delivery_us|server_cpu_seconds|p50_us|p99_us|max_us|nats_messages|nats_messages_per_chat_message|complete|error)"' "$OUT/$name.json" | tr -d '\n' | tr -s ' '
	echo
}
for r in $(seq "$ROUNDS"); do
	for s in $SCENARIOS; do
		case $s in
		latency)
			run "latency-single-$r" "$single" latency -n 100 -s 10 -rate 20 -d 10s
			run "latency-cluster-$r" "$cluster" latency -n 100 -s 10 -rate 20 -d 10s
			;;
		fanout)
			run "fanout-single-$r" "$single" fanout -n 300 -s 10 -m "$FANOUT_M" -w 32
			run "fanout-cluster-$r" "$cluster" fanout -n 300 -s 10 -m "$FANOUT_M" -w 32
			;;
		*) echo "unknown scenario $s" >&2 ;;
		esac
	done
done
python3 - "$OUT" "$ROUNDS" "$SCENARIOS" <<'PY'
import json, sys, statistics
out, rounds, scenarios = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
def get(kind, key, sub=None):
    vals = [json.load(open(f"{out}/{kind}-{r}.json")) for r in range(1, rounds + 1)]
    return [v[sub][key] if sub else v[key] for v in vals]
med = statistics.median
if "latency" in scenarios:
    ls, lc = get("latency-single", "p99_us"), get("latency-cluster", "p99_us")
    print(f"latency p99: single {med(ls)/1000:.2f} ms, cluster {med(lc)/1000:.2f} ms "
          f"(difference {(med(lc)-med(ls))/1000:+.2f} ms; target ≤ +1 ms)")
    print(f"latency p50: single {med(get('latency-single', 'p50_us'))/1000:.2f} ms, "
          f"cluster {med(get('latency-cluster', 'p50_us'))/1000:.2f} ms")
    for sub, name in (("same_server", "same server"), ("other_servers", "other servers")):
        print(f"  cluster, clients of the {name}: p50 {med(get('latency-cluster', 'p50_us', sub))/1000:.2f} ms, "
              f"p99 {med(get('latency-cluster', 'p99_us', sub))/1000:.2f} ms")
if "fanout" in scenarios:
    fs, fc = get("fanout-single", "deliveries_per_sec"), get("fanout-cluster", "deliveries_per_sec")
    cs, cc = get("fanout-single", "server_cpu_per_delivery_us"), get("fanout-cluster", "server_cpu_per_delivery_us")
    print(f"fan-out N=300: single {med(fs):.0f}/s, cluster {med(fc):.0f}/s "
          f"({100*med(fc)/med(fs):.0f} %; target ≥ 50 %)")
    print(f"server CPU per delivery at N=300: single {med(cs):.3f} µs, cluster (3 servers together) "
          f"{med(cc):.3f} µs (capacity ratio {med(cs)/med(cc):.2f})")
per = [p for s in scenarios for p in get(f"{s}-cluster", "nats_messages_per_chat_message")]
print(f"NATS messages per chat message: {', '.join(f'{p:.3f}' for p in per)}")
PY
