#!/usr/bin/env bash
# Checks that every ```rust block of README.md is as rustfmt leaves it, so
# that code a reader copies into a formatted project stays as written (a
# form rustfmt rewrites, like `Dense<5>::from_weights(..)` in `sequential!`,
# fails here). Each block is checked as the body of a `fn main`, with
# doctest-hidden `# ` lines shown.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
awk -v dir="$work" '
  /^```rust/ { n++; inside = 1; file = sprintf("%s/block%02d.rs", dir, n); print "fn main() {" > file; next }
  /^```/ && inside { print "}" > file; close(file); inside = 0; next }
  inside {
    line = $0
    if (line == "#") line = ""
    else if (substr(line, 1, 2) == "# ") line = substr(line, 3)
    if (line == "") print "" > file; else print "    " line > file
  }
' README.md
status=0
for f in "$work"/block*.rs; do
  if ! rustfmt --edition 2021 --check "$f" >"$f.diff" 2>&1; then
    echo "README.md: rust block $(basename "$f" .rs | tr -dc 0-9) is not as rustfmt leaves it:"
    sed "s|$work/||" "$f.diff"
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "README.md: $(ls "$work"/block*.rs | wc -l) rust blocks, each as rustfmt leaves it"
exit "$status"
