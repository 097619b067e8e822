#!/usr/bin/env bash
# Builds MultiChat's desktop packages with the Fyne CLI.
#
#   scripts/package.sh linux   [OUTDIR]  ->  OUTDIR/<app>-<version>-linux-<arch>.tar.xz
#   scripts/package.sh windows [OUTDIR]  ->  OUTDIR/<app>.exe   (cross-compiled with mingw-w64)
#
# OUTDIR defaults to dist/. Each app is packaged from its own directory
# (cmd/<app>, holding the main package and that app's FyneApp.toml, which
# gives the name, app ID, version, build number and icon).
#
# `fyne package` writes into the directory it packages (a generated
# fyne_metadata_init.go, a .syso resource, the binary) and bumps Build in
# FyneApp.toml. So that the working tree is never touched, it runs on a
# throw-away copy of the repository.
#
#   APPS      apps to package (default: chatserver chatclient)
#   RELEASE   1 (default) for a release build (no debug info, Fyne release mode)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

target=${1:?usage: scripts/package.sh linux|windows [OUTDIR]}
out=${2:-dist}
mkdir -p "$out"
out=$(cd "$out" && pwd)
apps=${APPS:-chatserver chatclient}
release=()
[ "${RELEASE:-1}" = 1 ] && release=(--release)

fyne=$(scripts/fyne-cli.sh)

stage=$(mktemp -d "${TMPDIR:-/tmp}/multichat-package.XXXXXX")
trap 'rm -rf "$stage"' EXIT
tar -C "$root" --exclude=./.git --exclude=./dist --exclude=./bin --exclude=./tmp \
	--exclude='./received_files' --exclude='*.test' -cf - . | tar -C "$stage" -xf -

# version reads Version from an app's FyneApp.toml.
version() { sed -n 's/^[[:space:]]*Version[[:space:]]*=[[:space:]]*"\(.*\)"/\1/p' "$1/FyneApp.toml" | head -1; }
# name reads Name (what the Fyne CLI calls its outputs).
name() { sed -n 's/^[[:space:]]*Name[[:space:]]*=[[:space:]]*"\(.*\)"/\1/p' "$1/FyneApp.toml" | head -1; }

for app in $apps; do
	src="$stage/cmd/$app"
	if [ ! -f "$src/FyneApp.toml" ] || ! ls "$src"/*.go >/dev/null 2>&1; then
		echo "package: cmd/$app has no FyneApp.toml or no Go files; skipping" >&2
		exit 1
	fi
	ver=$(version "$src")
	nm=$(name "$src")
	case "$target" in
	linux)
		arch=$(go env GOARCH)
		echo "package: $app $ver for linux/$arch"
		(cd "$stage" && "$fyne" package --os linux --src "cmd/$app" "${release[@]}")
		mv "$stage/$nm.tar.xz" "$out/$app-$ver-linux-$arch.tar.xz"
		echo "package: wrote $out/$app-$ver-linux-$arch.tar.xz"
		;;
	windows)
		cc=${WINDOWS_CC:-x86_64-w64-mingw32-gcc}
		if ! command -v "$cc" >/dev/null; then
			echo "package: $cc not found (Debian: apt-get install gcc-mingw-w64-x86-64, or make setup)" >&2
			exit 1
		fi
		echo "package: $app $ver for windows/amd64 with $cc"
		# fyne package -os windows makes an .ico from the icon, writes a .syso
		# (icon, manifest, version info) and links with -H=windowsgui.
		# It compiles C with -fstack-protector-strong -D_FORTIFY_SOURCE=3, which
		# with mingw-w64 needs libssp: link it statically so that the .exe does
		# not depend on libssp-0.dll, which Windows does not have.
		(cd "$stage" && CC="$cc" CGO_ENABLED=1 GOOS=windows GOARCH=amd64 \
			CGO_LDFLAGS="${CGO_LDFLAGS:-} -Wl,-Bstatic -lssp -Wl,-Bdynamic" \
			"$fyne" package --os windows --src "cmd/$app" "${release[@]}")
		mv "$src/$nm.exe" "$out/$app.exe"
		echo "package: wrote $out/$app.exe"
		;;
	*)
		echo "package: unknown target $target (linux or windows)" >&2
		exit 2
		;;
	esac
done
