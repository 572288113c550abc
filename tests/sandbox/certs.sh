#!/usr/bin/env bash
# HubSpot sandbox (tests layer): writes a throw-away CA and a leaf certificate for the sandbox.
# Usage: bash tests/sandbox/certs.sh DIR  ->  DIR/{ca.pem,cert.pem,key.pem,spki.txt} (the CA key is thrown away)
# The leaf is CA:FALSE with serverAuth so rustls/webpki accept it with ca.pem as the only root.
# Idempotent: does nothing while the files exist and the leaf is valid for another day.
set -euo pipefail
dir="${1:?usage: certs.sh DIR}"
mkdir -p "$dir"
cd "$dir"
if [[ -s ca.pem && -s cert.pem && -s key.pem && -s spki.txt ]] \
  && openssl x509 -in cert.pem -noout -checkend 86400 >/dev/null 2>&1; then
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/ca.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
CN = Spotdial Sandbox Test CA
O = Spotdial tests
[v3_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
CNF

cat >"$tmp/leaf.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = app.hubspot.com
O = Spotdial tests
[v3_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:app.hubspot.com, DNS:app-eu1.hubspot.com, DNS:api.hubapi.com, DNS:api-eu1.hubapi.com, DNS:localhost, IP:127.0.0.1
CNF

# P-256 keys: accepted by rustls/webpki, Chromium and Node alike.
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/ca-key.pem" 2>/dev/null
openssl req -new -x509 -key "$tmp/ca-key.pem" -days 5 -sha256 -config "$tmp/ca.cnf" -out "$tmp/ca.pem"
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/key.pem" 2>/dev/null
openssl req -new -key "$tmp/key.pem" -config "$tmp/leaf.cnf" -out "$tmp/leaf.csr"
openssl x509 -req -in "$tmp/leaf.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca-key.pem" -CAcreateserial \
  -days 4 -sha256 -extfile "$tmp/leaf.cnf" -extensions v3_leaf -out "$tmp/cert.pem" 2>/dev/null
openssl x509 -in "$tmp/cert.pem" -pubkey -noout | openssl pkey -pubin -outform der \
  | openssl dgst -sha256 -binary | openssl base64 -A >"$tmp/spki.txt"

# Move into place last so a crash half-way never leaves a set the idempotency check accepts.
install -m 600 "$tmp/key.pem" key.pem
install -m 644 "$tmp/ca.pem" ca.pem
install -m 644 "$tmp/cert.pem" cert.pem
install -m 644 "$tmp/spki.txt" spki.txt
