#!/bin/sh
# tools/check-cross.sh NAME PREFIX PORT QEMU [MAKE SETTINGS...]
#
# One target of `make check-cross`: builds everything for CROSS=PREFIX
# PORT=PORT in its own build directory, then runs the test suite under
# QEMU -L /usr/<triple> in quick mode (CLK_TEST_QUICK=1), from a private
# copy of the repository root: build/xroot-NAME/ holds symlinks to the
# sources and fixtures, its own build/ (with the target's build directory
# linked in) and ../shared, so that tests which write fixed scratch paths
# (build/test_lora.*, build_tok_cli.*, ...) do not collide when two targets
# run at once (make -j2 check-cross). Log: build/check-cross-NAME.log.
# MAKE (the calling make, with its job server) comes from the environment.
set -u
[ $# -ge 4 ] || { echo "usage: $0 NAME PREFIX PORT QEMU [MAKE SETTINGS...]" >&2; exit 2; }
name=$1 prefix=$2 port=$3 qemu=$4
shift 4
make=${MAKE:-make}
triple=${prefix%-}
run="$qemu -L /usr/$triple"
log=build/check-cross-$name.log
root=build/xroot-$name
start=$(date +%s)
mkdir -p build

bdir=$($make -s --no-print-directory CROSS="$prefix" PORT="$port" RUN="$run" "$@" print-build) || exit 1
tests=$($make -s --no-print-directory CROSS="$prefix" PORT="$port" RUN="$run" "$@" print-tests) || exit 1

# the private root (paths inside it are those of the repository root)
rm -rf "$root"
mkdir -p "$root/build"
for f in *; do
    [ "$f" = build ] || ln -s "../../$f" "$root/$f"
done
ln -s "../../${bdir#build/}" "$root/$bdir"
[ -d ../shared ] && ln -sfn "$(cd ../shared && pwd)" build/shared

if $make --no-print-directory CROSS="$prefix" PORT="$port" RUN="$run" "$@" test-build >"$log" 2>&1 &&
    (cd "$root" && CLK_TEST_QUICK=1 CLK_BIN="$bdir/clika-run" sh tests/run.sh "$run" $tests) >>"$log" 2>&1; then
    echo "check-cross $name ($triple, PORT=$port $*, $qemu): $(tail -n 1 "$log") in $(($(date +%s) - start)) s"
else
    grep -E 'FAIL|rror' "$log" | head -n 40
    echo "check-cross $name: FAILED ($(tail -n 1 "$log")); see $log"
    exit 1
fi
