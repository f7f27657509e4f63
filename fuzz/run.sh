#!/usr/bin/env bash
# Runs one fuzz target for SECONDS (default 300) with the seeds in corpus/<target>; the corpus it
# grows goes to $FUZZ_WORK/<target> (default /tmp/aadlint-fuzz), crashes to artifacts/<target>/.
# Built without a sanitizer (-s none: safe Rust, and 3-4x the speed) but with debug assertions,
# so integer overflow panics as it does in `cargo test`.
# Usage: fuzz/run.sh TARGET [SECONDS] [extra libFuzzer flags...]
set -euo pipefail
cd "$(dirname "$0")"
target=$1
secs=${2:-300}
shift $(( $# >= 2 ? 2 : 1 ))
work=${FUZZ_WORK:-/tmp/aadlint-fuzz}/$target
mkdir -p "$work"
exec cargo ${FUZZ_TOOLCHAIN:-+nightly} fuzz run -s none "$target" "$work" "corpus/$target" -- \
  -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$@"
