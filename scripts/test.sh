#!/usr/bin/env bash
# The whole test suite: exports the Python SDK's registered responses for the conformance
# tests (installing globus-sdk from PyPI into a virtualenv under target/), then runs every
# test with every feature. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
GLOBUS_SDK_FIXTURES="$(bash scripts/fixtures.sh | tail -n 1)"
export GLOBUS_SDK_FIXTURES
# The transfer and delete documents the Python SDK builds, for tests/python_parity.rs.
target_dir="${CARGO_TARGET_DIR:-target}/fixtures"
docs=()
for version in 3.62.0 latest; do
  "$target_dir/venv-$version/bin/python" scripts/python_documents.py "$target_dir/python-documents-$version.json" >&2
  docs+=("$target_dir/python-documents-$version.json")
done
GLOBUS_SDK_PYTHON_DOCUMENTS="$(IFS=,; echo "${docs[*]}")"
export GLOBUS_SDK_PYTHON_DOCUMENTS
# The Pythons the local Globus must serve (tests/local_python.rs).
export GLOBUS_SDK_PYTHON="$target_dir/venv-3.62.0/bin/python,$target_dir/venv-latest/bin/python"
export GLOBUS_SDK_REQUIRE_FIXTURES=1
cargo test --all-features "$@"
