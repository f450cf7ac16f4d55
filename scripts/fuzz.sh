#!/usr/bin/env bash
# Runs every Fuzz* target in the module for a short time each.
set -euo pipefail
t="${1:-10s}"
cd "$(dirname "$0")/.."
targets=()
while read -r dir pkg; do
  shopt -s nullglob
  files=("$dir"/*_test.go)
  shopt -u nullglob
  [ ${#files[@]} -eq 0 ] && continue
  # grep exits 1 when a package has no fuzz targets; that is not a failure.
  names=$(grep -ho '^func Fuzz[A-Za-z0-9_]*' "${files[@]}" | sed 's/^func //' | sort -u || true)
  for name in $names; do
    targets+=("$pkg $name")
  done
done < <(go list -f '{{.Dir}} {{.ImportPath}}' ./...)
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no Fuzz targets found; the listing is broken" >&2
  exit 1
fi
for target in "${targets[@]}"; do
  read -r pkg name <<<"$target"
  echo "fuzz: $pkg $name ($t)"
  # The Go fuzz coordinator can end a short run with a bare "context deadline
  # exceeded" when the time runs out while a worker is still starting; that is
  # not a finding (no failing input is written), so such a run is tried once more.
  if ! out=$(go test -run '^$' -fuzz "^${name}\$" -fuzztime "$t" "$pkg" 2>&1); then
    if grep -q 'context deadline exceeded' <<<"$out" && ! grep -q 'Failing input written' <<<"$out"; then
      echo "fuzz: $name: coordinator deadline flake, running again"
      go test -run '^$' -fuzz "^${name}\$" -fuzztime "$t" "$pkg"
    else
      printf '%s\n' "$out"
      exit 1
    fi
  else
    grep -v 'elapsed:' <<<"$out" || true
  fi
done
echo "fuzz: ${#targets[@]} targets passed"
