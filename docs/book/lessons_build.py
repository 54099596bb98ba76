"""The lessons as the book shows them: executed, then turned into the student view.

conf.py calls :func:`prepare` before Sphinx looks for documents. For each
``lessons/NN_*.ipynb`` (found by glob, so new and split lessons appear by
themselves) it

1. executes the instructor notebook top to bottom with nbclient, in full mode
   or, with ``MINIGAN_SMALL_LESSONS=1``, in the shrunk mode CI uses; an
   executed copy is kept in a cache folder under a key made of the notebook,
   the mode and minigan's sources, so an unchanged lesson is not run twice;
2. replaces every ``### BEGIN SOLUTION`` region by the stub that
   ``minigan homework build`` gives students, drops hidden tests, and clears
   the outputs of the cells it changed: the book shows each exercise, its
   visible checks and every figure of the lesson, never an answer;
3. writes the result to ``docs/book/lessons/`` (generated, not committed),
   which myst-nb renders without executing again.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "lessons"
DEFAULT_CACHE = Path(__file__).resolve().parent / "_build" / "executed"


def small_mode() -> bool:
    return os.environ.get("MINIGAN_SMALL_LESSONS", "0") == "1"


def discover(lessons: Path = LESSONS) -> list[Path]:
    """Every lesson notebook, in course order (``NN_topic.ipynb``)."""
    return sorted(p for p in lessons.glob("*.ipynb") if re.match(r"\d+[a-z]?_", p.name))


def library_digest() -> str:
    """One digest of minigan's Python sources: an executed lesson is stale when they change."""
    h = hashlib.sha256()
    for p in sorted((ROOT / "minigan").rglob("*.py")):
        h.update(str(p.relative_to(ROOT)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def cache_path(path: Path, small: bool, cache: Path, library: str) -> Path:
    h = hashlib.sha256(path.read_bytes())
    h.update(library.encode())
    h.update(b"inline figures")  # how lessons are run: a change here must miss old copies
    return cache / f"{path.stem}.{'small' if small else 'full'}.{h.hexdigest()[:16]}.ipynb"


def _kernel_env(small: bool) -> dict:
    env = dict(os.environ)
    env["MINIGAN_SMALL_LESSONS"] = "1" if small else "0"
    # Jupyter's own inline backend, so that every plt.show() leaves its figure in the
    # notebook (Agg, which CI sets for everything else, would leave none)
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    if small:
        # small matrices: one BLAS thread per kernel, as tests/lessons runs them
        env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = "1"
    return env


def execute(path: Path, small: bool, timeout: int | None = None) -> dict:
    """Run one lesson top to bottom (working directory: lessons/); the executed notebook.

    ``timeout``: seconds per cell (``MINIGAN_BOOK_TIMEOUT``; default 600 in small mode and
    3600 in full mode, where one training cell takes minutes on a loaded 2-core machine)."""
    if timeout is None:
        timeout = int(os.environ.get("MINIGAN_BOOK_TIMEOUT", "600" if small else "3600"))
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute(env=_kernel_env(small))
    except nbclient.exceptions.CellExecutionError as exc:
        plain = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))  # IPython colours its tracebacks
        raise RuntimeError(f"{path.name} failed while building the book:\n{plain}") from None
    return json.loads(nbformat.writes(nb))


def executed(path: Path, small: bool, cache: Path, library: str) -> dict:
    """The executed lesson, from the cache when its key matches, else run now and cached."""
    target = cache_path(path, small, cache, library)
    if target.is_file():
        return json.loads(target.read_text(encoding="utf-8"))
    nb = execute(path, small)
    cache.mkdir(parents=True, exist_ok=True)
    for stale in cache.glob(f"{path.stem}.{'small' if small else 'full'}.*.ipynb"):
        stale.unlink()
    fd, tmp = tempfile.mkstemp(dir=cache, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(nb, f, ensure_ascii=False)
    os.replace(tmp, target)
    return nb


def run_lesson(path: Path, small: bool = True, cache: Path | None = None) -> dict:
    """:func:`executed` with the defaults the book uses, for a test that must know that a
    lesson runs top to bottom (raises RuntimeError naming the lesson and the cell if not)."""
    cache = Path(os.environ.get("MINIGAN_BOOK_CACHE", DEFAULT_CACHE)) if cache is None else cache
    return executed(Path(path), small, cache, library_digest())


def student_view(nb: dict, name: str) -> dict:
    """Solutions replaced by ``minigan homework build``'s stubs, hidden tests dropped."""
    from minigan.homework import strip_source

    cells = []
    for k, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            old = "".join(cell["source"])
            new, _ = strip_source(old, f"{name}, cell {k}", default_task=f"{name} (cell {k})")
            if new != old:
                if not new.strip():
                    continue  # the cell held only hidden tests
                cell["source"] = new
                cell["outputs"] = []  # what a solution printed would give it away
        cells.append(cell)
    nb["cells"] = cells
    # rendered as it is: the executed outputs above are the book's figures
    nb["metadata"].setdefault("mystnb", {})["execution_mode"] = "off"
    return nb


def _write_if_changed(path: Path, text: str) -> None:
    # an unchanged file keeps its time stamp, so Sphinx does not read it again
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def prepare(out: Path, small: bool | None = None, cache: Path | None = None,
            jobs: int | None = None, log=print) -> list[Path]:
    """Write the student view of every executed lesson into ``out``; the files written."""
    small = small_mode() if small is None else small
    cache = Path(os.environ.get("MINIGAN_BOOK_CACHE", DEFAULT_CACHE)) if cache is None else cache
    # small mode: two kernels with one BLAS thread each fill two cores; full mode: one kernel
    # at a time, with all of NumPy's threads
    jobs = int(os.environ.get("MINIGAN_BOOK_JOBS", "2" if small else "1")) if jobs is None else jobs
    lessons = discover()
    library = library_digest()
    out.mkdir(parents=True, exist_ok=True)

    def one(path):
        fresh = not cache_path(path, small, cache, library).is_file()
        if fresh:
            log(f"executing {path.name} ({'small' if small else 'full'} mode)")
        return student_view(executed(path, small, cache, library), path.name)

    with ThreadPoolExecutor(max(1, jobs)) as pool:
        notebooks = list(pool.map(one, lessons))
    written = []
    for path, nb in zip(lessons, notebooks):
        target = out / path.name
        _write_if_changed(target, json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        written.append(target)
    for old in set(out.glob("*.ipynb")) - set(written):
        old.unlink()  # a lesson that was renamed or split
    return written


if __name__ == "__main__":  # execute (or refresh the cache of) the lessons alone
    sys.path.insert(0, str(ROOT))
    for p in prepare(Path(__file__).resolve().parent / "lessons"):
        print(p)
