"""The course book (docs/book) builds in the shrunk mode, warning-free, with
every cross-reference resolved (Sphinx's -W --keep-going -n), and opens offline.

The lessons are executed by docs/book/lessons_build.py and cached under
docs/book/_build/executed (keyed by the notebook and minigan's sources), so a
second run, or a run after another that executed the same lessons, only renders."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "docs" / "book"
LESSONS = sorted(p for p in (ROOT / "lessons").glob("*.ipynb") if re.match(r"\d+[a-z]?_", p.name))
# a stylesheet, script, font or image fetched from elsewhere when the page opens
_REMOTE = re.compile(r"<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)\s*=\s*[\"']?"
                     r"(?:https?:)?//", re.I)


def _needs(module: str, what: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"the book needs {what} (pip install -e '.[docs]')")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    for module, what in (("sphinx", "sphinx"), ("myst_nb", "myst-nb"),
                         ("sphinx-mathjax-offline", "sphinx-mathjax-offline"),
                         ("nbclient", "nbclient"), ("ipykernel", "ipykernel")):
        _needs(module, what)
    out = tmp_path_factory.mktemp("book")
    env = dict(os.environ, MINIGAN_SMALL_LESSONS="1", MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-n", "-q",
         "-d", str(out / "doctrees"), str(BOOK), str(out / "html")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, (f"the book does not build cleanly (exit {proc.returncode}):\n"
                                  f"{proc.stderr[-6000:]}\n{proc.stdout[-2000:]}")
    return out / "html"


def test_every_lesson_is_a_page_with_its_figures(site):
    assert len(LESSONS) >= 10
    index = (site / "index.html").read_text(encoding="utf-8")
    for nb in LESSONS:
        page = site / "lessons" / f"{nb.stem}.html"
        assert page.is_file(), f"{nb.name} is not in the book"
        assert f'href="lessons/{nb.stem}.html"' in index, f"{nb.name} is not in the contents"
    figures = [nb.name for nb in LESSONS if re.search(
        r'<img[^>]+src="\.\./_images/', (site / "lessons" / f"{nb.stem}.html").read_text())]
    assert len(figures) >= len(LESSONS) // 2, f"lessons with figures: {figures}"


def test_exercises_show_no_solution(site):
    """Each exercise appears as the student gets it: the stub of
    ``minigan homework build``, no solution, no hidden test."""
    for nb in LESSONS:
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        solved = [c for c in cells if c["cell_type"] == "code"
                  and "BEGIN SOLUTION" in "".join(c["source"])]
        html = (site / "lessons" / f"{nb.stem}.html").read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in html and "BEGIN HIDDEN TESTS" not in html, nb.name
        if solved:
            assert "NotImplementedError" in html, f"{nb.name}: its exercise stub is missing"
            for cell in solved:  # no line of a solution survives
                src = "".join(cell["source"])
                body = src.split("BEGIN SOLUTION", 1)[1].split("END SOLUTION", 1)[0]
                for line in body.splitlines()[1:-1]:
                    line = line.strip()
                    if len(line) > 25 and line not in src.split("BEGIN SOLUTION")[0]:
                        assert line not in html.replace("&quot;", '"').replace("&#39;", "'"), \
                            (nb.name, line)


def test_the_api_reference_is_there(site):
    api = (site / "api" / "nn.html").read_text(encoding="utf-8")
    assert 'id="minigan.nn.Conv2d"' in api and 'id="minigan.nn.functional.conv2d"' in api
    assert 'id="minigan.grad"' in (site / "api" / "minigan.html").read_text(encoding="utf-8")
    assert (site / "pytorch_scripts.html").is_file()
    assert (site / "library" / "index.html").is_file()


def test_the_site_opens_offline(site):
    """No page loads a script, stylesheet, font or image from the network; math is
    typeset by the MathJax copied into _static."""
    pages = sorted(site.rglob("*.html"))
    remote = [(p.relative_to(site), m[0]) for p in pages
              for m in _REMOTE.finditer(p.read_text(encoding="utf-8"))]
    assert not remote, remote[:5]
    assert (site / "_static" / "mathjax" / "tex-chtml.js").is_file()
    lesson = (site / "lessons" / f"{LESSONS[0].stem}.html").read_text(encoding="utf-8")
    assert re.search(r'<script[^>]+src="\.\./_static/mathjax/tex-chtml\.js', lesson)
    assert "\\(" in lesson or "\\[" in lesson  # the lessons' $...$ became MathJax's math
    css = "".join(p.read_text(encoding="utf-8", errors="replace")
                  for p in (site / "_static").glob("*.css"))
    assert not re.search(r"@import\s+url\(\s*[\"']?(https?:)?//", css)
