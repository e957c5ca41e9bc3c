# Sourced by the other scripts: puts the Node.js and CDK CLI pinned in
# package.json first on PATH (jsii starts that node as well), installing them
# from the npm registry when package-lock.json is newer than node_modules.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if [ ! -x node_modules/.bin/node ] || [ ! -x node_modules/.bin/cdk ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "seclab: installing the pinned Node.js and CDK CLI (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
export PATH="$root/node_modules/.bin:$PATH"
export CDK_DISABLE_CLI_TELEMETRY=true
# The lab that `synth` builds when no context is given: an example group.
: "${SECLAB_CONTEXT:=-c participants=koo,lee -c allowedCidr=203.0.113.0/24}"
