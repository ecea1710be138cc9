#!/usr/bin/env bash
# Runs the commands of Docs/reproduction.md and writes their tables (text) and figures (SVG).
# Usage: Scripts/reproduce.sh [part ...]   parts: traces grid ablation (default: all of them)
# Environment: OUT (default Docs/figures) receives the SVG figures and the printed tables;
# WORK (default a temporary folder, removed at the end) receives the generated traces
# (0.3 to 0.9 GB each at 400,000 requests). Release build; about 10 minutes on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${OUT:-$root/Docs/figures}"
parts=("$@")
[[ ${#parts[@]} -gt 0 ]] || parts=(traces grid ablation)
for part in "${parts[@]}"; do
    case "$part" in traces|grid|ablation) ;; *) echo "error: unknown part '$part' (traces, grid, ablation)" >&2; exit 2 ;; esac
done
if [[ -n "${WORK:-}" ]]; then
    work="$WORK"
    mkdir -p "$work"
else
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$out"
cd "$root"
swift build -c release
bin="$root/.build/release/blendserve"

trace() {
    [[ -f "$work/$1.jsonl" ]] || "$bin" workload --preset "$1" -o "$work/$1.jsonl"
}

for part in "${parts[@]}"; do
    case "$part" in
    traces)
        for t in trace1 trace2 trace3 trace4; do
            trace "$t"
            "$bin" compare "$work/$t.jsonl" --policies dfs,balance,blendserve --modes sequential,overlapped \
                --quiet --plot "$out/$t.svg" | tee "$out/$t.txt"
        done
        "$bin" compare "$work/trace1.jsonl" --policies dfs,blendserve --quiet \
            --timeline "$out/trace1-timeline.svg" > /dev/null
        ;;
    grid)
        "$bin" sweep --heatmap "$out/grid.svg" | tee "$out/grid.txt"
        ;;
    ablation)
        trace trace1
        "$bin" compare "$work/trace1.jsonl" --quiet --plot "$out/ablation.svg" \
            --policies blendserve,blendserve-no-sort,blendserve-no-split,blendserve-no-dual-scan,blendserve-oracle,blendserve-sample-10 \
            | tee "$out/ablation.txt"
        ;;
    esac
done
echo "tables and figures are in $out"
