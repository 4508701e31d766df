#!/bin/sh
# tools/bench_eval.sh - items per second of `clika eval --mode letter` over
# x_geo in all ten languages, and of llama.cpp's
# `llama-perplexity --multiple-choice` on the same questions (when built).
#
#   make bench-models && make tools
#   sh tools/bench_eval.sh [MODEL.gguf] [ITEMS_PER_LANGUAGE]
#
# Settings (environment): THREADS (default 1), CLIKA_DATA (../shared/clika),
# CLIKA (./clika), LLAMA_PERPLEXITY (/work/llama.cpp-src/build/bin/llama-perplexity),
# MC_EXPORT (the mc_export tool of this build).
#
# Both figures are wall-clock items/s of the whole process (model load
# included: clika maps the file, llama.cpp loads it). clika evaluates each
# prompt once, reusing the cached instruction + demonstration prefix of the
# previous item; llama-perplexity evaluates each question in full, with its
# k letter continuations batched. Run it on an otherwise idle machine: the
# figures are only as good as the quiet around them. It runs once; it is
# never part of `make test`.
set -eu
MODEL=${1:-build/bench/qwen2.5-0.5b-q4_k_m.gguf}
LIMIT=${2:-5}
THREADS=${THREADS:-1}
DATA=${CLIKA_DATA:-../shared/clika}
CLIKA=${CLIKA:-./clika}
LLAMA=${LLAMA_PERPLEXITY:-/work/llama.cpp-src/build/bin/llama-perplexity}
MC=${MC_EXPORT:-$(ls build/*/tools/mc_export 2>/dev/null | head -n 1)}
OUT=build/bench_eval
LANGS="en zh de fr it ja pl ru ar he"
rm -rf "$OUT"
mkdir -p "$OUT"
now() { date +%s.%N; }
n=0
for l in $LANGS; do n=$((n + LIMIT)); done

t0=$(now)
"$CLIKA" eval "$MODEL" --data "$DATA" --tasks x_geo --langs "$(echo $LANGS | tr ' ' ,)" --limit "$LIMIT" \
    --threads "$THREADS" --out "$OUT/clika" --model-name bench -q 2>"$OUT/clika.log" >/dev/null
t1=$(now)
cat "$OUT/clika.log"
echo "clika eval (letter): $n items in $(echo "$t1 - $t0" | bc) s wall: $(echo "scale=3; $n / ($t1 - $t0)" | bc) items/s ($THREADS thread(s), $MODEL)"

if [ -x "$LLAMA" ] && [ -n "$MC" ]; then
    files=""
    for l in $LANGS; do files="$files $DATA/x_geo/x_geo_${l}_model_input.jsonl"; done
    "$MC" "$OUT/x_geo.bin" --limit "$LIMIT" $files
    t0=$(now)
    "$LLAMA" -m "$MODEL" -bf "$OUT/x_geo.bin" --multiple-choice -t "$THREADS" -c 2048 -b 2048 >"$OUT/llama.log" 2>&1
    t1=$(now)
    grep -E "Final result|tasks in prompt" "$OUT/llama.log" || true
    echo "llama-perplexity --multiple-choice: $n items in $(echo "$t1 - $t0" | bc) s wall: $(echo "scale=3; $n / ($t1 - $t0)" | bc) items/s"
else
    echo "llama-perplexity or mc_export not found: llama.cpp comparison skipped"
fi
