#!/usr/bin/env bash
# Prints the external test corpus folder the tests use
# (internal/standin.FindCorpus): $STEPSHIFT_CORPUS, ../shared/corpus, then
# testdata/corpus (`make corpus`); prints nothing and exits 1 when there is none.
cd "$(dirname "$0")/.."
for dir in ${STEPSHIFT_CORPUS:+"$STEPSHIFT_CORPUS"} ../shared/corpus testdata/corpus; do
  if [ -d "$dir/cumulus/workflows" ]; then echo "$dir"; exit 0; fi
done
exit 1
