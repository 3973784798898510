# Sourced by the benchmark scripts (run from the repository root).

# Every load run needs wrk.
need_wrk() {
  command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
}

# Sets BIN: the binary given (BIN=path/to/concord, for before/after comparisons), else one built
# with PROFILE (dist: fat LTO, what the Dockerfile ships; or release).
concord_bin() {
  if [ -z "${BIN:-}" ]; then
    cargo build --profile "$PROFILE" --quiet
    BIN="${CARGO_TARGET_DIR:-target}/$PROFILE/concord"
  fi
}
