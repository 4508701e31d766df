#!/bin/sh
# tools/check-layers.sh - the pipeline rule of src/common.h, checked: a file
# in src/ includes only headers of its own stage or of earlier ones.
# Usage: sh tools/check-layers.sh   (from the repository root; exit 1 on a violation)
set -eu
# Stage order; files on one line share a rank (the base layer).
ORDER="common arena jsonl port unicode_tab
gguf
model
quantize
tokenizer
forward
eval
metrics
score
fictional
report
main"
rank_of() {
    echo "$ORDER" | awk -v f="$1" '{ for (i = 1; i <= NF; i++) if ($i == f) { print NR; exit } }'
}
bad=0
for src in src/*.c src/*.h; do
    me=$(basename "$src"); me=${me%.*}
    r=$(rank_of "$me")
    if [ -z "$r" ]; then echo "check-layers: $src is in no stage of the pipeline list"; bad=1; continue; fi
    for inc in $(sed -n 's/^#include "\([a-z_0-9]*\)\.h".*/\1/p' "$src"); do
        ri=$(rank_of "$inc")
        if [ -z "$ri" ]; then echo "check-layers: $src includes $inc.h, which is in no stage"; bad=1
        elif [ "$ri" -gt "$r" ]; then echo "check-layers: $src (stage $r) includes $inc.h of a later stage ($ri)"; bad=1; fi
    done
done
[ $bad -eq 0 ] && echo "check-layers: every src/ file includes only its own or earlier stages"
exit $bad
