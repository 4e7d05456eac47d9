#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing (run by `npm test` before
# the tests): Fashion-MNIST from Debian's dataset-fashion-mnist, redis-server (the Redis evaluator's
# tests start their own on 127.0.0.1; the package's system service is kept from starting), and chromium
# (the dashboard's browser test drives it headless through playwright-core). Needs root and apt.
set -u
need=()
[ -d /usr/share/datasets/fashion-mnist ] || need+=(dataset-fashion-mnist)
command -v redis-server >/dev/null || need+=(redis-server)
{ command -v chromium >/dev/null || [ -x /usr/bin/chromium ]; } || need+=(chromium)
# DejaVu Sans: the text of the experiment reports' PNG figures (resvg reads the font file).
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "esgrad tests: please install the Debian packages: ${need[*]} (apt-get install -y ${need[*]})" >&2
  exit 0
fi
echo "esgrad tests: installing ${need[*]} from Debian's packages" >&2
# No service may start at install time (a policy-rc.d that exits 101 says so to Debian's scripts).
guard=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  guard=/usr/sbin/policy-rc.d
  printf '#!/bin/sh\nexit 101\n' >"$guard" && chmod +x "$guard"
fi
{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"; } >/dev/null 2>&1 \
  || echo "esgrad tests: could not install ${need[*]}" >&2
[ -n "$guard" ] && rm -f "$guard"
exit 0
