#!/usr/bin/env bash
# Runs the commands of Docs/reproduction.md and writes their tables (text) and figures (SVG).
# Usage: Scripts/reproduce.sh [part ...]   parts: traces grid ablation aligned (default: all of them)
# Environment: OUT (default Docs/figures) receives the SVG figures and the printed tables;
# WORK (default a temporary folder, removed at the end) receives the generated traces
# (0.3 to 0.9 GB each at 400,000 requests). Release build; about 10 minutes on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${OUT:-$root/Docs/figures}"
parts=("$@")
[[ ${#parts[@]} -gt 0 ]] || parts=(traces grid ablation aligned)
for part in "${parts[@]}"; do
    case "$part" in traces|grid|ablation|aligned) ;; *) echo "error: unknown part '$part' (traces, grid, ablation, aligned)" >&2; exit 2 ;; esac
done
if [[ -n "${WORK:-}" ]]; then
    mkdir -p "$WORK"
    work="$(cd "$WORK" && pwd)"
else
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$root"
swift build -c release
bin="$root/.build/release/blendserve"
cd "$work"   # tables then name the traces without the folder

trace() {
    [[ -f "$1.jsonl" ]] || "$bin" workload --preset "$1" -o "$1.jsonl"
}

for part in "${parts[@]}"; do
    case "$part" in
    traces)
        for t in trace1 trace2 trace3 trace4; do
            trace "$t"
            "$bin" compare "$t.jsonl" --policies dfs,balance,blendserve --modes sequential,overlapped \
                --quiet --plot "$out/$t.svg" | tee "$out/$t.txt"
        done
        "$bin" compare "trace1.jsonl" --policies dfs,blendserve --quiet \
            --timeline "$out/trace1-timeline.svg" > /dev/null
        ;;
    grid)
        "$bin" sweep --heatmap "$out/grid.svg" | tee "$out/grid.txt"
        ;;
    ablation)
        trace trace1
        "$bin" compare "trace1.jsonl" --quiet --plot "$out/ablation.svg" \
            --policies blendserve,blendserve-no-sort,blendserve-no-split,blendserve-no-dual-scan,blendserve-oracle,blendserve-sample-10,blendserve-no-step-balance,blendserve-no-warm-up-fill \
            | tee "$out/ablation.txt"
        ;;
    aligned)
        for share in 0.7 0.8 0.9 0.95; do
            [[ -f "mix$share.jsonl" ]] || "$bin" workload --preset short-long --short-share "$share" \
                --requests 10000 --model opt-13b --gpu h100-sxm -o "mix$share.jsonl"
        done
        [[ -f "sharegpt.jsonl" ]] || "$bin" workload --preset sharegpt --requests 10000 --model opt-13b \
            --gpu h100-sxm -o "sharegpt.jsonl"
        for f in mix0.7 mix0.8 mix0.9 mix0.95 sharegpt; do
            for gpu in h100-sxm h100-sxm:x2; do
                for attention in unsplit ideal; do
                    name="aligned-$f-${gpu/:/-}-$attention"
                    plot=()
                    [[ "$gpu$attention" != h100-sxmunsplit ]] || plot=(--plot "$out/$name.svg")
                    "$bin" compare "$f.jsonl" --policies fcfs,alignedserve,alignedserve-no-prefetch \
                        --model opt-13b --gpu "$gpu" --attention "$attention" --host-memory-gb 200 --context 16384 \
                        --quiet "${plot[@]}" > "$out/$name.txt"
                done
            done
        done
        ;;
    esac
done
echo "tables and figures are in $out"
