"""nbgrader's cell metadata for the lesson notebooks (used by the _make_*.py scripts).

Every exercise is three cells in a row: the markdown that states it, the
code cell holding the solution between ``### BEGIN SOLUTION`` / ``### END
SOLUTION``, and the code cell of checks (visible asserts, then hidden ones
between ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``). nbgrader
needs to be told which is which (nbgrader 0.9, schema 3):

* the statement: read-only (``locked``), so a student cannot edit it away;
* the solution cell: ``solution``, so ``nbgrader generate_assignment``
  replaces each region by ``raise NotImplementedError()``;
* the checks: an autograded test cell (``grade``, ``locked``, ``points``),
  whose hidden part nbgrader strips from the release and puts back when it
  autogrades; the cell scores its points when it runs without an error.
"""
import re

#: points of each exercise's test cell
POINTS = 1
_SOLUTION = re.compile(r"^\s*#+\s*BEGIN SOLUTION\b", re.M)
_NAME = re.compile(r"^(?:def|class)\s+([A-Za-z_]\w*)", re.M)


def _meta(grade_id, grade=False, solution=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def tag(nb):
    """Add nbgrader metadata to the exercise cells of ``nb`` (in place); returns nb."""
    cells = nb.cells
    for k, cell in enumerate(cells):
        if cell.cell_type != "code" or not _SOLUTION.search(cell.source):
            continue
        m = _NAME.search(cell.source)
        name = m[1] if m else cell.id
        cell.metadata["nbgrader"] = _meta(name, solution=True)
        if k > 0 and cells[k - 1].cell_type == "markdown":
            cells[k - 1].metadata["nbgrader"] = _meta(f"exercise_{name}", locked=True)
        if k + 1 >= len(cells) or cells[k + 1].cell_type != "code" \
                or "assert" not in cells[k + 1].source:
            raise ValueError(f"{cell.id}: an exercise cell must be followed by a code cell of "
                             "asserts (its autograded tests)")
        cells[k + 1].metadata["nbgrader"] = _meta(f"test_{name}", grade=True, locked=True,
                                                  points=POINTS)
    return nb
