"""``python -m minigan.homework build|grade ...`` (same as ``minigan homework ...``)."""
import sys

from . import main

raise SystemExit(main(sys.argv[1:]))
