#!/usr/bin/env bash
# make test-deploy, deploy/k8s: the kustomization lists exactly the manifests present, renders
# (kubectl kustomize, offline), and the rendered objects pass tests/deploy/k8s/validate.mjs
# (the Kubernetes API's schemas, no unknown field, Mart's own rules), whose self-test proves it
# catches broken variants.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$HERE/../.."

listed=$(sed -n '/^resources:/,/^[a-z]/p' deploy/k8s/kustomization.yaml | awk '/^  - / { print $2 }' | sort)
present=$(cd deploy/k8s && ls *.yaml | grep -vx kustomization.yaml | sort)
[ "$listed" = "$present" ] ||
  fail "deploy/k8s/kustomization.yaml lists [$(echo $listed)], the folder holds [$(echo $present)]"

# Render from a copy with the example secrets filled in, as an operator's secret.env would be.
cp -r deploy/k8s "$WORK/k8s"
python3 - "$WORK/k8s/secret.env.example" "$WORK/k8s/secret.env" <<'PY'
import secrets, sys
values = {"MART_JWT_SECRET": secrets.token_hex(32), "MART_ADMIN_EMAIL": "admin@example.com",
          "MART_ADMIN_PASSWORD": "change-me-now"}
lines = [l if "=" not in l or l.startswith("#") else f"{l.split('=')[0]}={values[l.split('=')[0]]}\n"
         for l in open(sys.argv[1])]
open(sys.argv[2], "w").writelines(lines)
PY
kubectl kustomize "$WORK/k8s" >"$WORK/k8s-rendered.yaml" || fail "kubectl kustomize deploy/k8s"

(cd tests/deploy/k8s && npm ci --silent --no-audit --no-fund >/dev/null) ||
  fail "npm ci in tests/deploy/k8s"
node tests/deploy/k8s/validate.mjs "$WORK/k8s-rendered.yaml" | sed 's/^/  /' ||
  fail "the rendered manifests are not valid (above)"
node tests/deploy/k8s/selftest.mjs "$WORK/k8s-rendered.yaml" | sed 's/^/  /' ||
  fail "the validator missed a broken variant (above)"
log "k8s: deploy/k8s renders and validates offline against the Kubernetes $(node -p 'require("./tests/deploy/k8s/node_modules/kubernetes-types/package.json").version') schemas"
