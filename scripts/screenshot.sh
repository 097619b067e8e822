#!/usr/bin/env bash
# Screenshot helpers for the end-to-end runs under Xvfb (README pictures).
#
#   scripts/screenshot.sh start [:N]            start Xvfb on :N (default :99, 1280x800x24);
#                                               prints the DISPLAY to export
#   scripts/screenshot.sh wait NAME [SECONDS]   wait (default 20 s) for a window whose title matches NAME;
#                                               prints its window id
#   scripts/screenshot.sh shot OUT.png [NAME]   screenshot the whole screen, or one window by title
#   scripts/screenshot.sh stop [:N]             stop that Xvfb
#
# Drive the windows in between with xdotool, e.g.
#   xdotool search --sync --name 'MultiChat Client' windowactivate --sync
#   xdotool type --delay 30 '안녕하세요 hello'; xdotool key Return
# Needs xvfb, xdotool and imagemagick (make setup installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p tmp

display() { echo "${1:-:99}"; }
pidfile() { echo "tmp/xvfb${1#:}.pid"; }

case "${1:-}" in
start)
	d=$(display "${2:-}")
	pf=$(pidfile "$d")
	if [ -f "$pf" ] && kill -0 "$(cat "$pf")" 2>/dev/null; then
		echo "DISPLAY=$d"
		exit 0
	fi
	Xvfb "$d" -screen 0 1280x800x24 -nolisten tcp >"tmp/xvfb${d#:}.log" 2>&1 &
	echo $! >"$pf"
	for _ in $(seq 1 50); do # up to 5 s for the server to accept clients
		if DISPLAY=$d xdotool getdisplaygeometry >/dev/null 2>&1; then
			echo "DISPLAY=$d"
			exit 0
		fi
		sleep 0.1
	done
	echo "screenshot: Xvfb $d did not start (see tmp/xvfb${d#:}.log)" >&2
	exit 1
	;;
wait)
	name=${2:?window title}
	deadline=$((SECONDS + ${3:-20}))
	while [ $SECONDS -lt $deadline ]; do
		if id=$(xdotool search --onlyvisible --name "$name" 2>/dev/null | head -1) && [ -n "$id" ]; then
			echo "$id"
			exit 0
		fi
		sleep 0.2
	done
	echo "screenshot: no window titled '$name' within ${3:-20} s" >&2
	exit 1
	;;
shot)
	out=${2:?output file}
	if [ -n "${3:-}" ]; then
		id=$(xdotool search --onlyvisible --name "$3" | head -1)
		[ -n "$id" ] || { echo "screenshot: no window titled '$3'" >&2; exit 1; }
		import -window "$id" "$out"
	else
		import -window root "$out"
	fi
	echo "screenshot: wrote $out"
	;;
stop)
	d=$(display "${2:-}")
	pf=$(pidfile "$d")
	if [ -f "$pf" ]; then
		kill "$(cat "$pf")" 2>/dev/null || true
		rm -f "$pf"
	fi
	;;
*)
	sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
