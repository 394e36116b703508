#!/usr/bin/env bash
# Runs McpFunctions locally: Azurite (storage emulator) plus the server on http://localhost:7071.
# Uses `func start` (the Azure Functions host, custom handler) when func is on PATH, else `dotnet run`.
#   ./run.sh           you are the fixed local developer; clients need no token
#   ./run.sh --oauth   the whole OAuth flow (Auth:Mode=LocalSignIn): clients register, you sign in on a local page
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)
port="${PORT:-7071}"

oauth=false
for arg in "$@"; do
  case "$arg" in
    --oauth) oauth=true ;;
    *) echo "Usage: ./run.sh [--oauth]" >&2; exit 2 ;;
  esac
done
if $oauth; then
  # Read by the app in either host (func passes its environment on to the custom handler).
  export Auth__Mode=LocalSignIn
fi

# npm keeps a copy of the lock file it installed from; reinstall when the real one is newer (or absent).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> Installing local tools (npm ci)"
  npm ci --no-audit --no-fund
fi

pids=()
cleanup() {
  for pid in "${pids[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT INT TERM

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if listening 10000 && listening 10002; then
  echo "==> Azurite already running on 127.0.0.1:10000-10002"
else
  echo "==> Starting Azurite (data in .azurite/)"
  mkdir -p .azurite
  node_modules/.bin/azurite --silent --disableTelemetry --skipApiVersionCheck --location .azurite \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 > .azurite/azurite.log 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do listening 10002 && listening 10000 && break; sleep 0.2; done
  listening 10002 || { echo "Azurite did not start; see .azurite/azurite.log"; exit 1; }
fi

[ -f local.settings.json ] || cp local.settings.sample.json local.settings.json

echo "==> Building"
dotnet build FunctionApp/FunctionApp.csproj -c Debug -nologo -v quiet

if command -v func >/dev/null 2>&1; then
  echo "==> Starting the Functions host (func start) on port $port"
  (cd FunctionApp/bin/Debug/net10.0 && exec func start --port "$port") &
else
  echo "==> func not found: starting the server with dotnet run on port $port"
  ASPNETCORE_ENVIRONMENT=Development dotnet run --project FunctionApp/FunctionApp.csproj --no-build --no-launch-profile \
    --urls "http://localhost:$port" &
fi
pids+=($!)

healthy() { node -e "fetch('http://localhost:$port/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; }
for _ in $(seq 1 100); do
  healthy && break
  sleep 0.3
done

cat <<INFO

McpFunctions is running.
  Streamable HTTP:  http://localhost:$port/mcp
  Legacy SSE:       http://localhost:$port/sse
  Health:           http://localhost:$port/healthz

Try it:
  npx @modelcontextprotocol/inspector --cli http://localhost:$port/mcp --method tools/list

Claude Desktop (claude_desktop_config.json), through mcp-remote:
  {
    "mcpServers": {
      "mcpfunctions": {
        "command": "npx",
        "args": ["mcp-remote", "http://localhost:$port/mcp"]
      }
    }
  }

INFO

if $oauth; then
  cat <<OAUTH
Sign-in (--oauth): every client goes through the OAuth flow against this server's own authorization server.
The sign-in page takes any user name (a-z, 0-9, '.', '-'; you become local:<name>); then press Allow.
  Inspector CLI: the command above prints the sign-in URL, opens your browser and waits for it on
    127.0.0.1:6276. Add --stored-auth-only to later runs to reuse the tokens (kept in your OS keychain, or set
    MCP_INSPECTOR_SECRET_STORE=file to keep them in ~/.mcp-inspector).
  Inspector web UI: npx @modelcontextprotocol/inspector, Streamable HTTP, http://localhost:$port/mcp, Connect.
  mcp-remote: opens the sign-in page once and keeps the tokens in ~/.mcp-auth (rm -rf ~/.mcp-auth to sign in
    as someone else).

OAUTH
fi

echo "Press Ctrl+C to stop."

wait "${pids[-1]}"
