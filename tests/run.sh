#!/bin/sh
# Run test executables and add up their results.
#   tests/run.sh "RUNNER" build/.../tests/test_a build/.../tests/test_b ...
# RUNNER prefixes each executable (empty, or e.g. "qemu-aarch64 -L /usr/aarch64-linux-gnu").
# Each executable ends with "# N passed, M failed, K skipped"; one that crashes
# or exits non-zero without that line counts as one failure.
runner=$1
shift
pass=0 fail=0 skip=0
for t in "$@"; do
    log="$t.log"
    $runner "$t" >"$log" 2>&1
    rc=$?
    grep -v '^#' "$log" | sed "s|^|$(basename "$t"): |"
    summary=$(grep '^# [0-9]* passed, [0-9]* failed, [0-9]* skipped$' "$log" | tail -n 1)
    if [ -n "$summary" ]; then
        p=$(echo "$summary" | cut -d' ' -f2)
        f=$(echo "$summary" | cut -d' ' -f4)
        s=$(echo "$summary" | cut -d' ' -f6)
        pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
            echo "$(basename "$t"): FAIL exit status $rc"
            fail=$((fail + 1))
        fi
    else
        echo "$(basename "$t"): FAIL crashed or ended early (exit status $rc)"
        fail=$((fail + 1))
    fi
done
[ "$skip" -gt 0 ] && echo "($skip skipped)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
