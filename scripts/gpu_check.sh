#!/usr/bin/env bash
# GPU check (issue 21, item 5): safetax's code paths on CUDA with its tiny random model, in at most 10 minutes,
# on a machine with torch, transformers, peft and accelerate but no trl, no vLLM, no hub and no network.
#
#   scripts/gpu_check.sh [--device cuda|cpu] [--wheels auto|always|never] [JSON_PATH] [-- extra gpu_check.py args]
#
# JSON_PATH defaults to $OUT/gpu_check.json when $OUT is set, else ./gpu_check.json. Exit status 0 when every
# check passed. safetax is imported from this repository (PYTHONPATH, no install), SAFETAX_CACHE is a
# temporary folder (removed at the end), nothing is downloaded.
#
# Wheels: scripts/wheels/ holds the pinned pure-Python wheels such a machine lacks (trl, datasets, dill,
# multiprocess for Python 3.11 and 3.12, fastcore, peft; 2.9 MB, committed). Optional, not committed: put more wheels into
# scripts/wheels/extra/ (e.g. the pinned transformers, 13 MB, so that the check runs on the pins rather than
# the machine's own transformers) and carry that folder along:
#   pip download --no-deps --only-binary=:all: --python-version 3.12 -d scripts/wheels/extra transformers==5.23.0
# To fetch a wheel again after a pin changes (the test checks that the trl wheel matches settings.ini):
#   pip download --no-deps --only-binary=:all: --python-version 3.12 -d scripts/wheels trl==<pin in settings.ini>
# --wheels auto (default) installs a wheel only where the python lacks that package at the wheel's version;
# always installs every wheel; never installs none. Wheels go to a temporary --target folder put first on
# PYTHONPATH (pip install --no-deps --no-index): the machine's own packages are never changed.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
DEVICE=cuda WHEELS=auto JSON="" EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --device) DEVICE="$2"; shift 2 ;;
    --device=*) DEVICE="${1#*=}"; shift ;;
    --wheels) WHEELS="$2"; shift 2 ;;
    --wheels=*) WHEELS="${1#*=}"; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) JSON="$1"; shift ;;
  esac
done
if [ -z "$JSON" ]; then
  if [ -n "${OUT:-}" ]; then JSON="$OUT/gpu_check.json"; else JSON="$PWD/gpu_check.json"; fi
fi
PY="${PYTHON:-python3}"
if [ -x "$ROOT/.venv/bin/python" ] && [ -z "${PYTHON:-}" ] && [ "$DEVICE" = cpu ]; then PY="$ROOT/.venv/bin/python"; fi
fail() {   # no check ran: still leave a JSON saying why
  echo "gpu_check.sh: $1" >&2
  mkdir -p "$(dirname "$JSON")" && printf '{"ok": false, "checks": [], "error": "%s"}\n' "${1//\"/\'}" > "$JSON"
  exit 2
}
WORK="$(mktemp -d "${TMPDIR:-/tmp}/gpu_check.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
export SAFETAX_CACHE="$WORK/cache" PYTHONNOUSERSITE=1 PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HOME="$WORK/hf" WANDB_DISABLED=true
SITE="$WORK/site"

# which wheels to install: those this python can install (its tags), and in `auto` mode only those whose
# package it lacks or has at another version
case "$WHEELS" in auto|always|never) ;; *) fail "--wheels must be auto, always or never" ;; esac
mapfile -t TODO < <([ "$WHEELS" = never ] || "$PY" - "$WHEELS" "$HERE"/wheels/*.whl "$HERE"/wheels/extra/*.whl <<'PYEOF'
import sys, importlib.metadata as md
from pathlib import Path
from packaging.tags import sys_tags
from packaging.utils import parse_wheel_filename
mode, rank = sys.argv[1], {t: i for i, t in enumerate(sys_tags())}
best = {}                                              # per package, the wheel whose tag this python prefers
for w in sys.argv[2:]:
    if not Path(w).is_file(): continue
    name, ver, _, tags = parse_wheel_filename(Path(w).name)
    r = min((rank[t] for t in tags if t in rank), default=None)
    if r is None: continue                             # a tag this python cannot install
    if name not in best or r < best[name][0]: best[name] = (r, ver, w)   # py312 over py311 on 3.12
for name, (_, ver, w) in best.items():
    try: have = md.version(name).split('+')[0]
    except md.PackageNotFoundError: have = None
    if mode == 'always' or have != str(ver): print(w)
PYEOF
)
if ! "$PY" -c 'import trl' 2>/dev/null && ! ls "$HERE"/wheels/trl-*.whl >/dev/null 2>&1; then
  pin="$(grep -o 'trl==[^ ]*' "$ROOT/settings.ini" | head -1)"
  fail "no trl here and no trl wheel in scripts/wheels; on a machine with PyPI run: pip download --no-deps --only-binary=:all: --python-version 3.12 -d scripts/wheels $pin"
fi
if [ ${#TODO[@]} -gt 0 ]; then
  echo "[gpu_check] installing ${#TODO[@]} wheel(s) into $SITE: $(for w in "${TODO[@]}"; do basename "$w"; done | tr '\n' ' ')"
  "$PY" -m pip install -q --no-deps --no-index --no-compile --no-cache-dir --disable-pip-version-check \
        --target "$SITE" "${TODO[@]}" || fail "pip could not install the wheels into $SITE (see above)"
  export PYTHONPATH="$SITE:$ROOT${PYTHONPATH:+:$PYTHONPATH}"
  export GPU_CHECK_WHEELS_INSTALLED="$(for w in "${TODO[@]}"; do basename "$w"; done | tr '\n' ' ')"
else
  export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
fi

# at most 10 minutes on the GPU machine, all included (9 for the check itself)
cd "$WORK"
timeout --kill-after=20 "${GPU_CHECK_TIMEOUT:-540}" "$PY" "$HERE/gpu_check.py" --device "$DEVICE" --out "$JSON" "${EXTRA[@]}"
rc=$?
[ $rc -eq 124 ] && echo "gpu_check.sh: timed out after ${GPU_CHECK_TIMEOUT:-540} s (the JSON holds the checks done before)" >&2
exit $rc
