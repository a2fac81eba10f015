#!/usr/bin/env bash
# Remakes the README's trace picture: runs the tour's traced_worker_pool with its trace,
# draws it with gocxx-trace-svg, and renders the SVG with headless Chromium
# (Debian: chromium). Writes docs/images/traced_worker_pool.{json,svg,png}.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cmake --preset release >/dev/null
cmake --build --preset release --target example_traced_worker_pool gocxx-trace-svg
out=docs/images
mkdir -p "$out"
build/release/examples/example_traced_worker_pool "$out/traced_worker_pool.json"
build/release/tools/gocxx-trace-svg -o "$out/traced_worker_pool.svg" "$out/traced_worker_pool.json"
height=$(grep -o 'height="[0-9]*"' "$out/traced_worker_pool.svg" | head -1 | tr -dc 0-9)
profile=$(mktemp -d)
timeout 120 chromium --headless --disable-gpu --no-sandbox --hide-scrollbars --user-data-dir="$profile" \
  --screenshot="$PWD/$out/traced_worker_pool.png" --window-size="1600,$height" "file://$PWD/$out/traced_worker_pool.svg" 2>/dev/null
rm -rf "$profile"
build/release/tools/gocxx-trace-svg --summary "$out/traced_worker_pool.json"
