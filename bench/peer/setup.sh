#!/usr/bin/env bash
# Creates/updates the Python venv used by the scikit-learn benchmark peer.
#
#   bash bench/peer/setup.sh            # -> last stdout line: path of the venv's python
#   PY=$(bash bench/peer/setup.sh | tail -n1)
#
# Idempotent: the venv lives at <repo>/.bench-venv (git-ignored). A stamp file
# inside it holds a hash of requirements.txt + the base interpreter version; when
# it matches (and the venv's python still runs) nothing is installed.
# Progress/diagnostics go to stderr; stdout carries only the python path.
#
# Environment:
#   BENCH_PYTHON   base interpreter to build the venv with (default: python3)
#   BENCH_VENV     venv location (default: <repo>/.bench-venv)
set -euo pipefail

die() { printf 'bench/peer/setup.sh: error: %s\n' "$*" >&2; exit 1; }
say() { printf 'bench/peer/setup.sh: %s\n' "$*" >&2; }

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
repo="$(cd -- "$here/../.." && pwd -P)"
req="$here/requirements.txt"
venv="${BENCH_VENV:-$repo/.bench-venv}"
base_py="${BENCH_PYTHON:-python3}"
vpy="$venv/bin/python"
stamp="$venv/.bench-peer-requirements.sha256"

[ -f "$req" ] || die "missing $req"

hash_file() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else "$base_py" -c 'import hashlib,sys;print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"
  fi
}

# Stamp content: requirements hash + venv interpreter version (+ "missing" when
# numpy/sklearn cannot be found; checked with find_spec, without importing them).
want_hash() {
  printf '%s %s\n' "$(hash_file "$req")" "$("$vpy" -c '
import sys
from importlib.util import find_spec
ok = all(find_spec(m) for m in ("numpy", "sklearn", "scipy"))
print(sys.version.split()[0] + ("" if ok else " missing"))' 2>/dev/null || echo none)"
}
up_to_date() { [ -x "$vpy" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(want_hash)" ]; }

# Fast path: nothing to do.
if up_to_date; then
  printf '%s\n' "$vpy"
  exit 0
fi

# --- slow path -------------------------------------------------------------
command -v "$base_py" >/dev/null 2>&1 \
  || die "'$base_py' not found on PATH. Install Python >= 3.11 (e.g. 'apt-get install python3 python3-venv') or set BENCH_PYTHON=/path/to/python3."
"$base_py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || die "$("$base_py" -V 2>&1) is too old: the pinned numpy/scikit-learn wheels need Python >= 3.11 (set BENCH_PYTHON)."
"$base_py" -c 'import venv, ensurepip' >/dev/null 2>&1 \
  || die "'$base_py -m venv' is unavailable (modules venv/ensurepip missing). On Debian/Ubuntu: apt-get install python3-venv (or python3.X-venv)."

mkdir -p "$venv"
# Serialise concurrent setups (e.g. two bench runs starting together).
if command -v flock >/dev/null 2>&1; then
  # The lock lives outside the venv so that 'venv --clear' cannot delete it.
  lock="${TMPDIR:-/tmp}/bench-peer-setup.$(printf '%s' "$venv" | cksum | cut -d' ' -f1).lock"
  exec 9>"$lock"
  flock 9
  # Another process may have finished the job while we waited.
  if up_to_date; then
    printf '%s\n' "$vpy"
    exit 0
  fi
fi

rm -f "$stamp"
if ! { [ -x "$vpy" ] && "$vpy" -c 'import pip' >/dev/null 2>&1; }; then
  say "creating venv at $venv with $("$base_py" -V 2>&1) ..."
  "$base_py" -m venv --clear "$venv" \
    || die "'$base_py -m venv $venv' failed (on Debian/Ubuntu: apt-get install python3-venv)."
fi

say "installing numpy + scikit-learn (pinned in bench/peer/requirements.txt) into $venv ..."
log="$(mktemp "${TMPDIR:-/tmp}/bench-peer-pip.XXXXXX")"
if ! "$vpy" -m pip install --quiet --disable-pip-version-check --no-input \
      --only-binary=:all: -r "$req" >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  die "pip install failed (output above). Wheels come from PyPI; check network access and that the pins in $req have wheels for $("$vpy" -V 2>&1) on $(uname -m)."
fi
rm -f "$log"
"$vpy" -c 'import numpy, sklearn' >/dev/null \
  || die "packages installed but 'import numpy, sklearn' fails in $vpy"

want_hash >"$stamp"
say "ready: $("$vpy" -c 'import numpy, sklearn; print("numpy", numpy.__version__, "scikit-learn", sklearn.__version__)')"
printf '%s\n' "$vpy"
