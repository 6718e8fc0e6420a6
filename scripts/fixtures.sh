#!/usr/bin/env bash
# Export the Python SDK's registered test responses (globus-sdk 3.62.0 and the newest release,
# installed from PyPI into virtualenvs under target/) as JSON for tests/conformance.rs.
# Prints the value for GLOBUS_SDK_FIXTURES (comma-separated files) on its last line.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${CARGO_TARGET_DIR:-$here/target}/fixtures"
mkdir -p "$out"
files=()
for version in 3.62.0 latest; do
  venv="$out/venv-$version"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2
  fi
  spec="globus-sdk==$version"
  [ "$version" = latest ] && spec="globus-sdk"
  if ! "$venv/bin/python" -c "import globus_sdk, responses" 2>/dev/null || [ "$version" = latest ]; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$spec" responses >&2
  fi
  "$venv/bin/python" "$here/scripts/dump_python_fixtures.py" "$out/python-sdk-$version.json" >&2
  files+=("$out/python-sdk-$version.json")
done
(IFS=,; echo "${files[*]}")
