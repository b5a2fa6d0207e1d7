#!/usr/bin/env bash
# The one command that runs the whole test suite on a fresh Debian machine that has only the .NET SDK.
# It installs the system packages the tests need (only those missing), validates docker-compose.yml,
# runs `dotnet test` and prints "N passed, N failed" as its last line. Exit code is non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")"

# Tests read CI (CI=true turns a missing dependency into a hard failure); pass it on unchanged.
if [ -n "${CI+x}" ]; then export CI; fi
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

SUDO=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=(sudo); fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for pkg in mosquitto mosquitto-clients chromium openssl docker-compose; do
  installed "$pkg" || missing+=("$pkg")
done
# Any PostgreSQL major version will do; the fixture picks the newest one it finds.
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then missing+=(postgresql); fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ] && [ ${#SUDO[@]} -eq 0 ]; then
    echo "test.sh: not root and no sudo: cannot install ${missing[*]}; the tests that need them will fail" >&2
  else
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get update -qq \
      && "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || echo "test.sh: apt-get failed; the tests that need ${missing[*]} will fail" >&2
  fi
fi

compose_failed=0
echo "test.sh: docker-compose -f docker-compose.yml config -q"
if ! docker-compose -f docker-compose.yml config -q; then
  echo "test.sh: FAILED docker-compose.yml validation" >&2
  compose_failed=1
fi

# --blame-hang-timeout: a hung test fails the run in minutes instead of eating CI's time budget.
dotnet test IotDashboard.sln -c Release --logger "console;verbosity=normal" \
  --blame-hang-timeout 10m --blame-hang-dump-type none 2>&1 | tee test.log
rc=${PIPESTATUS[0]}

# Sum over test assemblies. With the normal console verbosity each assembly ends with a block
#   Total tests: 12 / Passed: 10 / Failed: 1 / Skipped: 1 / Total time: ...
# while the minimal verbosity prints "Passed!  - Failed: 0, Passed: 5, Skipped: 0, ..." instead; count either
# form, never both (they would describe the same assemblies).
read -r passed failed skipped < <(awk '
  /^Total tests: [0-9]+/ { block = 1; blocks++; next }
  block && /^ +Passed: [0-9]+/  { bp += $2 }
  block && /^ +Failed: [0-9]+/  { bf += $2 }
  block && /^ +Skipped: [0-9]+/ { bs += $2 }
  /^ +Total time:/ { block = 0 }
  /^[[:space:]]*(Passed|Failed)! +- Failed:/ {
    gsub(",", "")
    for (i = 1; i < NF; i++) { if ($i == "Failed:") sf += $(i+1); if ($i == "Passed:") sp += $(i+1); if ($i == "Skipped:") ss += $(i+1) }
  }
  END { if (blocks > 0) printf "%d %d %d\n", bp, bf, bs; else printf "%d %d %d\n", sp, sf, ss }' test.log)

failed=$((failed + compose_failed))
# A build error or a crashed test host fails the run without a summary line: do not report it as all green.
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "test.sh: dotnet test exited with $rc without reporting a failed test (build error or test host crash?)" >&2
  failed=1
fi
echo "skipped: $skipped"
echo "$passed passed, $failed failed"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
