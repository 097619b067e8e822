#!/usr/bin/env bash
# Installs both apps from the Linux packages in dist/ for the current user, so
# that they appear in the desktop's application menu and open with a click:
#
#   PREFIX/bin/<app>                                      the program
#   PREFIX/share/applications/<app-id>.desktop            menu entry (Exec with the full path)
#   PREFIX/share/icons/hicolor/512x512/apps/<app-id>.png  its icon
#
# PREFIX defaults to ~/.local (no root needed). `--uninstall` removes them.
#
#   scripts/install-user.sh [--uninstall] [DIR]   packages from DIR (default dist/)
set -euo pipefail
cd "$(dirname "$0")/.."

uninstall=0
if [ "${1:-}" = --uninstall ]; then
	uninstall=1
	shift
fi
dir=${1:-dist}
prefix=${PREFIX:-$HOME/.local}
apps=${APPS:-chatserver chatclient}
case "$(uname -m)" in
x86_64) arch=amd64 ;;
aarch64 | arm64) arch=arm64 ;;
*) arch=$(uname -m) ;;
esac

toml() { sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*\"\(.*\)\"/\1/p" "$1" | head -1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/multichat-install.XXXXXX")
trap 'rm -rf "$work"' EXIT

for app in $apps; do
	id=$(toml "cmd/$app/FyneApp.toml" ID)
	version=$(toml "cmd/$app/FyneApp.toml" Version)
	bin="$prefix/bin/$app"
	desktop="$prefix/share/applications/$id.desktop"
	icon="$prefix/share/icons/hicolor/512x512/apps/$id.png"

	if [ "$uninstall" = 1 ]; then
		rm -f "$bin" "$desktop" "$icon"
		echo "install: removed $app ($bin, $desktop, $icon)"
		continue
	fi

	pkg="$dir/$app-$version-linux-$arch.tar.xz"
	if [ ! -f "$pkg" ]; then
		echo "install: $pkg not found; run 'make dist' first" >&2
		exit 1
	fi
	tar -C "$work" -xJf "$pkg"
	src="$work/$app/usr/local"
	install -Dm755 "$src/bin/$app" "$bin"
	install -Dm644 "$src/share/pixmaps/$id.png" "$icon"
	# Exec gets the full path: ~/.local/bin is often not on the PATH that a
	# desktop session starts programs with. Paths with spaces are quoted.
	exec_path=$bin
	case "$exec_path" in *" "*) exec_path="\"$exec_path\"" ;; esac
	mkdir -p "$(dirname "$desktop")"
	sed -e "s|^Exec=$app\b|Exec=$exec_path|" -e "s|^Icon=.*|Icon=$id|" \
		"$src/share/applications/$id.desktop" >"$desktop.tmp"
	mv "$desktop.tmp" "$desktop"
	chmod 644 "$desktop"
	if command -v desktop-file-validate >/dev/null; then
		desktop-file-validate "$desktop"
	fi
	echo "install: $app $version -> $bin, $desktop, $icon"
done

# Refresh the menu and icon caches where those tools exist; desktops also
# notice new files by themselves.
if [ -d "$prefix/share/applications" ] && command -v update-desktop-database >/dev/null; then
	update-desktop-database -q "$prefix/share/applications" || true
fi
if [ -d "$prefix/share/icons/hicolor" ] && command -v gtk-update-icon-cache >/dev/null; then
	gtk-update-icon-cache -q -t -f "$prefix/share/icons/hicolor" 2>/dev/null || true
fi
if [ "$uninstall" = 0 ]; then
	case ":$PATH:" in
	*":$prefix/bin:"*) ;;
	*) echo "install: note: $prefix/bin is not on your PATH (the menu entries use full paths, so they work anyway)" ;;
	esac
fi
