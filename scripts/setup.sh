#!/usr/bin/env bash
# Sets up what the project needs on a fresh Debian machine with Python 3.11: Java 17 (Spark), a
# virtualenv in .venv with the pinned requirements, and the system packages the chosen pipeline
# needs (its registry entry says which: e.g. olist needs the PostgreSQL JDBC driver and server).
# Idempotent: a second run only checks.
#   scripts/setup.sh [--dev] [--for PIPELINE] [--spark 4]
#     --dev           test and tooling packages too, every pipeline's system packages, and
#                     Chromium (the report's browser test opens the pages headless)
#     --for PIPELINE  the system packages of that pipeline only (spark-submit.sh passes it)
#     --spark 4       the Spark 4 test runtime (Glue 6.0) in .venv-spark4: the dev packages with
#                     PySpark 4.1 (requirements-spark4.txt); the default runtime stays Spark 3.5
set -euo pipefail
cd "$(dirname "$0")/.."
dev=""; pipeline=""; spark=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dev) dev=1 ;;
    --for) pipeline="${2:-}"; shift ;;
    --spark) spark="${2:-}"; shift
             [ "$spark" = 4 ] || { echo "setup.sh: --spark takes 4 (the default runtime is Spark 3.5)" >&2; exit 2; } ;;
    *) echo "setup.sh: unknown option $1 (use --dev, --for PIPELINE, --spark 4)" >&2; exit 2 ;;
  esac
  shift
done

apt_install() {
  [ $# -gt 0 ] || return 0
  echo "setup: installing $* with apt-get" >&2
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

need_apt=()
if ! command -v java >/dev/null 2>&1 || ! java -version 2>&1 | grep -q 'version "17'; then
  need_apt+=(openjdk-17-jre-headless)
fi
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  need_apt+=(python3-venv)
fi
apt_install "${need_apt[@]}"

req=requirements-local.txt
[ -n "$dev" ] && req=requirements-dev.txt
venv=.venv
if [ -n "$spark" ]; then venv=.venv-spark4; req=requirements-dev.txt; fi
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
stamps="$venv/.installed-$(cat requirements.txt requirements-local.txt requirements-dev.txt requirements-spark4.txt \
  | sha256sum | cut -c1-16)"
stamp="$stamps-$req"
if [ ! -f "$stamp" ] && [ ! -f "$stamps-requirements-dev.txt" ]; then  # dev includes local
  echo "setup: installing Python packages from $req into $venv" >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
  if [ -n "$spark" ]; then
    # Spark 4: the dev packages with PySpark from the 4.1 line instead of the pinned 3.5 (one
    # resolution: never installs 3.5 only to replace it)
    reqs4="$(mktemp)"
    { grep -h -v -E '^(pyspark==|-r )' requirements.txt requirements-local.txt requirements-dev.txt
      cat requirements-spark4.txt; } > "$reqs4"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$reqs4"
    rm -f "$reqs4"
  else
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
  fi
  touch "$stamp"
fi

# System packages per pipeline, from the registry: "<debian package> <file it provides>" lines.
if [ -n "$dev" ] || [ -n "$pipeline" ]; then
  missing=()
  while read -r package provides; do
    [ -n "$package" ] || continue
    # shellcheck disable=SC2086
    ls $provides >/dev/null 2>&1 || missing+=("$package")
  done < <(PYTHONPATH="$PWD" .venv/bin/python -m jobs.pipelines system-packages ${pipeline:-})
  # tests/test_report.py renders the HTML reports in headless Chromium (skipped without it)
  if [ -n "$dev" ] && ! command -v chromium >/dev/null 2>&1; then missing+=(chromium); fi
  apt_install "${missing[@]}"
fi
