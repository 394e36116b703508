#!/usr/bin/env bash
# Runs the benchmark: McpFunctions against the bare SDK server (see docs/benchmarks.md).
#   bench/run.sh            default run, about 3 minutes
#   bench/run.sh --quick    smoke run, under a minute
#   bench/run.sh --help     all options
set -euo pipefail
cd "$(dirname "$0")/.."
exec dotnet run -c Release --project bench/Bench -- "$@"
