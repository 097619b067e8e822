#!/usr/bin/env bash
# Builds the Linux packages (scripts/package.sh linux) and checks that each
# holds what a desktop needs: an executable ELF binary in usr/local/bin, a
# desktop entry (Type, Name, Exec naming that binary, Icon naming the icon)
# in share/applications, and the app's 512x512 PNG icon in share/pixmaps,
# with the name, ID and version of the app's FyneApp.toml. Run by `make test`.
#
#   scripts/check-packages.sh [DIR]   build into DIR (default dist/) and check
#   NO_BUILD=1                        check the packages already in DIR
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dir=${1:-dist}
apps=${APPS:-chatserver chatclient}

if [ "${NO_BUILD:-0}" != 1 ]; then
	scripts/package.sh linux "$dir"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/multichat-check.XXXXXX")
trap 'rm -rf "$work"' EXIT

failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
toml() { sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*\"\(.*\)\"/\1/p" "$1" | head -1; }
key() { sed -n "s/^$2=//p" "$1" | head -1; }
# png_size prints WIDTHxHEIGHT from a PNG's IHDR, or nothing if it is no PNG.
png_size() {
	[ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || return 0
	local w h
	w=$(od -An -tu4 --endian=big -j 16 -N 4 "$1" | tr -d ' ')
	h=$(od -An -tu4 --endian=big -j 20 -N 4 "$1" | tr -d ' ')
	echo "${w}x${h}"
}

root_version=$(toml FyneApp.toml Version)
ids=()
for app in $apps; do
	meta="cmd/$app/FyneApp.toml"
	name=$(toml "$meta" Name)
	id=$(toml "$meta" ID)
	version=$(toml "$meta" Version)
	icon_src="cmd/$app/$(toml "$meta" Icon)"
	arch=$(go env GOARCH)
	pkg="$dir/$app-$version-linux-$arch.tar.xz"
	echo "check: $pkg ($name, $id, $version)"
	ids+=("$id")

	[ "$version" = "$root_version" ] || fail "$meta: Version $version differs from FyneApp.toml's $root_version"
	if [ ! -f "$pkg" ]; then
		fail "$pkg: missing"
		continue
	fi
	mkdir -p "$work/$app"
	tar -C "$work/$app" -xJf "$pkg"
	base="$work/$app/$app/usr/local"

	bin="$base/bin/$app"
	if [ ! -f "$bin" ]; then
		fail "$pkg: no usr/local/bin/$app"
	elif [ ! -x "$bin" ]; then
		fail "$pkg: usr/local/bin/$app is not executable"
	elif [ "$(head -c 4 "$bin" | od -An -c | tr -d ' \n')" != '177ELF' ]; then
		fail "$pkg: usr/local/bin/$app is not an ELF binary"
	else
		echo "  ok binary usr/local/bin/$app ($(du -h "$bin" | cut -f1))"
	fi

	desktop="$base/share/applications/$id.desktop"
	if [ ! -f "$desktop" ]; then
		fail "$pkg: no share/applications/$id.desktop"
	else
		before=$failures
		[ "$(head -1 "$desktop")" = "[Desktop Entry]" ] || fail "$desktop: does not start with [Desktop Entry]"
		[ "$(key "$desktop" Type)" = Application ] || fail "$id.desktop: Type is not Application"
		[ "$(key "$desktop" Name)" = "$name" ] || fail "$id.desktop: Name is '$(key "$desktop" Name)', want '$name'"
		exec_cmd=$(key "$desktop" Exec)
		[ "${exec_cmd%% *}" = "$app" ] || fail "$id.desktop: Exec '$exec_cmd' does not run $app"
		icon=$(key "$desktop" Icon)
		[ -n "$icon" ] || fail "$id.desktop: no Icon"
		[ -n "$(key "$desktop" Categories)" ] || fail "$id.desktop: no Categories"
		if command -v desktop-file-validate >/dev/null; then
			desktop-file-validate "$desktop" || fail "$id.desktop: desktop-file-validate"
		fi
		[ "$failures" -eq "$before" ] && echo "  ok desktop entry: Name=$name Exec=$exec_cmd Icon=$icon"

		png="$base/share/pixmaps/$icon.png"
		if [ ! -f "$png" ]; then
			fail "$pkg: no share/pixmaps/$icon.png for Icon=$icon"
		elif [ "$(png_size "$png")" != 512x512 ]; then
			fail "$png: not a 512x512 PNG ($(png_size "$png"))"
		elif ! cmp -s "$png" "$icon_src"; then
			fail "$png: differs from $icon_src"
		else
			echo "  ok icon share/pixmaps/$icon.png (512x512, $icon_src)"
		fi
	fi
done

if [ "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" -ne ${#ids[@]} ]; then
	fail "app IDs are not distinct: ${ids[*]}"
fi
if [ "$failures" -ne 0 ]; then
	echo "check-packages: $failures failure(s)"
	exit 1
fi
echo "check-packages: ok (${apps})"
