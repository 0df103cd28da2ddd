#!/usr/bin/env bash
# The held-out check of issue 20, run once when groundtruth/pneumoniamnist.mednas is finished: every
# figure the closing note and docs/proxy-quality.md quote, written to results/heldout-pneumoniamnist/
# (one file per command, the command on its first line). It refuses an unfinished table, so that
# nothing is looked at before the table is whole; the quick preset's objectives were frozen before
# the table was built and are not chosen again from it (`truth choose` is for the record).
#   bash scripts/heldout-report.sh
set -euo pipefail
cd "$(dirname "$0")/.."
table=groundtruth/pneumoniamnist.mednas
out=results/heldout-pneumoniamnist
[ -f dist/cli.js ] || bash scripts/setup.sh
mednas() { node dist/cli.js "$@"; }
if ! mednas truth show "$table" | head -1 | grep -q ', finished'; then
  echo "$table is not finished ($(mednas truth show "$table" | head -1)): the held-out figures are read once, from the whole table" >&2
  exit 1
fi
mkdir -p "$out"
source scripts/report-record.sh
record correlate correlate "$table"
mednas correlate "$table" --json > "$out/correlate.jsonl"
record correlate-acc correlate "$table" --target acc
record correlate-valtest correlate "$table" --target valtest-last3
record simulate truth simulate "$table" --runs 1000
record simulate-rank truth simulate "$table" --runs 1000 --objectives rank:ms_fisher,rank:ms_consistency,rank:ms_consistency+ms_fisher,rank:ms_consistency+ms_fisher+az_expressivity
record simulate-bootstrap truth simulate "$table" --runs 200 --bootstrap 500 --objectives jacob_cov+synflow,rank:ms_fisher,rank:ms_consistency,rank:az_expressivity+az_progressivity+az_trainability
record simulate-refine truth simulate "$table" --runs 1000 --refine 3 --objectives jacob_cov+synflow,rank:ms_fisher
record choose-all-three truth choose groundtruth/breastmnist.mednas groundtruth/retinamnist.mednas "$table"
mednas correlate "$table" --html "$out/correlate.html" > /dev/null
echo "$out/correlate.html"
