#!/usr/bin/env bash
# The pilot of issue 19, once its tables are finished: the BreastMNIST table's ranking (15 epochs,
# C = 8, 3 seeds) against the same first architectures trained 3x as long (45 epochs) and 2x as wide
# (C = 16), one seed each. Writes results/pilot/ (one file per command, the command on its first
# line) for docs/proxy-quality.md's "The pilot"; refuses a pilot table that is not finished.
#   bash scripts/pilot-report.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=results/pilot
[ -f dist/cli.js ] || bash scripts/setup.sh
mednas() { node dist/cli.js "$@"; }
for t in groundtruth/pilot/breastmnist-e45.mednas groundtruth/pilot/breastmnist-c16.mednas; do
  if [ ! -f "$t" ] || ! mednas truth show "$t" | head -1 | grep -q ', finished'; then
    echo "$t is not finished: bash scripts/truth-queue.sh pilots builds it (resumed)" >&2
    exit 1
  fi
done
mkdir -p "$out"
source scripts/report-record.sh
record e45-show truth show groundtruth/pilot/breastmnist-e45.mednas
record c16-show truth show groundtruth/pilot/breastmnist-c16.mednas
record e45-against correlate groundtruth/breastmnist.mednas --first 20 --against groundtruth/pilot/breastmnist-e45.mednas
record c16-against correlate groundtruth/breastmnist.mednas --first 8 --against groundtruth/pilot/breastmnist-c16.mednas
# The mean test AUC of the same architectures under both protocols (the table's over its seeds).
means() { # PILOT, N
  node -e '
    const [pilotJson, tableJson, n] = [process.argv[1], process.argv[2], Number(process.argv[3])];
    const rows = (s) => s.split("\n").filter(Boolean).map((l) => JSON.parse(l)).filter((o) => o.event === "architecture" && o.arch < n);
    const [p, t] = [rows(pilotJson), rows(tableJson)];
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const both = p.filter((a) => a.runs > 0).map((a) => [a.testAuc, t.find((b) => b.key === a.key).testAuc]);
    const d = both.map(([x, y]) => x - y);
    console.log(`${both.length} architectures: pilot mean test AUC ${mean(both.map((b) => b[0])).toFixed(3)}, the table (15 epochs, C = 8, seed mean) ${mean(both.map((b) => b[1])).toFixed(3)}; pilot minus table per architecture: mean ${mean(d).toFixed(3)}, from ${Math.min(...d).toFixed(3)} to ${Math.max(...d).toFixed(3)}, higher in ${d.filter((x) => x > 0).length}`);
  ' "$(mednas truth show "$1" --json)" "$(mednas truth show groundtruth/breastmnist.mednas --json)" "$2"
}
{ echo "\$ (mean test AUC, pilot against table, first 20)"; means groundtruth/pilot/breastmnist-e45.mednas 20; } > "$out/e45-means.txt"; echo "$out/e45-means.txt"
{ echo "\$ (mean test AUC, pilot against table, first 8)"; means groundtruth/pilot/breastmnist-c16.mednas 8; } > "$out/c16-means.txt"; echo "$out/c16-means.txt"
