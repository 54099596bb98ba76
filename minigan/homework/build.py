"""Student versions of exercises, generated from their solutions.

Exercises use nbgrader's markers, in Python files and in notebook code cells:

    def conv2d_backward(x, W, grad_out, stride=1, padding=0):
        \"\"\"Docstring with the math (kept).\"\"\"
        # TASK: conv2d_backward -- grad_x and grad_W from grad_out
        ### BEGIN SOLUTION
        ...the real algorithm...
        ### END SOLUTION

    ### BEGIN HIDDEN TESTS
    def test_hidden_case(): ...
    ### END HIDDEN TESTS

:func:`build` writes the student version:

* a solution region inside a function body becomes
  ``raise NotImplementedError("Task <name>: <what>")`` at the region's
  indentation, so the signature and docstring stay;
* a solution region outside any function (module or notebook-cell level)
  becomes ``# YOUR CODE HERE`` followed by that ``raise``;
* a hidden-test region disappears, markers included.

The task name comes from a ``# TASK: <name>`` comment on the ``BEGIN
SOLUTION`` line or on the line just before it (text after ``--`` says what to
implement), else from the enclosing function's name (and the first line of
its docstring). Notebooks also lose their outputs and execution counts.
Markers must pair up; anything else is an error naming the file and line.
Marker-like lines inside string literals (a script that writes notebooks)
are text, not markers: such a file still holds answers, so :func:`build`
refuses to copy it (see below).

Instructor-only files (scripts that write the notebooks with their
solutions, notes for instructors) are listed, one glob a line, in a
``.studentignore`` file at the top of the source folder; they never reach the
student version. As a last guard, :func:`build` checks every file it writes:
one that still contains a marker (in a string, a comment, a markdown cell, a
data file) is an error naming it, so a forgotten generator script cannot leak
the answers it embeds.
"""
from __future__ import annotations

import ast
import fnmatch
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BuildError", "Task", "build", "strip_source", "IGNORE_FILE"]

_MARKER = re.compile(r"^(?P<indent>\s*)#+\s*(?P<kind>BEGIN|END)\s+(?P<what>SOLUTION|HIDDEN TESTS)\b")
_TASK = re.compile(r"#\s*TASK\s*:?\s*(?P<name>[A-Za-z_][\w.\-]*)(?:\s*--\s*(?P<what>.*\S))?")
_SKIP_DIRS = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints", ".git"}
_SKIP_SUFFIXES = {".pyc", ".pyo"}
#: the file listing instructor-only paths (globs), at the top of a source folder
IGNORE_FILE = ".studentignore"
# a marker starting a line, wherever that line sits (a string, a comment,
# markdown); prose that names a marker mid-sentence is not one
_ANY_MARKER = re.compile(r"^\s*[\"']*#+\s*(BEGIN|END)\s+(SOLUTION|HIDDEN TESTS)\b")


class BuildError(ValueError):
    """Unbalanced markers, or a student version that would not parse."""


@dataclass(frozen=True)
class Task:
    """One solution region that was replaced: where it was and what it is called."""
    file: str
    line: int
    name: str


@dataclass
class _Region:
    kind: str          # "SOLUTION" or "HIDDEN TESTS"
    begin: int         # 0-based index of the BEGIN line
    end: int = -1      # 0-based index of the END line
    indent: str = ""


def _find_regions(lines, where, in_strings=frozenset()):
    """The marker regions, in order; ``in_strings`` holds the (1-based) lines
    inside multi-line string literals, whose marker-like text is data."""
    regions, open_region = [], None
    for i, line in enumerate(lines):
        m = _MARKER.match(line)
        if not m or i + 1 in in_strings:
            continue
        kind, what = m["kind"], m["what"]
        if kind == "BEGIN":
            if open_region is not None:
                raise BuildError(
                    f"{where}, line {i + 1}: '### BEGIN {what}' inside the '### BEGIN "
                    f"{open_region.kind}' region opened at line {open_region.begin + 1}; "
                    "regions cannot nest (close the first with its END marker)")
            open_region = _Region(what, i, indent=m["indent"])
        else:
            if open_region is None:
                raise BuildError(f"{where}, line {i + 1}: '### END {what}' without a matching "
                                 f"'### BEGIN {what}' before it")
            if open_region.kind != what:
                raise BuildError(
                    f"{where}, line {i + 1}: '### END {what}' closes the '### BEGIN "
                    f"{open_region.kind}' opened at line {open_region.begin + 1}; expected "
                    f"'### END {open_region.kind}'")
            open_region.end = i
            regions.append(open_region)
            open_region = None
    if open_region is not None:
        raise BuildError(f"{where}, line {open_region.begin + 1}: '### BEGIN {open_region.kind}' "
                         f"is never closed (expected '### END {open_region.kind}')")
    return regions


def _parse(source):
    """(AST, None) for ``source``, or (None, SyntaxError). IPython magics
    (``%...``, ``!...``) are blanked out first so notebook cells parse too."""
    plain = "\n".join(re.sub(r"^(\s*)[%!].*$", r"\1pass", line) for line in source.split("\n"))
    try:
        return ast.parse(plain), None
    except SyntaxError as exc:
        return None, exc


def _string_lines(tree):
    """Lines strictly after the first line of each multi-line string literal."""
    lines = set()
    if tree is not None:
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)) \
                    or isinstance(node, ast.JoinedStr):
                lines.update(range(node.lineno + 1, (node.end_lineno or node.lineno) + 1))
    return lines


def _functions(tree):
    if tree is None:
        return []
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _enclosing_function(functions, region):
    """The innermost function whose body holds the region's BEGIN line."""
    line = region.begin + 1
    best = None
    for fn in functions:
        if fn.lineno < line <= (fn.end_lineno or fn.lineno) and len(region.indent) > fn.col_offset:
            if best is None or fn.lineno > best.lineno:
                best = fn
    return best


def _task_comment(lines, region):
    """(name, what) from a ``# TASK:`` comment on or right before the BEGIN line."""
    candidates = [lines[region.begin]]
    j = region.begin - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    if j >= 0 and lines[j].lstrip().startswith("#"):
        candidates.insert(0, lines[j])
    for text in candidates:
        m = _TASK.search(text)
        if m:
            return m["name"], m["what"]
    return None, None


def _docstring_line(fn):
    doc = ast.get_docstring(fn) if fn is not None else None
    return doc.strip().splitlines()[0].strip() if doc else None


def strip_source(source: str, where: str = "<source>", default_task: str = "exercise"):
    """The student version of one Python source (a file or a notebook cell).

    Returns ``(new_source, tasks)`` where ``tasks`` lists ``(line, name)`` of
    the solution regions replaced. ``where`` names the source in errors;
    ``default_task`` names a region outside any function that has no ``# TASK:``
    comment."""
    if "BEGIN" not in source and "END" not in source:
        return source, []
    lines = source.splitlines(keepends=True)
    tree, _ = _parse(source)
    regions = _find_regions(lines, where, _string_lines(tree))
    if not regions:
        return source, []
    functions = _functions(tree)
    out, tasks, pos = [], [], 0
    for r in regions:
        out.extend(lines[pos:r.begin])
        pos = r.end + 1
        if r.kind == "HIDDEN TESTS":
            continue
        fn = _enclosing_function(functions, r)
        name, what = _task_comment(lines, r)
        name = name or (fn.name if fn is not None else default_task)
        what = what or _docstring_line(fn) or (
            f"implement {fn.name}" if fn is not None else "write the code for this cell")
        message = json.dumps(f"Task {name}: {what}", ensure_ascii=False)
        if fn is None:
            out.append(f"{r.indent}# YOUR CODE HERE\n")
        out.append(f"{r.indent}raise NotImplementedError({message})\n")
        tasks.append((r.begin + 1, name))
    out.extend(lines[pos:])
    new = "".join(out)
    if source.endswith("\n"):
        new = new.rstrip("\n") + "\n"  # a hidden region at the end leaves blank lines
    if tree is not None:
        _, exc = _parse(new)
        if exc is not None:
            raise BuildError(
                f"{where}: the student version does not parse ({exc.msg}, line {exc.lineno}); "
                "a removed region probably leaves an empty block: keep at least one statement "
                "outside the markers")
    return new, tasks


# --------------------------------------------------------------------- files
def _build_python(src: Path, dest: Path, label: str):
    new, tasks = strip_source(src.read_text(encoding="utf-8"), label, default_task=src.stem)
    dest.write_text(new, encoding="utf-8")
    return [Task(label, line, name) for line, name in tasks]


def _cell_source(cell):
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def _build_notebook(src: Path, dest: Path, label: str):
    try:
        nb = json.loads(src.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BuildError(f"{label}: not a valid notebook (JSON error at line {exc.lineno}: "
                         f"{exc.msg})") from None
    tasks, cells = [], []
    for k, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") == "code":
            old = _cell_source(cell)
            new, found = strip_source(old, f"{label}, cell {k}",
                                      default_task=f"{src.stem} (cell {k})")
            tasks.extend(Task(f"{label}, cell {k}", line, name) for line, name in found)
            if old.strip() and not new.strip():
                continue  # the cell held only hidden tests
            cell["source"] = new.splitlines(keepends=True)
            cell["outputs"] = []
            cell["execution_count"] = None
            cell.get("metadata", {}).pop("execution", None)
        cells.append(cell)
    nb["cells"] = cells
    dest.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return tasks


def _build_file(src: Path, dest: Path, label: str):
    dest.parent.mkdir(parents=True, exist_ok=True)
    if src.suffix == ".py":
        tasks = _build_python(src, dest, label)
    elif src.suffix == ".ipynb":
        tasks = _build_notebook(src, dest, label)
    else:
        shutil.copy2(src, dest)
        tasks = []
    _refuse_leaks(dest, label)
    return tasks


def _refuse_leaks(path: Path, label: str):
    """A written file may hold no marker text at all: what sits between
    markers inside a string (a notebook-writing script) or a markdown cell is
    an answer the stripping above could not see."""
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return  # binary data: not source
    for number, line in enumerate(text.splitlines(), 1):
        m = _ANY_MARKER.search(line)
        if m:
            path.unlink()
            raise BuildError(
                f"{label}, line {number}: '{m.group(0).strip()}' survives in the student version "
                "(inside a string, a comment or a markdown cell), so the answers around it would "
                f"leak; if this file is for instructors only (e.g. a script that writes the "
                f"notebooks), list it in {IGNORE_FILE} at the top of the source folder")


def _ignored(src: Path):
    """The globs of ``src/.studentignore`` (instructor-only paths), plus the file itself."""
    patterns = [IGNORE_FILE]
    listing = src / IGNORE_FILE
    if listing.is_file():
        for line in listing.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                patterns.append(line.rstrip("/"))
    return patterns


def _is_ignored(rel: Path, patterns) -> bool:
    posix = rel.as_posix()
    return any(fnmatch.fnmatch(posix, p) or fnmatch.fnmatch(rel.name, p)
               or any(fnmatch.fnmatch(part, p) for part in rel.parts[:-1])
               for p in patterns)


def build(src, dest, overwrite: bool = False) -> list[Task]:
    """Write the student version of ``src`` (a folder, or one .py / .ipynb
    file) to ``dest``, and return the tasks whose solutions were removed.

    A folder is copied whole (caches skipped); its .py files and notebooks
    are stripped of solutions and hidden tests, other files copied as they
    are. Paths matching a glob of ``src/.studentignore`` are left out. ``dest``
    must not exist yet (or be an empty folder) unless ``overwrite``. Raises
    :class:`BuildError` on unbalanced markers, and on a written file that
    still holds marker text (an answer would leak)."""
    src, dest = Path(src).resolve(), Path(dest).resolve()
    if not src.exists():
        raise FileNotFoundError(f"homework build: source {src} does not exist")
    if src.is_file():
        if dest.is_dir():
            dest = dest / src.name
        if dest == src:
            raise BuildError(f"homework build: destination {dest} is the source itself")
        if dest.exists() and not overwrite:
            raise BuildError(f"homework build: {dest} exists; pass overwrite=True (--force) "
                             "to replace it")
        return _build_file(src, dest, src.name)
    if dest == src or src in dest.parents:
        raise BuildError(f"homework build: destination {dest} is inside the source {src}; "
                         "choose a folder outside it")
    if dest.exists() and not dest.is_dir():
        raise BuildError(f"homework build: destination {dest} is a file; the source {src} is "
                         "a folder, so the destination must be a folder")
    if dest.exists() and any(dest.iterdir()) and not overwrite:
        raise BuildError(f"homework build: destination {dest} is not empty; pass "
                         "overwrite=True (--force) to write into it")
    tasks, ignored = [], _ignored(src)
    dest.mkdir(parents=True, exist_ok=True)
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if any(part in _SKIP_DIRS for part in rel.parts) or path.suffix in _SKIP_SUFFIXES \
                or _is_ignored(rel, ignored):
            continue
        if path.is_dir():
            (dest / rel).mkdir(parents=True, exist_ok=True)
            continue
        tasks.extend(_build_file(path, dest / rel, rel.as_posix()))
    return tasks
