#!/bin/sh
# Installs the Debian packages the build needs, once, and fails loudly when it cannot.
# Usage: scripts/deps.sh [EXTRA_PACKAGE...]   (run by `make`; needs root for apt-get when
# something is missing). `make fuzz` adds clang (Debian's, with its libFuzzer runtime).
# chromium renders the HTML reports in tests/e2e/run_html.sh; libhdf5-dev reads and writes
# point-cloud sets (workloads/io/cloud_h5.c); python3-numpy serves the Python package's tests
# (tests/python/run_numpy.sh, with Debian's /usr/bin/python3).
set -u

PKGS="build-essential pkg-config libyaml-dev libcmocka-dev libjansson-dev libsystemc-dev \
verilator iverilog yosys libopenblas-dev chromium libhdf5-dev python3-numpy $*"
# commands that any package may provide (this image's Node.js ships npm): command:package
CMDS="npm:npm"

missing=""
for pkg in $PKGS; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)
    [ "$status" = "install ok installed" ] || missing="$missing $pkg"
done
for entry in $CMDS; do
    command -v "${entry%%:*}" >/dev/null 2>&1 || missing="$missing ${entry#*:}"
done
[ -z "$missing" ] && exit 0

echo "deps: installing Debian packages:$missing" >&2
if [ "$(id -u)" != 0 ]; then
    echo "deps: error: missing packages:$missing; run as root or: sudo apt-get install$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 ||
   ! apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >&2; then
    echo "deps: error: apt-get could not install:$missing" >&2
    exit 1
fi
echo "deps: installed:$missing" >&2
