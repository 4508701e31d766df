#!/bin/sh
# bench-vs-llamacpp.sh - clika bench against llama-bench on the same GGUF files.
#
#   tools/bench-vs-llamacpp.sh [-p 128] [-n 32] [-r 3] [-t 2] [--rounds 2] [MODEL.gguf ...]
#
# Without MODEL arguments: the Qwen2.5-0.5B-shaped random models of
# `make bench-models` (build/bench/qwen2.5-0.5b-{q8_0,q4_0,q4_k_m}.gguf),
# built first when missing.
#
# Environment:
#   CLIKA        the clika binary (default: ./clika, built by `make PORT=$PORT`)
#   PORT         the port to build when CLIKA is not set (default avx512)
#   LLAMA_BENCH  a llama-bench binary; when unset only clika's figures are printed
#
# For every model the two programs run alternately, A B B A per round
# (A = clika, B = llama-bench), each with -r repetitions, so that a slow
# drift of the machine (other jobs, heat) weighs on both alike. The figure
# per program and test is the median of all its samples (tokens/s of every
# repetition of every run); the ratio is clika / llama.cpp. Peak RSS is
# clika's (from its --json output).
set -eu

P=128 N=32 R=3 T=2 ROUNDS=2
while [ $# -gt 0 ]; do
    case $1 in
    -p) P=$2; shift 2 ;;
    -n) N=$2; shift 2 ;;
    -r) R=$2; shift 2 ;;
    -t) T=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench-vs-llamacpp.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done

cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
    set -- build/bench/qwen2.5-0.5b-q8_0.gguf build/bench/qwen2.5-0.5b-q4_0.gguf build/bench/qwen2.5-0.5b-q4_k_m.gguf
    for m in "$@"; do [ -f "$m" ] || { make -s bench-models >&2; break; }; done
fi
if [ -z "${CLIKA:-}" ]; then
    make -s -j2 PORT="${PORT:-avx512}" >&2
    CLIKA=./clika
fi
LB=${LLAMA_BENCH:-}
if [ -n "$LB" ] && [ ! -x "$LB" ]; then
    echo "bench-vs-llamacpp.sh: LLAMA_BENCH=$LB is not an executable" >&2
    exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# samples FILE KIND: every samples_ts value of the JSON lines of FILE whose
# test is KIND (pp: n_gen 0, tg: n_prompt 0), one per line
samples() {
    awk -v kind="$2" '
    {
        np = $0; sub(/.*"n_prompt": *\"?/, "", np); sub(/[^0-9].*/, "", np)
        ng = $0; sub(/.*"n_gen": *\"?/, "", ng); sub(/[^0-9].*/, "", ng)
        if ((kind == "pp" && ng + 0 != 0) || (kind == "tg" && np + 0 != 0)) next
        s = $0; sub(/.*"samples_ts": *\[/, "", s); sub(/\].*/, "", s)
        n = split(s, v, ","); for (i = 1; i <= n; i++) { gsub(/ /, "", v[i]); if (v[i] != "") print v[i] }
    }' "$1"
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) printf "%.2f\n", v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

run_a() { "$CLIKA" bench "$1" -p "$P" -n "$N" -r "$R" -t "$T" --json >>"$tmp/a.jsonl"; }
run_b() { "$LB" -m "$1" -p "$P" -n "$N" -r "$R" -t "$T" -o jsonl 2>/dev/null >>"$tmp/b.jsonl"; }

echo "clika: $("$CLIKA" version)"
[ -n "$LB" ] && echo "llama.cpp: $LB"
echo "threads $T, pp$P, tg$N, $R repetitions per run, $ROUNDS ABBA round(s); $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
echo
printf '| %-28s | %-6s | %12s | %12s | %7s | %14s |\n' model test "clika t/s" "llama.cpp t/s" ratio "clika peak RSS"
printf '| %-28s | %-6s | %12s | %12s | %7s | %14s |\n' ---------------------------- ------ ------------ ------------ ------- --------------
for m in "$@"; do
    : >"$tmp/a.jsonl"
    : >"$tmp/b.jsonl"
    i=0
    while [ "$i" -lt "$ROUNDS" ]; do
        run_a "$m"
        if [ -n "$LB" ]; then run_b "$m"; run_b "$m"; fi
        run_a "$m"
        i=$((i + 1))
    done
    rss=$(sed -n 's/.*"peak_rss":\([0-9]*\).*/\1/p' "$tmp/a.jsonl" | sort -n | tail -n 1)
    size=$(wc -c <"$m")
    for kind in pp tg; do
        a=$(samples "$tmp/a.jsonl" $kind | median)
        b=-
        ratio=-
        if [ -n "$LB" ]; then
            b=$(samples "$tmp/b.jsonl" $kind | median)
            ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { if (b + 0 > 0) printf "%.2fx", a / b; else print "-" }')
        fi
        test=$kind$([ $kind = pp ] && echo "$P" || echo "$N")
        printf '| %-28s | %-6s | %12s | %12s | %7s | %9.1f MiB |\n' "$(basename "$m")" "$test" "$a" "$b" "$ratio" \
            "$(awk -v r="$rss" 'BEGIN { print r / 1048576 }')"
    done
    awk -v r="$rss" -v s="$size" -v m="$(basename "$m")" \
        'BEGIN { printf "%s: file %.1f MiB, clika peak RSS %.1f MiB (file + %.1f MiB)\n", m, s / 1048576, r / 1048576, (r - s) / 1048576 }' >>"$tmp/rss.txt"
done
echo
cat "$tmp/rss.txt"
