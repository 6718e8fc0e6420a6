#!/usr/bin/env bash
# The crate as a registry or a vendor directory holds it: package it, unpack it, build it with
# every feature, and check that the build wrote nothing into its sources (build.rs generates
# into OUT_DIR; only a development checkout, with its .git, refreshes generated/).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
cargo package --no-verify --allow-dirty --quiet
work="$(mktemp -d)"
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
tar xzf "$target/package/globus-sdk-$version.crate" -C "$work"
src="$work/globus-sdk-$version"
listing() { (cd "$src" && find . -print0 | sort -z | xargs -0 stat -c '%n %s %Y' && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
before="$(listing)"
chmod -R a-w "$src"
cargo build --manifest-path "$src/Cargo.toml" --all-features --locked --quiet
after="$(listing)"
if [ "$before" != "$after" ]; then
  echo "building the packaged crate changed its sources:"
  diff <(echo "$before") <(echo "$after") | head -20
  exit 1
fi
echo "the packaged crate ($src) builds with every feature and its sources are untouched"
