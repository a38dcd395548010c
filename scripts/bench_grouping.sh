#!/usr/bin/env bash
# Grouping in the UI on a large store: the real binary under tmux, every run loaded, ten metric
# columns added, then `:group A,B` and `:group B,A` typed again and again (each a regrouping of
# every run with every aggregate, and one frame). Prints the keystroke-to-frame figures
# MLTUI_BENCH reports: the regrouping Enter keys are the slowest keys, so max and p99 are the
# regrouping cost (typing costs ~1 ms). Asserts nothing.
#   scripts/bench_grouping.sh URI EXPERIMENT [GROUP_KEYS] [METRICS...]
# e.g. scripts/bench_grouping.sh sqlite:///$PWD/bench-out/store-10000-v1/sqlite/mlflow.db bench
#      (bench_core.sh makes that store; defaults: params.model,tags.t0 and latency_p95 m1..m9)
# BIN=path/to/mltui measures that binary instead of building a release one. Needs tmux.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
uri="${1:?usage: bench_grouping.sh URI EXPERIMENT [GROUP_KEYS] [METRICS...]}"
experiment="${2:?usage: bench_grouping.sh URI EXPERIMENT [GROUP_KEYS] [METRICS...]}"
keys="${3:-params.model,tags.t0}"
shift $(( $# < 3 ? $# : 3 ))
metrics=("$@")
[ ${#metrics[@]} -gt 0 ] || metrics=(latency_p95 m1 m2 m3 m4 m5 m6 m7 m8 m9)
command -v tmux >/dev/null || { echo "bench_grouping.sh: needs tmux" >&2; exit 1; }
if [ -n "${BIN:-}" ]; then
    exe="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
else
    swift build -c release --product mltui >&2
    exe="$(swift build -c release --show-bin-path)/mltui"
fi
socket="mltui-bench-group-$$"
report="$(mktemp)"
state="$(mktemp -d)"
trap 'tmux -L "$socket" kill-server 2>/dev/null || true; rm -rf "$report" "$state"' EXIT
tmux -L "$socket" -f /dev/null new-session -d -x 200 -y 50 \
    "MLTUI_BENCH=1 TERM=xterm-256color XDG_STATE_HOME='$state' '$exe' --refresh 0 --experiment '$experiment' '$uri' 2> '$report'; echo BENCH-DONE >> '$report'"
screen() { tmux -L "$socket" capture-pane -p; }
wait_for() {  # bounded: 120 s
    for _ in $(seq 1 2400); do screen | grep -q -- "$1" && return 0; sleep 0.05; done
    echo "bench_grouping.sh: timed out waiting for '$1'" >&2; screen >&2; exit 1
}
command_line() { tmux -L "$socket" send-keys ":"; tmux -L "$socket" send-keys -l "$1"; tmux -L "$socket" send-keys Enter; }
wait_for "Runs · .* · [0-9]"
for m in "${metrics[@]}"; do command_line "column metrics.$m"; done
# The first grouping loads every page; then regroup the loaded runs, the keys' order swapped.
reversed="$(echo "$keys" | tr ',' '\n' | tac | paste -sd, -)"
command_line "group $keys"
wait_for "grouped by .* groups"
for _ in 1 2 3 4 5 6 7 8; do
    command_line "group $reversed"
    wait_for "grouped by ${reversed%%,*}"
    command_line "group $keys"
    wait_for "grouped by ${keys%%,*}"
done
groups="$(screen | grep -o "grouped by [^│]* groups" | head -1)"
tmux -L "$socket" send-keys q
for _ in $(seq 1 100); do grep -q BENCH-DONE "$report" && break; sleep 0.1; done
echo "store: $uri (experiment $experiment), ${#metrics[@]} metric columns, $groups"
grep -v BENCH-DONE "$report" | sed 's/^/tui: /'
