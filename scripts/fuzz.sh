#!/usr/bin/env bash
# Fuzzing with cargo fuzz (libFuzzer): the targets in fuzz/, see docs/fuzzing.md.
#
#   scripts/fuzz.sh smoke                 every target ~20 s (FUZZ_SMOKE_SECONDS): CI, from test.sh
#   scripts/fuzz.sh long [SECONDS]        every target SECONDS (default 600): the documented run
#   scripts/fuzz.sh run TARGET [SECONDS]  one target (default 60 s)
#   scripts/fuzz.sh build                 install cargo-fuzz if missing, build every target
#
# Fails if any target finds a crash, panic, timeout (an input over FUZZ_TIMEOUT s, default 10)
# or out-of-memory; the input is left in fuzz/artifacts/<target>/ (reproduce with
# `RUSTC_BOOTSTRAP=1 cargo fuzz run <target> <file>`) and goes into the owning crate's tests.
# Targets run one after another (one cargo at a time). New inputs go to $FUZZ_WORK/<target>
# (default fuzz/work, ignored by git); the committed seeds in fuzz/corpus/<target> are only read.
set -euo pipefail
cd "$(dirname "$0")/.."

# cargo fuzz passes nightly-only flags (-Zsanitizer=address, -Cpasses=sancov-module, …); the
# machine has stable Rust only, and RUSTC_BOOTSTRAP=1 lets stable accept them.
export RUSTC_BOOTSTRAP=1
CARGO_FUZZ_VERSION=0.13.2
TARGETS=(regulation calendar iin ecp multipart json)
WORK="${FUZZ_WORK:-fuzz/work}"
TIMEOUT="${FUZZ_TIMEOUT:-10}"

install() {
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "fuzz: installing cargo-fuzz $CARGO_FUZZ_VERSION" >&2
        cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
    fi
}

build() {
    install
    # Release with debug assertions (overflow checks on) and AddressSanitizer: the defaults.
    cargo fuzz build
}

# run TARGET SECONDS: appends a line to $WORK/summary.tsv; returns non-zero on a finding.
run() {
    local t=$1 secs=$2 log
    mkdir -p "$WORK/$t"
    log="$WORK/$t.log"
    local rc=0
    cargo fuzz run "$t" "$WORK/$t" "fuzz/corpus/$t" -- \
        -max_total_time="$secs" -timeout="$TIMEOUT" -rss_limit_mb=2048 \
        -print_final_stats=1 >"$log" 2>&1 || rc=$?
    local execs per_s corpus
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    per_s=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    corpus=$(find "$WORK/$t" -type f | wc -l)
    local result=ok
    if [ "$rc" -ne 0 ]; then
        result=FINDING
        grep -E '^(==[0-9]+== ?ERROR|thread .* panicked|SUMMARY|artifact_prefix|Test unit written)' "$log" >&2 || tail -n 30 "$log" >&2
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$secs" "${execs:-?}" "${per_s:-?}" "$corpus" "$result" |
        tee -a "$WORK/summary.tsv"
    return "$rc"
}

all() {
    local secs=$1 failed=()
    build
    mkdir -p "$WORK"
    printf 'target\tseconds\texecs\texecs/s\tcorpus\tresult\n'
    for t in "${TARGETS[@]}"; do
        run "$t" "$secs" || failed+=("$t")
    done
    if [ "${#failed[@]}" -ne 0 ]; then
        echo "fuzz: findings in: ${failed[*]} (see fuzz/artifacts/ and $WORK/*.log)" >&2
        return 1
    fi
}

case "${1:-smoke}" in
    smoke) all "${FUZZ_SMOKE_SECONDS:-20}" ;;
    long) all "${2:-600}" ;;
    run)
        build
        mkdir -p "$WORK"
        run "${2:?target: ${TARGETS[*]}}" "${3:-60}"
        ;;
    build) build ;;
    *)
        sed -n '2,9p' "$0" >&2
        exit 2
        ;;
esac
