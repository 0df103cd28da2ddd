# Sourced by the long-running queues (scripts/truth-queue.sh, scripts/reproduce-queue.sh): they run
# the CLI from a copy of dist/ taken when they start, so that a rebuild while they run (npm test's
# set-up, npm run build) cannot replace the bundle's chunks under a process that loads them lazily.
# Defines `mednas ARGS...`. Copies left by a queue that was killed (its pid gone) are removed.
for old in runs/.cli-*; do
  [ -d "$old" ] || continue
  kill -0 "${old##*-}" 2>/dev/null || rm -rf "$old"
done
[ -f dist/cli.js ] || bash scripts/setup.sh || exit 1
CLI_SNAPSHOT="runs/.cli-$$"
mkdir -p runs
rm -rf "$CLI_SNAPSHOT"
cp -r dist "$CLI_SNAPSHOT"
trap 'rm -rf "$CLI_SNAPSHOT"' EXIT
mednas() { node "$CLI_SNAPSHOT/cli.js" "$@"; }
