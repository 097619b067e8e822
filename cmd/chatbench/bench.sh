#!/usr/bin/env bash
# Runs the Performance section's benchmarks: builds chatserver and chatbench,
# starts a fresh headless server (flood control off, high limits) on
# 127.0.0.1 for each run, and saves each run's JSON in $OUT.
#
#   cmd/chatbench/bench.sh [fanout100|fanout500|fanout2000|packed100|fanout4k|latency|connections|joins16|history100 ...]
#
# fanout4k runs the 4 KiB burst against the server and then, side by side,
# against chatbench's lean hub (-baseline). The fan-out scenarios write one
# message per write, as interactive clients do; packed100 is fanout100 with
# the window's messages packed into one write.
#
# Each server keeps history (the shipped default) in a fresh data directory
# under $OUT, unless HISTORY=off. history100 runs fanout100 with history off
# and on, HROUNDS (4) times each, interleaved, and prints the on/off ratios
# of deliveries/s and server CPU per delivery, per pair and of the means.
#
# Environment: OUT (results directory, default /tmp/chatbench-results),
# PORT (default 7900), M100 / M500 (messages per sender at N=100 / N=500),
# TAGS (build tags for chatserver, default x11: the headless server needs no
# window system, and the X11-only GLFW build needs no Wayland headers).
# Scenarios run over TLS (the server's certificate lives in $OUT/server-data);
# the -plain variants (fanout100-plain, connections-plain, …) run the same
# thing with the server and the tool in -plaintext, for side-by-side ratios.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/chatbench-results}
PORT=${PORT:-7900}
M100=${M100:-25000}
M500=${M500:-5000}
M2000=${M2000:-1250}
mkdir -p "$OUT"
echo "source: $(git describe --always --dirty 2>/dev/null || echo unknown), $(go version), $(nproc) CPUs"
go build -tags "${TAGS-x11}" -o "$OUT/chatserver" ./cmd/chatserver
go build -o "$OUT/chatbench" ./cmd/chatbench

server_pid=
HISTORY=${HISTORY:-on}
start_server() { # extra server flags...
	local hist=(-history=false -data "$OUT/server-data")
	if [ "$HISTORY" = on ]; then
		rm -rf "$OUT/data"
		hist=(-data "$OUT/data")
	fi
	"$OUT/chatserver" -headless -addr "127.0.0.1:$PORT" -flood-burst -1 -max-conns 20000 -log-level warn \
		"${hist[@]}" "$@" >"$OUT/server.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 100); do # up to 10 s
		if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	echo "server did not start" >&2
	return 1
}
stop_server() {
	if [ -n "$server_pid" ]; then
		kill -INT "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
		server_pid=
	fi
}
trap stop_server EXIT

bench() { # name, chatbench arguments...
	local name=$1
	shift
	local plain=()
	case $name in *-plain) plain=(-plaintext) ;; esac
	start_server "${plain[@]}"
	echo "== $name: chatbench $* (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
	local rc=0
	"$OUT/chatbench" "$@" "${plain[@]}" -addr "127.0.0.1:$PORT" -pid "$server_pid" -json >"$OUT/$name.json" || rc=$?
	stop_server
	# The summary, from the JSON, for the log.
	grep -E '"(server|writes|received|expected|lost|duplicates|order_violations|deliveries_per_sec|server_cpu_per_delivery_us|machine_share|cpu_bound_deliveries_per_sec|tool_cpu_per_delivery_us|p50_us|p90_us|p99_us|max_us|joined|connect_seconds|probe_welcome_p99_ms|server_rss_per_conn_kib|ratio_to_baseline|complete|error)"' "$OUT/$name.json" || true
	return $rc
}

# history100: fanout100 with history off and on, interleaved, HROUNDS pairs
# (default 4: one pair moves by ±5 % on this two-CPU machine); each pair's
# ratios, then the ratios of the means (on / off).
history100() {
	local rc=0
	rm -f "$OUT"/fanout100-history-*.json
	for round in $(seq "${HROUNDS:-4}"); do
		for h in off on; do
			HISTORY=$h bench "fanout100-history-$h-$round" fanout -n 100 -s 10 -m "$M100" -size 100 -w 32 || rc=1
		done
	done
	for f in "$OUT"/fanout100-history-on-*.json; do
		local g=${f/-on-/-off-}
		echo "pair ${f##*-on-}: deliveries/s $(jq -n --slurpfile a "$f" --slurpfile b "$g" '$a[0].deliveries_per_sec / $b[0].deliveries_per_sec'), CPU per delivery $(jq -n --slurpfile a "$f" --slurpfile b "$g" '$a[0].server_cpu_per_delivery_us / $b[0].server_cpu_per_delivery_us')"
	done
	local d_off d_on c_off c_on
	d_off=$(jq -s 'map(.deliveries_per_sec) | add / length' "$OUT"/fanout100-history-off-*.json)
	d_on=$(jq -s 'map(.deliveries_per_sec) | add / length' "$OUT"/fanout100-history-on-*.json)
	c_off=$(jq -s 'map(.server_cpu_per_delivery_us) | add / length' "$OUT"/fanout100-history-off-*.json)
	c_on=$(jq -s 'map(.server_cpu_per_delivery_us) | add / length' "$OUT"/fanout100-history-on-*.json)
	echo "history off: $d_off deliveries/s, $c_off µs server CPU per delivery"
	echo "history on:  $d_on deliveries/s, $c_on µs server CPU per delivery"
	echo "ratio on/off: deliveries/s $(jq -n "$d_on / $d_off"), CPU per delivery $(jq -n "$c_on / $c_off")"
	return $rc
}

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(fanout100 fanout500 fanout2000 packed100 fanout4k latency connections joins16)
status=0
for s in "${scenarios[@]}"; do
	case ${s%-plain} in
	fanout100) bench "$s" fanout -n 100 -s 10 -m "$M100" -size 100 -w 32 || status=1 ;;
	fanout500) bench "$s" fanout -n 500 -s 10 -m "$M500" -size 100 -w 32 || status=1 ;;
	fanout2000) bench "$s" fanout -n 2000 -s 10 -m "$M2000" -size 100 -w 32 -conc 200 || status=1 ;;
	packed100) bench "$s" fanout -n 100 -s 10 -m "$M100" -size 100 -w 32 -packed || status=1 ;;
	fanout4k) bench "$s" fanout -n 100 -s 10 -m 2000 -size 4000 -w 32 -baseline || status=1 ;;
	latency) bench "$s" latency -n 100 -s 10 -rate 20 -d 10s -size 100 || status=1 ;;
	connections) bench "$s" connections -c 5000 -conc 500 -hold 2s || status=1 ;;
	joins16) bench "$s" connections -c 5000 -conc 16 -probes 200 -hold 0s || status=1 ;;
	history100) history100 || status=1 ;;
	*) echo "unknown scenario $s" >&2; status=2 ;;
	esac
done
exit $status
