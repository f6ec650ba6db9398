#!/usr/bin/env bash
# Test TLS material and credentials for the local broker's secured listeners (kafka.sh with
# KAFKA_SECURE=1), made with openssl into DIR (default .kafka/secure): a CA, the broker's
# certificate (SAN 127.0.0.1 and localhost) in a PKCS12 keystore, a client certificate for
# mTLS (its key also encrypted with a passphrase), a second CA that signed nothing the broker
# holds (for the wrong-CA test), and the test users' passwords. Idempotent: existing material
# is kept. For tests and demos only.
#
# Usage: bash scripts/kafka/tls-material.sh [DIR]
set -euo pipefail
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
DIR=${1:-$SCRIPT_DIR/../../.kafka/secure}
mkdir -p "$DIR"
cd "$DIR"
rand() { head -c 18 /dev/urandom | base64 | tr '+/' 'xy' | tr -d '=\n'; }
# The client key again, encrypted with a passphrase (--ssl-key-password); added to older material too.
encrypted_client_key() {
  local password
  password=$(rand)
  openssl pkey -in client.key -aes256 -passout "pass:$password" -out client-encrypted.key
  printf 'KAFKA_TEST_KEY_PASSWORD=%s\n' "$password" >>credentials.env
  chmod 644 client-encrypted.key
}
if [[ -f credentials.env && -f broker.p12 && -f client.pem && -f other-ca.pem ]]; then
  [[ -f client-encrypted.key ]] || encrypted_client_key
  exit 0
fi
command -v openssl >/dev/null || { echo "tls-material.sh: openssl is needed (apt-get install openssl)" >&2; exit 1; }

umask 077
DAYS=3650
ca() { # name subject
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days $DAYS -subj "/CN=$2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
leaf() { # name subject ext
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
  printf '%s\n' "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" -days $DAYS -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
ca ca 'online-em test CA'
ca other-ca 'online-em other CA (trusted by nobody)'
leaf broker localhost $'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth'
leaf client online-em-client $'extendedKeyUsage=clientAuth'
STORE_PASSWORD=$(rand)
openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem -name broker -out broker.p12 -passout "pass:$STORE_PASSWORD"
# The test users (SCRAM-SHA-512 and PLAIN) and the keystore password; tests read this file.
cat >credentials.env <<CRED
KAFKA_TEST_STORE_PASSWORD=$STORE_PASSWORD
KAFKA_TEST_SCRAM_USER=online-em-scram
KAFKA_TEST_SCRAM_PASSWORD=$(rand)
KAFKA_TEST_PLAIN_USER=online-em-plain
KAFKA_TEST_PLAIN_PASSWORD=$(rand)
CRED
chmod 644 ca.pem other-ca.pem client.pem client.key credentials.env
encrypted_client_key
echo "tls-material.sh: made a test CA, broker and client certificates and test users in $DIR"
