"""Only autograd/, ops/, fast/ and compat/ may use Tensor's internals
(``Tensor._wrap``, ``._data``): compat/ holds Tensor's own parity methods and
the parity ops moved off the reading path, the same code as autograd/ and ops/. Everything else goes through ``Tensor.from_array``, the read-only
``t.array`` and the in-place methods (``copy_``, ``add_``, ...), so the version
counter that guards saved tensors always sees a change."""
import ast
from pathlib import Path


PACKAGE = Path(__file__).resolve().parents[1] / "minigan"
ALLOWED = ("autograd", "ops", "fast", "compat")
PRIVATE = {"_wrap", "_data"}


def _offenders(skip=()):
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in ALLOWED or rel.parts[0] in skip:
            continue
        hits = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Attribute) and node.attr in PRIVATE:
                hits.add((node.lineno, node.attr))
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id in ("getattr", "setattr") and len(node.args) >= 2
                  and isinstance(node.args[1], ast.Constant) and node.args[1].value in PRIVATE):
                hits.add((node.lineno, node.args[1].value))
        found += [f"minigan/{rel.as_posix()}:{line}: .{name}" for line, name in sorted(hits)]
    return found


def _check(found):
    assert not found, ("Tensor internals used outside autograd/, ops/ and fast/ (use "
                       "Tensor.from_array, t.array or an in-place method):\n  " + "\n  ".join(found))


def test_no_tensor_internals_outside_autograd_ops_and_fast():
    _check(_offenders())
