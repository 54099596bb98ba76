"""No student version carries an answer: every student version minigan ships
(the lessons and the bundled exercises) is built with the command the docs
give, and each file written is scanned for the text of every solution and
hidden-test region of the sources, wherever that text sits in them (code,
strings of the scripts that write the notebooks, markdown)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from minigan.homework import EXERCISES, BuildError, build, main

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "lessons"
SOURCES = {"lessons": LESSONS, "exercises": EXERCISES}

_BEGIN = re.compile(r"^\s*[\"']*#+\s*BEGIN\s+(SOLUTION|HIDDEN TESTS)\b")
_END = re.compile(r"^\s*[\"']*#+\s*END\s+(SOLUTION|HIDDEN TESTS)\b")


def _texts(path: Path):
    """The texts of a file to scan: each cell of a notebook, else the whole file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        cells = json.loads(text)["cells"]
        return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                for c in cells]
    return [text]


def _split(text):
    """(lines inside marker regions, lines outside), stripped; markers found on
    raw lines, so regions inside string literals count too."""
    inside, outside, open_ = [], [], False
    for line in text.splitlines():
        if _BEGIN.match(line):
            open_ = True
        elif _END.match(line):
            open_ = False
        elif line.strip():
            (inside if open_ else outside).append(line.strip())
    return inside, outside


def _secret_lines(src: Path):
    """Lines that occur only inside solution / hidden-test regions of any
    source file (a line also written outside every region, say ``return x``
    or ``print(...)``, is not an answer)."""
    inside, outside = set(), set()
    for path in src.rglob("*"):
        if path.is_file() and path.suffix in (".py", ".ipynb", ".md", ".txt", ".json"):
            for text in _texts(path):
                i, o = _split(text)
                inside.update(i)
                outside.update(o)
    return {line for line in inside - outside if len(line) >= 12 and not line.startswith("#")}


@pytest.fixture(scope="module", params=sorted(SOURCES))
def built(request, tmp_path_factory):
    """The student version of one shipped source, built with the documented command."""
    src = SOURCES[request.param]
    dest = tmp_path_factory.mktemp("student") / request.param
    assert main(["build", str(src), str(dest)]) == 0
    return src, dest


def test_sources_have_answers_to_hide(built):
    src, _ = built
    assert len(_secret_lines(src)) >= 20


def test_no_student_file_holds_solution_text_or_hidden_tests(built):
    src, dest = built
    secrets = _secret_lines(src)
    files = [p for p in dest.rglob("*") if p.is_file()]
    assert files
    for path in files:
        for text in _texts(path):
            lines = {ln.strip() for ln in text.splitlines()}
            leaked = sorted(secrets & lines)
            assert not leaked, f"{path.relative_to(dest)} leaks {leaked[:3]}"
            assert not any(_BEGIN.match(ln) or _END.match(ln) for ln in text.splitlines()), path
            assert "def test_hidden" not in text, path


def test_instructor_only_files_stay_out(built):
    src, dest = built
    names = {p.name for p in dest.rglob("*")}
    assert not any(n.startswith("_make_") for n in names)
    assert "INSTRUCTORS.md" not in names and ".studentignore" not in names
    if src == LESSONS:
        assert {p.name for p in LESSONS.glob("*.ipynb")} <= names


def test_a_generator_script_with_answers_is_refused_without_studentignore(tmp_path):
    """The last guard: a marker line left in a string stops the build."""
    src = tmp_path / "course"
    src.mkdir()
    (src / "make_nb.py").write_text('CELL = """\ndef f():\n    ### BEGIN SOLUTION\n'
                                    '    return 42\n    ### END SOLUTION\n"""\n')
    with pytest.raises(BuildError, match=r"make_nb.py, line 3: .*\.studentignore"):
        build(src, tmp_path / "out")
    assert not (tmp_path / "out" / "make_nb.py").exists()
    (src / ".studentignore").write_text("# instructors only\nmake_*.py\n")
    build(src, tmp_path / "out2")
    assert not any((tmp_path / "out2").iterdir())


def test_studentignore_globs_match_names_and_folders(tmp_path):
    src = tmp_path / "course"
    (src / "solutions").mkdir(parents=True)
    (src / "solutions" / "a.py").write_text("x = 1\n")
    (src / "notes.md").write_text("answers\n")
    (src / "keep.py").write_text("y = 2\n")
    (src / ".studentignore").write_text("solutions/\n*.md\n")
    build(src, tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix()
                  for p in (tmp_path / "out").rglob("*")) == ["keep.py"]
