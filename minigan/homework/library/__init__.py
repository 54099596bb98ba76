"""Build your own minigan: the library as a sequence of assignments.

    minigan homework build --library OUT              # the student version
    minigan homework build --library OUT --solution   # the same tree, bodies kept

writes to ``OUT``

* ``minigan/``: a copy of this package in which every body that
  :data:`manifest.STUBS` names is replaced by
  ``raise NotImplementedError("Task <id>: <hint>")``, keeping the signature,
  the docstring, leading imports and leading argument checks (``if ...:
  raise ...``). The other homework's solutions (``homework/exercises``) are
  left out. **The fast layer is off by default in this copy** (its switch
  reads ``MINIGAN_FAST_LAYER``, default ``0``): its overrides would run
  instead of the student's forward and backward code.
* ``tests/``: the task-marked tests of the eight assignments, and
  ``conftest.py``; ``README.md``, the student's guide; ``library.json``: the
  tasks and the files that hold them, which tells ``minigan homework grade``
  that this is a library assignment and which files to take from a
  submission.

The stubs are made with :mod:`ast` on the reference source, which carries no
markers. Every entry must resolve: a renamed function or method is a
:class:`~minigan.homework.build.BuildError` that names the entry, so the
track cannot silently drift from the library.
"""
from __future__ import annotations

import ast
import difflib
import json
import os
import shutil
import textwrap
from pathlib import Path

from ..build import BuildError
from .manifest import ASSIGNMENTS, STUBS, TASKS, Stub

__all__ = ["build_library", "stub_source", "ASSIGNMENTS", "STUBS", "TASKS", "Stub", "COURSE",
           "MANIFEST_FILE"]

#: the course files copied next to the package: conftest.py, README.md, tests/
COURSE = Path(__file__).resolve().parent / "course"
#: the file that marks a built folder as a library assignment (read by the grader)
MANIFEST_FILE = "library.json"
_ROOT = Path(__file__).resolve().parents[3]      # the folder holding minigan/
_LEFT_OUT = ("homework/exercises",)              # another homework's solutions
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
_FAST = "minigan/fast/__init__.py"


def _find(tree, qualname):
    """The function node at ``qualname`` ("f" or "Class.method"), or None."""
    scope = tree.body
    node = None
    for part in qualname.split("."):
        node = next((n for n in scope if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                        ast.ClassDef)) and n.name == part), None)
        if node is None:
            return None
        scope = node.body
    return node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _names(tree):
    """Every function and method qualname of a module (for "did you mean")."""
    out = []
    for n in tree.body:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.append(n.name)
        elif isinstance(n, ast.ClassDef):
            out += [f"{n.name}.{m.name}" for m in n.body
                    if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return out


def _kept(stmt):
    """Statements a stub keeps at the top of a body: imports, and argument
    checks (``if ...:`` whose body only raises)."""
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return True
    return (isinstance(stmt, ast.If) and not stmt.orelse
            and all(isinstance(s, ast.Raise) for s in stmt.body))


def stub_source(source: str, stubs, where: str) -> str:
    """``source`` with the body of each of ``stubs`` (entries of one module)
    replaced by ``raise NotImplementedError("Task <id>: <hint>")``."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    cuts = []
    for s in stubs:
        fn = _find(tree, s.qualname)
        if fn is None:
            close = difflib.get_close_matches(s.qualname, _names(tree), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise BuildError(f"library manifest: task {s.task} names {s.qualname} in {where}, "
                             f"which has no such function or method{hint}; update "
                             "minigan/homework/library/manifest.py to the library's new name")
        body = fn.body
        start = 1 if (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                      and isinstance(body[0].value.value, str)) else 0
        while start < len(body) and _kept(body[start]):
            start += 1
        if start == len(body):
            raise BuildError(f"library manifest: task {s.task}: {s.qualname} in {where} has no "
                             "body to replace (only a docstring, imports or checks)")
        first = body[start]
        if first.lineno == fn.lineno:
            raise BuildError(f"library manifest: task {s.task}: {s.qualname} in {where} is "
                             "written on one line; it needs its body on lines of its own")
        first_line = first.lineno - 1
        if hasattr(first, "decorator_list") and first.decorator_list:
            first_line = first.decorator_list[0].lineno - 1
        indent = lines[first.lineno - 1][:first.col_offset]
        cuts.append((first_line, fn.end_lineno, _raise(indent, f"Task {s.task}: {s.hint}")))
    cuts.sort(reverse=True)
    for (a, b, _), (c, _d, _e) in zip(cuts[1:], cuts):
        if b > c:
            raise BuildError(f"library manifest: two entries of {where} overlap (one function "
                             "inside another)")
    for a, b, text in cuts:
        lines[a:b] = [text]
    new = "".join(lines)
    _check_stubbed(new, stubs, where)
    return new


def _raise(indent, message, width=96):
    """``raise NotImplementedError("<message>")`` at ``indent``, the message
    split into adjacent string literals to keep lines under ``width``."""
    one = f"{indent}raise NotImplementedError({json.dumps(message, ensure_ascii=False)})\n"
    if len(one) <= width:
        return one
    chunks = textwrap.wrap(message, width - len(indent) - 8, drop_whitespace=False,
                           break_on_hyphens=False)
    body = "\n".join(f"{indent}    {json.dumps(c, ensure_ascii=False)}" for c in chunks)
    return f"{indent}raise NotImplementedError(\n{body})\n"


def _check_stubbed(source, stubs, where):
    """Each named body now ends in the task's raise, and the module parses."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise BuildError(f"{where}: the student version does not parse ({exc.msg}, line "
                         f"{exc.lineno})") from None
    for s in stubs:
        last = _find(tree, s.qualname).body[-1]
        ok = (isinstance(last, ast.Raise) and isinstance(last.exc, ast.Call)
              and getattr(last.exc.func, "id", None) == "NotImplementedError")
        if not ok:
            raise BuildError(f"{where}: {s.qualname} was not replaced by its stub")


def _fast_off_by_default(source: str) -> str:
    """The fast layer's switch, read from ``MINIGAN_FAST_LAYER`` with default
    ``0`` instead of ``1``: in a student build the reference code runs."""
    tree = ast.parse(source)
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], "id", None) == "_enabled"):
            lines = source.splitlines(keepends=True)
            lines[node.lineno - 1:node.end_lineno] = [
                "# student build: off unless MINIGAN_FAST_LAYER=1, so that your own forward and\n",
                "# backward code runs (the fast layer's overrides would replace it)\n",
                '_enabled = os.environ.get("MINIGAN_FAST_LAYER", "0") != "0"\n']
            return "".join(lines)
    raise BuildError(f"library build: {_FAST} no longer assigns the module-level switch "
                     "`_enabled`; update _fast_off_by_default in minigan/homework/library/")


def _by_module(stubs):
    out = {}
    for s in stubs:
        out.setdefault(s.module, []).append(s)
    return out


def build_library(dest, solution: bool = False, tasks=None, overwrite: bool = False) -> list[Stub]:
    """Write the library track to ``dest`` (see the module doc) and return the
    stubs applied (none with ``solution=True``). ``tasks``: only these task
    ids become stubs (default: all), e.g. to hand out assignments one by one.
    """
    dest = Path(dest).resolve()
    if dest == _ROOT or _ROOT / "minigan" in dest.parents or dest in _ROOT.parents:
        raise BuildError(f"library build: destination {dest} overlaps the library at {_ROOT}")
    if dest.exists() and not dest.is_dir():
        raise BuildError(f"library build: destination {dest} is a file")
    if dest.exists() and any(dest.iterdir()) and not overwrite:
        raise BuildError(f"library build: destination {dest} is not empty; pass "
                         "overwrite=True (--force) to write into it")
    if tasks is not None:
        unknown = sorted(set(tasks) - {s.task for s in STUBS})
        if unknown:
            raise BuildError(f"library build: unknown task id(s) {', '.join(unknown)}; the "
                             f"tasks are {', '.join(sorted({s.task for s in STUBS}))}")
    chosen = [] if solution else [s for s in STUBS if tasks is None or s.task in tasks]
    # resolve every entry before writing anything: a renamed function fails the build
    sources = {}
    for module, entries in _by_module(STUBS).items():
        path = _ROOT / module
        if not path.is_file():
            raise BuildError(f"library manifest: task {entries[0].task} names {module}, which "
                             "does not exist; update minigan/homework/library/manifest.py")
        text = path.read_text(encoding="utf-8")
        stub_source(text, entries, module)  # all entries, even in a solution build
        mine = [s for s in entries if s in chosen]
        sources[module] = stub_source(text, mine, module) if mine else text
    sources[_FAST] = _fast_off_by_default(
        sources.get(_FAST, (_ROOT / _FAST).read_text(encoding="utf-8")))

    dest.mkdir(parents=True, exist_ok=True)
    pkg = dest / "minigan"
    if pkg.exists():
        shutil.rmtree(pkg)
    shutil.copytree(_ROOT / "minigan", pkg, ignore=_SKIP)
    for rel in _LEFT_OUT:
        shutil.rmtree(pkg / rel, ignore_errors=True)
    for module, text in sources.items():
        (dest / module).write_text(text, encoding="utf-8")
    tests = dest / "tests"
    if tests.exists():
        shutil.rmtree(tests)
    shutil.copytree(COURSE / "tests", tests, ignore=_SKIP)
    for name in ("conftest.py", "README.md"):
        shutil.copyfile(COURSE / name, dest / name)
    files = sorted({s.module for s in STUBS})
    (dest / MANIFEST_FILE).write_text(json.dumps({
        "kind": "minigan library",
        "solution": bool(solution),
        "files": files,
        "assignments": {str(k): v for k, v in ASSIGNMENTS.items()},
        "tasks": TASKS,
        "stubs": [dict(task=s.task, module=s.module, qualname=s.qualname, hint=s.hint,
                       stubbed=s in chosen) for s in STUBS],
    }, indent=2) + "\n", encoding="utf-8")
    return chosen


def library_files(folder) -> list[str] | None:
    """The files a submission to the library assignment at ``folder`` may
    change (from its ``library.json``), or None if it is not one."""
    path = Path(folder) / MANIFEST_FILE
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    files = data.get("files")
    if data.get("kind") != "minigan library" or not isinstance(files, list) or not all(
            isinstance(f, str) and f.startswith("minigan/") and ".." not in f.split("/")
            and not os.path.isabs(f) for f in files):
        raise ValueError(f"homework grade: {path} is not a minigan library manifest")
    return files
