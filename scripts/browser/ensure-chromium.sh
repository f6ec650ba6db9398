#!/usr/bin/env bash
# The dashboard's browser test (test/kafka/dashboard) drives Debian's /usr/bin/chromium through
# playwright-core, which downloads no browser. Install it from Debian's packages when it is
# missing (as root), so that `npm test` and .ci/run need no setup by hand.
set -uo pipefail
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: /usr/bin/chromium is missing and this is not root: install it (sudo apt-get install -y chromium)" >&2
  exit 1
fi
echo "ensure-chromium: installing Debian's chromium (apt-get; a minute or two) ..." >&2
{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } >&2 || {
  echo "ensure-chromium: installing Debian chromium failed (apt-get install -y chromium, as root): see above" >&2
  exit 1
}
