#!/bin/sh
# tools/check-static.sh BIN MODEL.gguf DATA_DIR
#
# Does a static clika run with nothing around it? Copies BIN, MODEL and the
# x_geo task of DATA_DIR into an empty directory (no libc, no /proc, no
# /etc, no /dev) and runs there, as the root of a new mount namespace
# (unshare -r --root; as root without user namespaces: chroot):
#   clika --version, clika info /model.gguf, clika info --json
#   clika eval /model.gguf --data /data --out /out --tasks x_geo --langs en,de --limit 2
#     (when this clika has the eval command) and checks /out/report.json.
# `make check-static` calls it with the musl build (CC=musl-gcc STATIC=1).
# Prints the binary's size (and stripped size); exits non-zero on any failure.
set -eu
[ $# -eq 3 ] || { echo "usage: $0 BIN MODEL.gguf DATA_DIR" >&2; exit 2; }
bin=$1 model=$2 data=$3
fail() { echo "check-static: FAIL: $*" >&2; exit 1; }

[ -x "$bin" ] || fail "no executable '$bin'"
[ -f "$model" ] || fail "no model '$model'"
[ -d "$data/x_geo" ] || fail "no x_geo task in '$data'"
if command -v file >/dev/null 2>&1; then
    case $(file -L "$bin") in
    *"statically linked"* | *"static-pie linked"*) ;;
    *) fail "'$bin' is not statically linked: $(file -L "$bin")" ;;
    esac
fi

mkdir -p build
root=$(mktemp -d "${TMPDIR:-/tmp}/clika-static.XXXXXX")
trap 'rm -rf "$root"' EXIT INT TERM
cp "$bin" "$root/clika"
cp "$model" "$root/model.gguf"
mkdir -p "$root/data" "$root/out"
cp -R "$data/x_geo" "$root/data/"

# The way into the empty root: a user namespace if the kernel allows one,
# else chroot (needs root).
if unshare -r --root="$root" /clika --version >/dev/null 2>&1; then
    inroot() { unshare -r --root="$root" "$@"; }
    how="unshare -r --root"
elif [ "$(id -u)" -eq 0 ] && chroot "$root" /clika --version >/dev/null 2>&1; then
    inroot() { chroot "$root" "$@"; }
    how="chroot"
else
    fail "cannot run '$bin' in an empty root: no user namespaces (unshare -r) and not root (chroot)"
fi
echo "check-static: empty root $root, entered with $how: $(ls "$root" | tr '\n' ' ')"

inroot /clika --version || fail "clika --version"
inroot /clika info /model.gguf >"$root/info.txt" 2>&1 || { cat "$root/info.txt"; fail "clika info"; }
grep -q '^build  *port=' "$root/info.txt" || fail "clika info prints no build line"
grep '^build' "$root/info.txt"
inroot /clika info --json /model.gguf >"$root/info.json" 2>&1 || fail "clika info --json"
grep -q '"build":"port=' "$root/info.json" || fail "clika info --json has no build field"

# clika eval: only once this clika has the command (another branch adds it).
if inroot /clika eval --help >/dev/null 2>&1; then
    inroot /clika eval /model.gguf --data /data --out /out --tasks x_geo --langs en,de --limit 2 --quiet \
        >"$root/eval.txt" 2>&1 || { cat "$root/eval.txt"; fail "clika eval"; }
    [ -s "$root/out/report.json" ] || fail "clika eval wrote no report.json"
    n=$(cat "$root"/out/x_geo/*/*_res.jsonl | wc -l)
    [ "$n" -eq 4 ] || fail "clika eval: $n result lines, expected 4 (2 items x en,de)"
    echo "check-static: clika eval in the empty root: 4 items, report.json written"
else
    echo "check-static: this clika has no eval command: eval step skipped"
fi

size=$(wc -c <"$bin")
stripped=$size
if command -v strip >/dev/null 2>&1 && strip -o "$root/stripped" "$bin" 2>/dev/null; then
    stripped=$(wc -c <"$root/stripped")
fi
echo "check-static: OK ($bin: $size bytes, $stripped stripped)"
