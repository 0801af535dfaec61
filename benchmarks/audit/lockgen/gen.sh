#!/bin/bash
# Writes the real lock files, exports and SBOMs of one project under projects/ with the real
# tools (see README.md), into $OUT/<format>/<project>/; sanitize.py then copies them into
# tests/assets/realworld/ with registry hosts replaced.
#   usage: gen.sh PROJECT INDEX_URL   (tools in $T, default /tmp/locktools/bin)
set -u
P=$1; HERE=$(cd "$(dirname "$0")" && pwd); SRC=$HERE/projects/$P
INDEX=${2:?"give the index URL the tools resolve through (pip config list; else the default index)"}
OUT=${OUT:-/tmp/lockgen/out}; W=/tmp/lockgen/work/$P
T=${T:-/tmp/locktools/bin}
unset PIP_FIND_LINKS
export PIP_INDEX_URL=$INDEX UV_DEFAULT_INDEX=$INDEX PDM_PYPI_URL=$INDEX PIP_CONFIG_FILE=/dev/null PIPENV_VENV_IN_PROJECT=1 PIPENV_IGNORE_VIRTUALENVS=1 PIPENV_YES=1 UV_PYTHON=/root/.pyenv/versions/3.11.7/bin/python3
rm -rf $W; mkdir -p $W
log() { echo "== $P: $*"; }
fresh() { rm -rf $W/$1; mkdir -p $W/$1; cp $SRC/pyproject.toml $SRC/*.in $SRC/Pipfile $W/$1/; sed -i "s#https://package-index.invalid/simple#$INDEX#" $W/$1/Pipfile; cd $W/$1; }
put() { mkdir -p $OUT/$1/$P; cp "$2" $OUT/$1/$P/${3:-$(basename $2)}; }

# uv
fresh uv; log uv lock
$T/uv lock -q && put uv-lock uv.lock && cp pyproject.toml $OUT/uv-lock/$P/
$T/uv export -q --all-extras --all-groups --format requirements.txt -o requirements-uv-export.txt && put requirements requirements-uv-export.txt
$T/uv export -q --all-extras --all-groups --format pylock.toml -o pylock.toml && put pylock pylock.toml pylock.toml && mv $OUT/pylock/$P $OUT/pylock/$P-uv-export
$T/uv export -q --preview --all-extras --all-groups --format cyclonedx1.5 -o uv-export.cdx.json && put sbom uv-export.cdx.json

# poetry
fresh poetry; log poetry lock
cat >> pyproject.toml <<EOT

[tool.poetry]
package-mode = false

[[tool.poetry.source]]
name = "mirror"
url = "$INDEX/"
priority = "primary"
EOT
$T/poetry lock -q && put poetry-lock poetry.lock && cp pyproject.toml $OUT/poetry-lock/$P/
$T/poetry export -q -f requirements.txt --all-extras --all-groups -o requirements-poetry-export.txt && put requirements requirements-poetry-export.txt

# pdm
fresh pdm; log pdm lock
$T/pdm lock -G :all 2>&1 | tail -2 && put pdm-lock pdm.lock && cp pyproject.toml $OUT/pdm-lock/$P/

# pipenv
fresh pipenv; log pipenv lock
$T/pipenv lock 2>&1 | tail -2 && put pipfile-lock Pipfile.lock && put pipfile-lock Pipfile
$T/cyclonedx-py pipenv --output-format JSON -o pipenv.cdx.json . 2>/dev/null && put sbom pipenv.cdx.json

# pip-tools
fresh piptools; log pip-compile
$T/pip-compile -q --generate-hashes --strip-extras --no-emit-index-url -o requirements.txt requirements.in && put requirements requirements.txt requirements-pip-compile.txt
$T/pip-compile -q --generate-hashes --no-emit-index-url -o requirements-dev.txt requirements-dev.in && put requirements requirements-dev.txt requirements-dev-pip-compile.txt
$T/cyclonedx-py requirements --output-format JSON -o requirements.cdx.json requirements.txt && put sbom requirements.cdx.json

# pip lock (resolves for this interpreter only)
log pip lock
$T/pip lock -q -r requirements.in -o pylock.toml && mkdir -p $OUT/pylock/$P-pip-lock && cp pylock.toml $OUT/pylock/$P-pip-lock/
# an installed environment: cyclonedx-py environment, sbom4python (SPDX)
log environment
rm -rf $W/venv && $T/uv venv -q $W/venv && $T/uv pip install -q --python $W/venv/bin/python --no-deps -r requirements.txt \
 && $T/cyclonedx-py environment --output-format JSON -o environment.cdx.json $W/venv/bin/python && put sbom environment.cdx.json
$T/sbom4python --system --use-pip --python $W/venv/bin/python --sbom spdx --format json -o environment.spdx.json && put sbom environment.spdx.json
log done
