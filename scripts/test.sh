#!/usr/bin/env bash
# The whole test suite: exports the Python SDK's registered responses for the conformance
# tests (installing globus-sdk from PyPI into a virtualenv under target/), then runs every
# test with every feature. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
GLOBUS_SDK_FIXTURES="$(bash scripts/fixtures.sh | tail -n 1)"
export GLOBUS_SDK_FIXTURES
export GLOBUS_SDK_REQUIRE_FIXTURES=1
cargo test --all-features "$@"
