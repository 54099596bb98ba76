"""Sphinx configuration of the course book.

Build (full mode: every lesson executed at its real size, ~15-20 min on 2 cores):

    python -m sphinx -b html docs/book docs/book/_build/html

Shrunk mode (CI; warnings are errors, every cross-reference checked):

    MINIGAN_SMALL_LESSONS=1 python -m sphinx -b html -W --keep-going -n docs/book docs/book/_build/html

Open offline: ``python -m http.server -d docs/book/_build/html``. The lessons
are executed and turned into their student view by ``lessons_build.py``
(executed copies are cached in ``docs/book/_build/executed``, or in
``MINIGAN_BOOK_CACHE``; ``MINIGAN_BOOK_JOBS`` kernels run at once, default 2 in
the shrunk mode and 1 in full mode; ``MINIGAN_BOOK_TIMEOUT`` seconds per cell).
``docs/build_book.sh [--small]`` runs the same commands.
"""
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's minigan, for autodoc and the exercise stubs
sys.path.insert(0, str(HERE))

import lessons_build  # noqa: E402

project = "minigan"
author = "the minigan authors"
copyright = "2026, the minigan authors"

extensions = [
    "myst_nb",                    # Markdown pages and the lesson notebooks
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",        # the docstrings' "Args:" / "Returns:" sections
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",     # MathJax 3 copied into _static: no CDN, the site works offline
]

root_doc = "index"
exclude_patterns = ["_build", "README.md"]
# lessons/ and library/ beside this file are generated at build time (never committed)

# --- the lessons: executed by lessons_build (cached), rendered as they are
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

# --- the API reference
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "undoc-members": True}
autodoc_typehints = "none"   # the signatures say it; types are in the docstrings' prose
napoleon_google_docstring = True
napoleon_numpy_docstring = False
add_module_names = False
# NumPy's scalar types show up as "alias of numpy.float32" (minigan.float32, ...): not ours,
# and the book links nothing outside itself (no intersphinx: it must work offline)
nitpick_ignore_regex = [("py:class", r"numpy\.\w+")]

# --- HTML: Sphinx's own theme, nothing fetched at view time
html_theme = "alabaster"
html_title = "minigan: the course"
html_theme_options = {"description": "GANs from scratch on NumPy", "fixed_sidebar": True}
html_sidebars = {"**": ["about.html", "navigation.html", "searchbox.html"]}
html_show_sourcelink = False


def _library_track(out: Path) -> None:
    """The build-your-own-minigan track's page, from minigan/homework/LIBRARY.md when it exists."""
    out.mkdir(exist_ok=True)
    guide = ROOT / "minigan" / "homework" / "LIBRARY.md"
    if guide.is_file():
        text = f"```{{include}} {os.path.relpath(guide, out)}\n```\n"
    else:
        text = ("# Build your own minigan\n\n"
                "The library track (`minigan/homework/LIBRARY.md`) is not in this checkout.\n")
    path = out / "index.md"
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _generate(app):
    from sphinx.util import logging

    lessons_build.prepare(Path(app.srcdir) / "lessons", log=logging.getLogger("minigan.book").info)
    _library_track(Path(app.srcdir) / "library")


def _import(dotted):
    """The object a dotted name names, or None."""
    import importlib

    parts = dotted.split(".")
    for k in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        for attr in parts[k:]:
            obj = getattr(obj, attr, None)
        return obj
    return None


def _short_name(app, env, node, contnode):
    """Resolve the docstrings' short Python names: ``F.pad`` (``import minigan.nn.functional as
    F``, as the docstrings write it) and a bare ``batch_norm`` or ``tricks`` that names one
    documented object; among several, the one nearest the referring module. Anything else
    stays a broken reference (a warning, an error in CI)."""
    if node.get("refdomain") != "py":
        return None
    from sphinx.util.nodes import make_refnode

    target = node["reftarget"].lstrip(".~")
    if target.startswith("F."):
        target = "minigan.nn.functional." + target[2:]
    py = env.get_domain("py")
    here = node.get("py:module") or ""
    kinds = py.objtypes_for_role(node["reftype"]) or []
    found = [(name, entry) for name, entry in py.objects.items()
             if (name == target or name.endswith("." + target)) and not entry.aliased
             and entry.objtype in kinds]
    if not found and "." in target:
        # a full name in the module that defines it (minigan.metrics.fid.frechet_distance),
        # documented where a package re-exports it (minigan.metrics.frechet_distance)
        obj = _import(target)
        last = target.rsplit(".", 1)[1]
        found = [(name, entry) for name, entry in py.objects.items()
                 if name.endswith("." + last) and entry.objtype in kinds
                 and obj is not None and _import(name) is obj]
    if not found:
        return None

    def nearness(item):  # how many leading module parts the object shares with the referrer
        a, b = item[0].split("."), here.split(".")
        return next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))

    found.sort(key=nearness, reverse=True)
    if len(found) > 1 and nearness(found[0]) == nearness(found[1]):
        return None  # ambiguous: leave the warning, the docstring must say which
    name, entry = found[0]
    return make_refnode(app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, name)


def setup(app):
    app.connect("builder-inited", _generate)
    app.connect("missing-reference", _short_name)
