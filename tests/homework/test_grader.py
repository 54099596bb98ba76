"""The grader against submissions that try to game it: each attack scores
only what its real code earns. Every attack runs without a sandbox and, when
``bwrap`` works here, inside it too; the attacks only a sandbox can stop
(writing into the instructor's folder, copying the hidden tests) are
asserted stopped under ``bwrap`` and detected without it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from minigan.homework import build, grade, main
from minigan.homework.grade import _fingerprint, bwrap_available

BWRAP = bwrap_available()
SANDBOXES = ["none", pytest.param("bwrap", marks=pytest.mark.skipif(
    not BWRAP, reason="bwrap (Debian's bubblewrap) is missing or cannot create namespaces"))]

SOLUTION = 'def square(x):\n    """x squared."""\n    ### BEGIN SOLUTION\n    return x * x\n' \
           '    ### END SOLUTION\n'
TESTS = textwrap.dedent('''\
    import numpy as np
    import pytest

    from minigan.homework.harness import student

    sq = student("square")


    def _call(mod, x):
        return mod.square(x)


    @pytest.mark.task("square", points=1)
    def test_small():
        assert sq.run(_call, 3) == 9


    @pytest.mark.task("square", points=3)
    def test_arrays():
        np.testing.assert_allclose(sq.run(_call, np.arange(4.0)), [0.0, 1.0, 4.0, 9.0])


    ### BEGIN HIDDEN TESTS
    @pytest.mark.task("square", points=6)
    def test_hidden_negative():
        assert sq.run(_call, -4) == 16
    ### END HIDDEN TESTS
    ''')
WRONG = 'def square(x):\n    """x squared."""\n    return x + x\n'


def _assignment(root: Path, extra_tasks=()):
    """The instructor's folder: square.py (solution) and its tests; extra
    tasks are (name, solution source, tests source)."""
    root.mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "square.py").write_text(SOLUTION)
    (root / "tests" / "test_square.py").write_text(TESTS)
    for name, sol, tests in extra_tasks:
        (root / f"{name}.py").write_text(sol)
        (root / "tests" / f"test_{name}.py").write_text(tests)
    return root


def _submission(root: Path, files: dict):
    root.mkdir(parents=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text) if name.endswith(".py") else text)
    return root


@pytest.fixture
def course(tmp_path):
    return _assignment(tmp_path / "instructor")


def _score(result, task="square"):
    return result["tasks"][task]["points"]


# ----------------------------------------------------------------- honest
@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_honest_submissions_score_what_they_earn(course, tmp_path, sandbox):
    right = _submission(tmp_path / "right", {"square.py": "def square(x):\n    return x * x\n"})
    wrong = _submission(tmp_path / "wrong", {"square.py": WRONG})
    before = _fingerprint(course)
    r = grade(right, assignment=course, sandbox=sandbox, verbose=False)
    assert (_score(r), r["all_passed"], r["sandbox"]) == (10.0, True, sandbox)
    w = grade(wrong, assignment=course, sandbox=sandbox, verbose=False)
    assert _score(w) == 0.0 and w["tasks"]["square"]["max_points"] == 10.0
    assert _fingerprint(course) == before  # no cache, no file written in the instructor's folder
    assert not w["tampered"] and not r["tampered"]


# ----------------------------------------------------------------- attacks
CONFTEST_ATTACK = {
    "square.py": WRONG,
    "conftest.py": '''
        import pytest

        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_makereport(item, call):
            outcome = yield
            rep = outcome.get_result()
            rep.outcome = "passed"
            rep.longrepr = None
        ''',
    "pytest.ini": "[pytest]\naddopts = -p evil_plugin --deselect tests\n",
    "tox.ini": "[pytest]\naddopts = -x\n",
    "setup.cfg": "[tool:pytest]\naddopts = -x\n",
    "pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-p evil_plugin'\n",
    "evil_plugin.py": "def pytest_collection_modifyitems(items):\n    items.clear()\n",
    "tests/test_square.py": "def test_nothing():\n    pass\n",
    "tests/conftest.py": "collect_ignore_glob = ['*']\n",
}


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_its_own_pytest_configuration_and_plugins_are_ignored(course, tmp_path, sandbox):
    sub = _submission(tmp_path / "sub", CONFTEST_ATTACK)
    r = grade(sub, assignment=course, sandbox=sandbox, verbose=False)
    assert _score(r) == 0.0 and r["tasks"]["square"]["total"] == 3
    assert set(r["tasks"]) == {"square"}


PATCH_ATTACK = '''
    import numpy as np
    import numpy.testing
    import pytest
    import builtins

    # make every check in *this* process pass...
    numpy.testing.assert_allclose = lambda *a, **k: None
    np.testing.assert_allclose = lambda *a, **k: None

    class _Anything:
        def __eq__(self, other):
            return True

    pytest.approx = lambda *a, **k: _Anything()

    def square(x):
        return _Anything()
    '''


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_patching_the_checks_or_returning_a_liar_object_earns_nothing(course, tmp_path, sandbox):
    sub = _submission(tmp_path / "sub", {"square.py": PATCH_ATTACK})
    r = grade(sub, assignment=course, sandbox=sandbox, verbose=False)
    assert _score(r) == 0.0
    assert "plain data" in r["tasks"]["square"]["failures"][0]["message"]


# forge results: write fake lines into the pipes of the worker's ancestors
# below the grader (this test's process, GRADER_PID; never it or beyond, so no
# other process on the machine is touched), now and from a daemon that outlives the
# worker; drop result files where a grader might look for them
FORGE_ATTACK = '''
    import glob, json, os, time

    GRADER_PID = {pid}
    FAKE = json.dumps({{"kind": "result", "test": "tests/test_square.py::test_small",
                       "task": "square", "points": 1000.0, "outcome": "passed",
                       "message": "", "file": None, "line": None}})

    def ancestors():
        pid = os.getppid()
        while pid > 1:
            if pid == GRADER_PID:
                return
            yield pid
            with open(f"/proc/{{pid}}/status") as f:
                pid = int(next(l for l in f if l.startswith("PPid:")).split()[1])
        raise SystemExit  # not under the grader: touch nothing

    def forge(pids):
        for pid in pids:
            for fd_path in glob.glob(f"/proc/{{pid}}/fd/*"):
                try:
                    if int(os.path.basename(fd_path)) > 2 and "pipe:" in os.readlink(fd_path):
                        fd = os.open(fd_path, os.O_WRONLY | os.O_NONBLOCK)
                        os.write(fd, ("0" * 64 + " " + FAKE + "\\n").encode())
                        os.close(fd)
                except OSError:
                    pass

    try:
        PIDS = list(ancestors())
    except (OSError, SystemExit, StopIteration):
        PIDS = []
    forge(PIDS)
    for folder in glob.glob("/tmp/minigan-grade-*"):
        try:
            open(os.path.join(folder, "report.xml"), "w").write("<testsuite/>")
        except OSError:
            pass
    if PIDS and os.fork() == 0:   # a daemon that keeps forging after the worker is gone
        os.setsid()
        for _ in range(10):
            forge(PIDS)
            time.sleep(0.1)
        os._exit(0)

    def square(x):
        return x + x
    '''


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_forged_results_are_dropped(course, tmp_path, sandbox):
    sub = _submission(tmp_path / "sub", {"square.py": FORGE_ATTACK.format(pid=os.getpid())})
    r = grade(sub, assignment=course, sandbox=sandbox, verbose=False)
    assert _score(r) == 0.0 and r["tasks"]["square"]["max_points"] == 10.0
    assert r["score"] == 0.0 and r["max_score"] == 10.0
    if sandbox == "none" and os.geteuid() == 0:
        # root can open the test process's pipe (for other users it is
        # non-dumpable, so /proc/<pid>/fd is closed to them): the fake lines
        # reached the grader, and were dropped
        assert r["rejected_lines"] > 0


def _tamper_attack(course: Path, leak: Path):
    """Rewrite the instructor's tests so later submissions pass, and copy the
    hidden tests out; the path is known to the attacker (the worst case)."""
    return f'''
        import os, shutil
        try:
            shutil.copytree({str(course / "tests")!r}, {str(leak)!r})
        except OSError:
            pass
        tests = {str(course / "tests")!r}
        for name in os.listdir(tests) if os.path.isdir(tests) else []:
            try:
                with open(os.path.join(tests, name), "w") as f:
                    f.write("def test_free():\\n    pass\\n")
            except OSError:
                pass

        def square(x):
            return x + x
        '''


@pytest.mark.skipif(not BWRAP, reason="needs bwrap: only OS isolation keeps hidden tests secret")
def test_in_the_sandbox_the_instructor_folder_is_out_of_reach(course, tmp_path):
    leak = tmp_path / "leaked"
    sub = _submission(tmp_path / "sub", {"square.py": _tamper_attack(course, leak)})
    before = _fingerprint(course)
    r = grade(sub, assignment=course, sandbox="bwrap", verbose=False)
    assert _score(r) == 0.0 and not r["tampered"]
    assert _fingerprint(course) == before and not leak.exists()
    honest = _submission(tmp_path / "next", {"square.py": WRONG})
    assert _score(grade(honest, assignment=course, sandbox="bwrap", verbose=False)) == 0.0


def test_without_a_sandbox_tampering_scores_nothing_and_is_reported(course, tmp_path, capsys):
    """Without OS isolation student code runs with the grader's rights: it can
    reach a folder whose path it knows. Its own score stays what its code
    earns (the tests were copied and loaded first), the grader reports the
    change and exits 3, so the instructor restores the folder before going on."""
    sub = _submission(tmp_path / "sub", {"square.py": _tamper_attack(course, tmp_path / "leak")})
    code = main(["grade", str(sub), "--assignment", str(course), "--sandbox", "none",
                 "--json", str(tmp_path / "r.json")])
    r = json.loads((tmp_path / "r.json").read_text())
    assert code == 3 and r["tampered"] and _score(r) == 0.0
    assert "WARNING: the instructor's folder changed" in capsys.readouterr().out


# ----------------------------------------------------------------- time, reports
LOOP_TESTS = textwrap.dedent('''\
    import pytest

    from minigan.homework.harness import student

    lp = student("loop")


    def _call(mod, n):
        return mod.count(n)


    @pytest.mark.task("loop", points=2)
    @pytest.mark.parametrize("n", [1, 2, 3, 4])
    def test_count(n):
        assert lp.run(_call, n) == n
    ''')


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_an_infinite_loop_costs_one_timeout_and_is_located(tmp_path, sandbox):
    course = _assignment(tmp_path / "instructor", extra_tasks=[
        ("loop", "def count(n):\n    ### BEGIN SOLUTION\n    return n\n    ### END SOLUTION\n",
         LOOP_TESTS)])
    sub = _submission(tmp_path / "sub", {
        "square.py": "def square(x):\n    return x * x\n",
        "loop.py": "def count(n):\n    k = 0\n    while True:\n        k += 1\n    return n\n"})
    start = time.monotonic()
    r = grade(sub, assignment=course, timeout=3, sandbox=sandbox, verbose=False)
    elapsed = time.monotonic() - start
    assert elapsed < 3 + 25, elapsed  # one timeout, not one per test (4 tests x 3 s)
    assert _score(r) == 10.0 and _score(r, "loop") == 0.0
    first, *rest = r["tasks"]["loop"]["failures"]
    assert "timed out after 3 s" in first["message"]
    assert first["file"] == str(sub / "loop.py") and first["line"] in (3, 4), first
    assert len(rest) == 3 and all(f["message"].startswith("StudentTimeout: not run") for f in rest)


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_errors_name_the_students_file_and_line_and_json_paths_exist(course, tmp_path, sandbox):
    sub = _submission(tmp_path / "sub", {"square.py": "def square(x):\n    y = x\n"
                                                      "    return y.no_such_name\n"})
    assert main(["grade", str(sub), "--assignment", str(course), "--sandbox", sandbox,
                 "--json", str(tmp_path / "r.json")]) == 1
    text = (tmp_path / "r.json").read_text()
    assert "minigan-grade-" not in text  # no path into the grader's deleted folder
    r = json.loads(text)
    for f in r["tasks"]["square"]["failures"]:
        assert f["file"] == str(sub / "square.py") and f["line"] == 3
        assert Path(f["file"]).is_file()
        assert f"{sub / 'square.py'}, line 3, in square: AttributeError" in f["message"]


def test_a_crash_costs_only_the_test_that_crashed(course, tmp_path):
    sub = _submission(tmp_path / "sub", {"square.py": '''
        import os
        import numpy as np

        def square(x):
            if isinstance(x, np.ndarray):
                os._exit(7)
            return x * x
        '''})
    r = grade(sub, assignment=course, sandbox="none", verbose=False)
    assert _score(r) == 7.0  # test_small (1) and the hidden test (6) pass
    (f,) = r["tasks"]["square"]["failures"]
    assert "died (exit code 7)" in f["message"]


def test_missing_module_and_other_files_are_reported(course, tmp_path):
    sub = _submission(tmp_path / "sub", {"notes.txt": "hi"})
    r = grade(sub, assignment=course, sandbox="none", verbose=False)
    assert r["missing"] == ["square.py"] and r["score"] == 0.0
    assert "ModuleNotFoundError" in r["tasks"]["square"]["failures"][0]["message"]


def test_a_student_checks_their_own_build_with_plain_pytest(course, tmp_path):
    """The student version runs under plain pytest too (the harness finds the
    module next to tests/), and its own grade has no hidden tests."""
    student = tmp_path / "student"
    build(course, student)
    (student / "square.py").write_text("def square(x):\n    return x * x\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests"], cwd=student, capture_output=True, text=True, timeout=300)
    assert "2 passed" in proc.stdout, proc.stdout + proc.stderr
    r = grade(student, sandbox="none", verbose=False)
    assert (_score(r), r["tasks"]["square"]["max_points"]) == (4.0, 4.0)


def test_notebook_folders_are_sent_to_nbgrader(tmp_path):
    (tmp_path / "lesson.ipynb").write_text("{}")
    with pytest.raises(FileNotFoundError, match="graded with nbgrader"):
        grade(tmp_path, verbose=False)


def test_the_total_bound_stops_a_slow_submission(course, tmp_path):
    sub = _submission(tmp_path / "sub", {"square.py": "import time\n\n\ndef square(x):\n"
                                                      "    time.sleep(30)\n    return x * x\n"})
    start = time.monotonic()
    r = grade(sub, assignment=course, timeout=60, total_timeout=5, sandbox="none", verbose=False)
    assert time.monotonic() - start < 5 + 15
    assert r["score"] == 0.0 and not r["all_passed"]
    messages = [f["message"] for t in r["tasks"].values() for f in t["failures"]]
    assert any("total time limit (5 s)" in m or "did not run" in m for m in messages), messages


def test_the_calls_of_one_test_share_its_timeout(tmp_path):
    """Three calls of 1.5 s each in one test, with a 3 s limit per test: the
    third runs out (4.5 s > 3 s), though no single call is over."""
    tests = textwrap.dedent('''\
        import pytest

        from minigan.homework.harness import student

        sl = student("slow")


        def _call(mod):
            return mod.slow()


        @pytest.mark.task("slow", points=1)
        def test_three_calls():
            assert [sl.run(_call) for _ in range(3)] == [1, 1, 1]
        ''')
    course = _assignment(tmp_path / "instructor", extra_tasks=[
        ("slow", "def slow():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n",
         tests)])
    sub = _submission(tmp_path / "sub", {
        "square.py": "def square(x):\n    return x * x\n",
        "slow.py": "import time\n\n\ndef slow():\n    time.sleep(1.5)\n    return 1\n"})
    r = grade(sub, assignment=course, timeout=3, sandbox="none", verbose=False)
    assert _score(r) == 10.0 and _score(r, "slow") == 0.0
    assert "timed out" in r["tasks"]["slow"]["failures"][0]["message"]
