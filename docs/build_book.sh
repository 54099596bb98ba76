#!/usr/bin/env bash
# The course book (docs/book) as a static site; read it offline with
#   python -m http.server -d docs/book/_build/html
# Full mode executes every lesson at its real size (cached in docs/book/_build/executed);
# --small builds what CI builds: the shrunk lessons, into docs/book/_build/html-small.
# Both fail on any warning or broken cross-reference.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/book/_build/html
if [ "${1:-}" = --small ]; then
    export MINIGAN_SMALL_LESSONS=1
    out=docs/book/_build/html-small
fi
exec python -m sphinx -b html -W --keep-going -n -d "$out.doctrees" docs/book "$out"
