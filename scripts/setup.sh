#!/usr/bin/env bash
# Installs the system packages MultiChat needs to build, test and package on
# Debian/Ubuntu, but only those that are missing: when everything is present it
# touches nothing (no apt-get update, no root needed). Go itself is assumed.
#
#   gcc, pkg-config, X11/GL/Wayland/xkbcommon headers
#                            cgo build of Fyne's GLFW driver (GLFW 3.4 builds
#                            its X11 and Wayland backends by default)
#   xvfb xdotool imagemagick headless end-to-end runs and screenshots
#   fonts-nanum              NanumGothic, which make fonts copies into assets/fonts/ for
#                            the apps to embed
#   gcc-mingw-w64-x86-64     cross-compiling the Windows .exe files
#   desktop-file-utils       desktop-file-validate, used by the package check
#   xz-utils                 xz, which tar runs for the Linux packages (.tar.xz): the
#                            Fyne CLI writes them with tar -J and the package check
#                            reads them (not in minimal Debian images)
#   iproute2                 ip, with which the LAN discovery tests make network
#                            namespaces for real multicast (skipped without it)
set -euo pipefail

packages=(gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev
	libxinerama-dev libxi-dev libxxf86vm-dev libwayland-dev libxkbcommon-dev
	xvfb xdotool imagemagick fonts-nanum gcc-mingw-w64-x86-64 desktop-file-utils xz-utils
	iproute2)

if ! command -v go >/dev/null 2>&1; then
	echo "setup: Go is not on PATH; install Go 1.26 or newer from https://go.dev/dl/ first" >&2
	exit 1
fi

if ! command -v dpkg >/dev/null 2>&1; then
	echo "setup: not a Debian-like system (no dpkg); install the equivalents of: ${packages[*]}" >&2
	exit 0
fi

missing=()
for p in "${packages[@]}"; do
	# dpkg -s exits 0 for removed-but-configured packages too; require "install ok installed".
	if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: all system packages present"
	exit 0
fi

echo "setup: installing missing packages: ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "setup: not root and no sudo; as root run: apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y "${missing[@]}"
