#!/usr/bin/env bash
# `make run`: starts the server app and one client app from bin/ (built by
# `make build`). With a display both windows open; the client's form is
# prefilled with this machine's server address. Without a display
# (DISPLAY and WAYLAND_DISPLAY unset) the server runs headless in the
# foreground, logging to stdout; Ctrl-C stops it cleanly.
#
#   PORT  listen port (default 7878, the server's own default)
set -euo pipefail
cd "$(dirname "$0")/.."
port=${PORT:-7878}

if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
	echo "run: no display (DISPLAY and WAYLAND_DISPLAY are unset), so no windows can open."
	echo "run: starting the server headless on :$port; clients connect to this machine's address, port $port."
	echo "run: Ctrl-C stops it."
	exec bin/chatserver -headless -addr ":$port"
fi

echo "run: starting the server app and a client app (server port $port); close both windows to finish."
bin/chatserver -addr ":$port" &
server=$!
bin/chatclient -addr "127.0.0.1:$port" &
client=$!
trap 'kill "$server" "$client" 2>/dev/null || true' INT TERM
status=0
wait "$client" || status=$?
wait "$server" || status=$?
exit "$status"
