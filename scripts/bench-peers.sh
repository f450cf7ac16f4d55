#!/usr/bin/env bash
# Compares the wall time of `stepshift lint` with asl-validator@4.0.0 on the
# 36 NASA Cumulus workflows of the shared corpus. Needs node and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
# The corpus where the tests find it (internal/standin.FindCorpus):
# $STEPSHIFT_CORPUS, ../shared/corpus, then testdata/corpus (`make corpus`).
corpus=""
for dir in ${STEPSHIFT_CORPUS:+"$STEPSHIFT_CORPUS"} ../shared/corpus testdata/corpus; do
  if [ -d "$dir/cumulus/workflows" ]; then corpus=$dir/cumulus/workflows; break; fi
done
if [ -z "$corpus" ]; then
  echo "bench-peers: external test corpus not found; run \`make corpus\` to download it" >&2
  exit 1
fi
bin=${BIN:-bin/stepshift}
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "bench-peers: node/npm not found; nothing to compare" >&2
  exit 0
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
(cd "$scratch" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error asl-validator@4.0.0 >/dev/null)
files=("$corpus"/*.asl.json)
runs=${RUNS:-5}

# Milliseconds since the epoch; bash arithmetic, since mawk's printf "%d"
# caps at 2^31-1 and printed 0 for every time.
now_ms() { local ns; ns=$(date +%s%N); echo $((ns / 1000000)); }
best() { # best-of-N wall time in ms of the command given
  local b=999999 s e d
  for _ in $(seq "$runs"); do
    s=$(now_ms); "$@" >/dev/null 2>&1 || true; e=$(now_ms)
    d=$((e - s)); [ "$d" -lt "$b" ] && b=$d
  done
  echo "$b"
}
# asl-validator 4.0.0 takes one file per --json-path flag. It must run (an
# unknown option exits at once and would time nothing): one checked run first.
args=(); for f in "${files[@]}"; do args+=(--json-path "$f"); done
peer_cmd=(node "$scratch/node_modules/.bin/asl-validator" "${args[@]}")
set +e
peer_out=$("${peer_cmd[@]}" 2>&1); peer_rc=$?
set -e
if grep -q "unknown option" <<<"$peer_out"; then
  echo "bench-peers: asl-validator refused its arguments: $peer_out" >&2
  exit 1
fi
echo "asl-validator exit code $peer_rc; $(grep -c 'is valid' <<<"$peer_out" || true) of ${#files[@]} reported valid"
peer=$(best "${peer_cmd[@]}")
ours=$(best "$bin" lint --no-color "${files[@]}")
echo "files: ${#files[@]} Cumulus workflows (best of $runs runs, wall time)"
echo "asl-validator@4.0.0: ${peer} ms"
echo "stepshift lint:      ${ours} ms"
awk -v p="$peer" -v o="$ours" 'BEGIN { if (o < 1) o = 1; printf "ratio: stepshift is %.1fx faster\n", p / o }'
