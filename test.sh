#!/usr/bin/env bash
# Restores, builds and runs every test, then prints "N passed, N failed".
# Needs only the .NET 10 SDK, Node 20 and npm; the npm tools (Azurite, the MCP Inspector, mcp-remote)
# come from package-lock.json.
set -uo pipefail
cd "$(dirname "$0")"

configuration="${CONFIGURATION:-Release}"
results="TestResults"
rm -rf "$results"

# npm keeps a copy of the lock file it installed from; reinstall when the real one is newer (or absent).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> npm ci (local tools)"
  npm ci --no-audit --no-fund || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
fi

echo "==> dotnet build ($configuration)"
if ! dotnet build McpFunctions.sln -c "$configuration" -nologo; then
  echo "Build failed."
  echo "0 passed, 1 failed"
  exit 1
fi

echo "==> dotnet test"
dotnet test FunctionApp.Tests/FunctionApp.Tests.csproj -c "$configuration" --no-build -nologo \
  --results-directory "$results" \
  --logger "trx;LogFileName=tests.trx" \
  --logger "console;verbosity=normal" \
  "$@"
status=$?

trx="$results/tests.trx"
if [ -f "$trx" ]; then
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  passed=$(echo "$counters" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p')
  failed=$(echo "$counters" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')
  errors=$(echo "$counters" | sed -n 's/.* error="\([0-9]*\)".*/\1/p')
  timeouts=$(echo "$counters" | sed -n 's/.* timeout="\([0-9]*\)".*/\1/p')
  aborted=$(echo "$counters" | sed -n 's/.* aborted="\([0-9]*\)".*/\1/p')
  failed=$(( ${failed:-0} + ${errors:-0} + ${timeouts:-0} + ${aborted:-0} ))
  passed=${passed:-0}
else
  echo "No test results were written ($trx is missing)."
  passed=0
  failed=1
fi

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the run itself failed (crash or abort) even though no test reported failure
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
