#!/usr/bin/env bash
# check_report.sh: render an eval report.html in headless Chromium and save a
# screenshot, to check by eye that the sample grid and the plots show (the
# page must be self-contained: Chromium runs with networking disabled).
#
#   eval/check_report.sh runs/builtin/eval/report.html [shot.png]
#   eval/check_report.sh --test [shot.png]   # report of the evaluate test (stand-in model, synthetic data)
#
# Needs chromium (Debian: apt-get install -y chromium). Default screenshot:
# report.png beside the report.
set -euo pipefail

if [[ "${1:-}" == "--test" ]]; then
	keep=$(mktemp -d)
	here=$(cd "$(dirname "$0")/.." && pwd)
	(cd "$here" && TOONGAN_TEST_KEEP="$keep" go test -count=1 -run '^TestEvaluate$' ./pkg/evaluate >/dev/null)
	report="$keep/report.html"
	shift
else
	report="${1:?usage: check_report.sh REPORT.html [SCREENSHOT.png] | --test [SCREENSHOT.png]}"
	shift
fi
[[ -f "$report" ]] || { echo "check_report.sh: no such file: $report" >&2; exit 1; }
report=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
shot="${1:-$(dirname "$report")/report.png}"
case "$shot" in /*) ;; *) shot="$PWD/$shot" ;; esac

browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[[ -n "$browser" ]] || { echo "check_report.sh: chromium not found (apt-get install -y chromium)" >&2; exit 1; }

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$profile" --screenshot="$shot" --window-size=1200,"${HEIGHT:-2400}" \
	"file://$report" >/dev/null 2>&1
[[ -s "$shot" ]] || { echo "check_report.sh: no screenshot written" >&2; exit 1; }
echo "$shot"
