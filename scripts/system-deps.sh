#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing (run by `npm test` before
# the tests): Fashion-MNIST from Debian's dataset-fashion-mnist. Needs root and apt; says so otherwise.
set -u
need=()
[ -d /usr/share/datasets/fashion-mnist ] || need+=(dataset-fashion-mnist)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "esgrad tests: please install the Debian packages: ${need[*]} (apt-get install -y ${need[*]})" >&2
  exit 0
fi
echo "esgrad tests: installing ${need[*]} from Debian's packages" >&2
{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"; } >/dev/null 2>&1 \
  || echo "esgrad tests: could not install ${need[*]}" >&2
exit 0
