#!/usr/bin/env bash
# Compares the wall time of `stepshift lint` with asl-validator@4.0.0 on all
# 36 NASA Cumulus workflows of the corpus (budget: stepshift >= 100x faster).
# Needs node and npm.
#
# Fairness: 34 of the files are state machine definitions; the other two
# (legacy_kes_*.json) are Kes workflow records that hold the definition under
# "definition". stepshift lints the records as they are (unwrapping them is
# part of its timed run). asl-validator only understands definitions, so it
# gets the definitions of those two extracted beforehand, outside the timing;
# every tool validates the same 36 state machines, and the peer is spared the
# unwrapping.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=$(./scripts/corpus-dir.sh)/cumulus/workflows || {
  echo "bench-peers: external test corpus not found; run \`make corpus\` to download it" >&2
  exit 1
}
bin=${BIN:-bin/stepshift}
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "bench-peers: node/npm not found; nothing to compare" >&2
  exit 0
fi
files=("$corpus"/*.json)
if [ "${#files[@]}" -ne 36 ]; then
  echo "bench-peers: want the 36 Cumulus workflows in $corpus, found ${#files[@]}" >&2
  exit 1
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
(cd "$scratch" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error asl-validator@4.0.0 >/dev/null)

# The peer's inputs: definitions as they are, records unwrapped.
mkdir "$scratch/defs"
peer_files=()
for f in "${files[@]}"; do
  out="$scratch/defs/$(basename "$f")"
  node -e '
    const fs = require("fs");
    const doc = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const def = doc && typeof doc.definition === "object" && !("StartAt" in doc) ? doc.definition : doc;
    fs.writeFileSync(process.argv[2], JSON.stringify(def, null, 2));
  ' "$f" "$out"
  peer_files+=("$out")
done

runs=${RUNS:-5}
# best-of-N wall time in ms (one decimal) of the command given. The clock is
# bash's own $EPOCHREALTIME: forking `date` around each run added its start
# to every measurement, a few ms that mattered only for the faster tool.
best() {
  local b=999999999 s e d
  for _ in $(seq "$runs"); do
    s=${EPOCHREALTIME/./}; "$@" >/dev/null 2>&1 || true; e=${EPOCHREALTIME/./}
    d=$((e - s)); [ "$d" -lt "$b" ] && b=$d
  done
  echo "$((b / 1000)).$(((b % 1000) / 100))"
}
# best-of-N CPU time (user + system, ms): steadier than wall time when other
# processes load the machine; node spreads work over threads, so its CPU
# time can exceed its wall time.
best_cpu() {
  local b=999999 d
  for _ in $(seq "$runs"); do
    d=$( { TIMEFORMAT='%3U %3S'; time "$@" >/dev/null 2>&1; } 2>&1 | awk '{ printf "%d", ($1 + $2) * 1000 }')
    [ "$d" -lt "$b" ] && b=$d
  done
  echo "$b"
}
# asl-validator 4.0.0 takes one file per --json-path flag. It must run (an
# unknown option exits at once and would time nothing): one checked run first.
args=(); for f in "${peer_files[@]}"; do args+=(--json-path "$f"); done
peer_cmd=(node "$scratch/node_modules/.bin/asl-validator" "${args[@]}")
set +e
peer_out=$("${peer_cmd[@]}" 2>&1); peer_rc=$?
set -e
if grep -q "unknown option" <<<"$peer_out"; then
  echo "bench-peers: asl-validator refused its arguments: $peer_out" >&2
  exit 1
fi
echo "asl-validator exit code $peer_rc; $(grep -c 'is valid' <<<"$peer_out" || true) of ${#peer_files[@]} reported valid"
set +e
"$bin" lint --no-color "${files[@]}" >/dev/null 2>&1; ours_rc=$?
set -e
if [ "$ours_rc" -gt 1 ]; then
  echo "bench-peers: stepshift lint exited $ours_rc on the corpus" >&2
  exit 1
fi
peer=$(best "${peer_cmd[@]}")
ours=$(best "$bin" lint --no-color "${files[@]}")
peer_cpu=$(best_cpu "${peer_cmd[@]}")
ours_cpu=$(best_cpu "$bin" lint --no-color "${files[@]}")
echo "files: ${#files[@]} Cumulus workflows, 2 of them Kes records (best of $runs runs)"
echo "asl-validator@4.0.0: ${peer} ms wall, ${peer_cpu} ms CPU"
echo "stepshift lint:      ${ours} ms wall, ${ours_cpu} ms CPU"
awk -v p="$peer" -v o="$ours" -v pc="$peer_cpu" -v oc="$ours_cpu" 'BEGIN {
  if (o < 0.1) o = 0.1; if (oc < 1) oc = 1; r = p / o
  printf "ratio: stepshift is %.1fx faster by wall time (budget: >= 100x: %s), %.1fx by CPU time\n", r, (r >= 100 ? "met" : "NOT met"), pc / oc }'
