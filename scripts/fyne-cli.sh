#!/usr/bin/env bash
# Prints the path of a Fyne CLI of the pinned version, installing it first if
# it is missing. A `fyne` on PATH is used when it reports that version;
# otherwise the CLI is installed into bin/tools/ of this repository (not into
# the user's GOPATH), so nothing outside the checkout is changed.
#
#   FYNE_TOOLS_VERSION   pinned version (default v1.7.2)
set -euo pipefail
cd "$(dirname "$0")/.."

version=${FYNE_TOOLS_VERSION:-v1.7.2}
dir="$PWD/bin/tools/fyne-$version"
exe="$dir/fyne"

if command -v fyne >/dev/null 2>&1 && fyne version 2>/dev/null | grep -qx "fyne cli version: $version"; then
	command -v fyne
	exit 0
fi
if [ -x "$exe" ]; then
	echo "$exe"
	exit 0
fi

echo "fyne-cli: installing fyne.io/tools/cmd/fyne@$version into $dir" >&2
mkdir -p "$dir"
# The ordinary way. It also asks the module proxy for the module's version
# list (to report deprecations); some proxies refuse that, so fall back to
# building the downloaded module from the module cache, which needs only the
# module itself and the dependencies its go.sum pins.
# Both run outside this module (in a scratch directory) so go.mod/go.sum stay untouched.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
if ! (cd "$scratch" && GOBIN="$dir" GOFLAGS= go install "fyne.io/tools/cmd/fyne@$version") >&2; then
	echo "fyne-cli: go install failed; building from the module cache instead" >&2
	src=$(cd "$scratch" && GOFLAGS= go mod download -json "fyne.io/tools@$version" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	if [ -z "$src" ] || [ ! -d "$src/cmd/fyne" ]; then
		echo "fyne-cli: could not download fyne.io/tools@$version" >&2
		exit 1
	fi
	(cd "$src" && GOFLAGS=-mod=readonly go build -o "$exe" ./cmd/fyne) >&2
fi
"$exe" version >&2 || true
echo "$exe"
