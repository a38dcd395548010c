#!/usr/bin/env bash
# TUI benchmark: time from process start to the first frame that shows runs, and keystroke-to-frame
# latency while scrolling, against the time `mltui runs` (the scripting command) takes to read the
# same first page from the same store (the floor). Prints figures and the ratio; asserts nothing.
#   scripts/bench_tui.sh URI EXPERIMENT [PAGE_SIZE]
# e.g. scripts/bench_tui.sh bench-out/store-10000-v1/fs/mlruns bench   (bench_core.sh makes that store)
# CONFIG=release (default) or debug; BIN=path/to/mltui measures that binary instead of building
# (e.g. one built from an older commit, for a before/after comparison). Needs tmux.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
uri="${1:?usage: bench_tui.sh URI EXPERIMENT [PAGE_SIZE]}"
experiment="${2:?usage: bench_tui.sh URI EXPERIMENT [PAGE_SIZE]}"
page="${3:-500}"
config="${CONFIG:-release}"
command -v tmux >/dev/null || { echo "bench_tui.sh: needs tmux" >&2; exit 1; }
if [ -n "${BIN:-}" ]; then
    bin="$(cd "$(dirname "$BIN")" && pwd)"
    exe="$bin/$(basename "$BIN")"
else
    swift build -c "$config" --product mltui >&2
    bin="$(swift build -c "$config" --show-bin-path)"
    exe="$bin/mltui"
fi

exp_id="$("$exe" experiments --tracking-uri "$uri" --format json | python3 -c "
import json,sys
d=json.load(sys.stdin); e=d.get('experiments', d) if isinstance(d, dict) else d
print(next(x['experiment_id'] for x in e if x['name']==sys.argv[1] or x['experiment_id']==sys.argv[1]))" "$experiment")"

floor_ms() {
    local best=""
    for _ in 1 2 3; do
        local t0 t1
        t0=$(date +%s%N)
        "$exe" runs --tracking-uri "$uri" --experiment-id "$exp_id" --max-results "$page" --format json >/dev/null
        t1=$(date +%s%N)
        local ms=$(( (t1 - t0) / 1000000 ))
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    echo "$best"
}
floor=$(floor_ms)

socket="mltui-bench-$$"
report="$(mktemp)"
state="$(mktemp -d)"  # no remembered view (sort, filter) changes what is measured
trap 'tmux -L "$socket" kill-server 2>/dev/null || true; rm -rf "$report" "$state"' EXIT
tmux -L "$socket" -f /dev/null new-session -d -x 120 -y 40 \
    "MLTUI_BENCH=1 TERM=xterm-256color XDG_STATE_HOME='$state' '$exe' --refresh 0 --experiment '$exp_id' '$uri' 2> '$report'; echo BENCH-DONE >> '$report'"
for _ in $(seq 1 600); do
    tmux -L "$socket" capture-pane -p | grep -q "Runs · .* · [0-9]" && break
    sleep 0.05
done
# Scroll: 300 single steps down, 20 pages down, back to the top.
for _ in $(seq 1 300); do tmux -L "$socket" send-keys j; done
for _ in $(seq 1 20); do tmux -L "$socket" send-keys PageDown; done
tmux -L "$socket" send-keys g
sleep 1
tmux -L "$socket" send-keys q
for _ in $(seq 1 100); do grep -q BENCH-DONE "$report" && break; sleep 0.1; done
first=$(sed -n 's/^first frame with runs: \([0-9.]*\) ms$/\1/p' "$report")
echo "store:                     $uri (experiment $experiment, first page of $page runs)"
echo "floor (mltui runs, best of 3): ${floor} ms"
grep -v BENCH-DONE "$report" | sed 's/^/tui: /'
if [ -n "$first" ] && [ "$floor" -gt 0 ]; then
    python3 -c "print(f'ratio first frame / floor: {float(\"$first\")/$floor:.2f}x (target <= 2x)')"
fi
