# Sourced by the one-shot report scripts (heldout-report.sh, pilot-report.sh): record NAME ARGS...
# runs `mednas ARGS...` into "$out/NAME.txt" with the command on its first line, and stops the
# script, naming that file, when the command fails.
record() {
  local name="$1"; shift
  if ! { echo "\$ mednas $*"; mednas "$@"; } > "$out/$name.txt" 2>&1; then
    echo "failed: mednas $* (its output: $out/$name.txt)" >&2
    exit 1
  fi
  echo "$out/$name.txt"
}
