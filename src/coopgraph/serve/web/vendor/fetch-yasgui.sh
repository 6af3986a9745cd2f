#!/usr/bin/env bash
# Reproduces yasgui.min.js and yasgui.min.css from the npm registry and checks them against the
# hashes recorded in README.md. Needs npm; run from anywhere: bash src/coopgraph/web/vendor/fetch-yasgui.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version=4.6.2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "@zazuko/yasgui@$version" >/dev/null
echo "6520cdd256a4003e8d45865e0d631b6456b88a0e6b65f4f3e56d78a25d74c9a7  zazuko-yasgui-$version.tgz" | sha256sum -c -
tar xzf "zazuko-yasgui-$version.tgz"
cp package/build/yasgui.min.js package/build/yasgui.min.css "$here/"
cd "$here"
sha256sum -c - <<SUMS
55034eaac74c55f55fbd1eeed008ae38a79053651cbed2b453f1fcfd895a4b75  yasgui.min.js
085b94556b97f9928981bdedb6848fd11ad4d8d950e821f0d698c58ca538fc55  yasgui.min.css
SUMS
