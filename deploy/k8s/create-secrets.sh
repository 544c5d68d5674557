#!/usr/bin/env bash
# Creates the seven Secrets deploy/k8s refers to by name, once, before the first apply:
#
#   DATABASE_URL=postgres://… AUDIT_DATABASE_URL=postgres://… REDIS_URL=redis://… \
#     deploy/k8s/create-secrets.sh KEYS_DIR [kubectl options, e.g. -n hub]
#
# KEYS_DIR is laid out as `npm run keys` writes it (HUB_KEYS_DIR): gateway.private.jwk.json,
# subjects.key.json, gateway.jwks.json and agencies/<AGENCY>.jwks.json, and the policy set's policy.jwks.json and
# policy-set.jws (`npm run policies:sign`), and sign-in/<provider>.secret, the client secret each sign-in provider of
# the policies issued the hub (sign-in/asan-login.secret). In production the PKI issues the gateway's key and each agency publishes
# its own JWKS; only public agency keys are taken from agencies/, and never the policy signing key.
set -euo pipefail

keys=${1:?usage: DATABASE_URL=… AUDIT_DATABASE_URL=… REDIS_URL=… $0 KEYS_DIR [kubectl options]}
shift
: "${DATABASE_URL:?DATABASE_URL must be set: PostgreSQL of the subgraphs, host hub-postgres}"
: "${AUDIT_DATABASE_URL:?AUDIT_DATABASE_URL must be set: PostgreSQL of the journal, host hub-postgres}"
: "${REDIS_URL:?REDIS_URL must be set: Redis of the quota counters, host hub-redis}"

# URLs go through files, not the command line, where other users of this machine could read them.
values=$(mktemp -d)
trap 'rm -rf "$values"' EXIT
(umask 077 && printf %s "$DATABASE_URL" > "$values/DATABASE_URL" && printf %s "$AUDIT_DATABASE_URL" > "$values/AUDIT_DATABASE_URL" && printf %s "$REDIS_URL" > "$values/REDIS_URL")

agencies=()
for file in "$keys"/agencies/*.jwks.json; do agencies+=("--from-file=$file"); done
if [[ ! -e ${agencies[0]#--from-file=} ]]; then echo "no agency JWKS in $keys/agencies" >&2; exit 1; fi

sign_in=()
for file in "$keys"/sign-in/*.secret; do sign_in+=("--from-file=$file"); done
if [[ ! -e ${sign_in[0]#--from-file=} ]]; then echo "no sign-in client secret in $keys/sign-in (e.g. asan-login.secret)" >&2; exit 1; fi

kubectl create secret generic hub-gateway-signing-key "--from-file=$keys/gateway.private.jwk.json" "--from-file=$keys/subjects.key.json" "$@"
kubectl create secret generic hub-gateway-jwks "--from-file=$keys/gateway.jwks.json" "$@"
kubectl create secret generic hub-policy-set "--from-file=$keys/policy.jwks.json" "--from-file=$keys/policy-set.jws" "$@"
kubectl create secret generic hub-agency-jwks "${agencies[@]}" "$@"
kubectl create secret generic hub-sign-in "${sign_in[@]}" "$@"
kubectl create secret generic hub-database "--from-file=$values/DATABASE_URL" "--from-file=$values/AUDIT_DATABASE_URL" "$@"
kubectl create secret generic hub-redis "--from-file=$values/REDIS_URL" "$@"
