"""minigan's public surface: an explicit ``__all__``, and no module that is
not minigan's own submodule showing up as ``minigan.<name>`` (as
``minigan.conv`` or ``minigan.shape`` once did through ``from .ops import *``)."""
import subprocess
import sys
import types

import minigan
from minigan import ops


def test_all_names_exist_and_are_unique():
    assert len(minigan.__all__) == len(set(minigan.__all__))
    missing = [n for n in minigan.__all__ if not hasattr(minigan, n)]
    assert not missing, missing


def test_every_public_function_and_class_is_in_all():
    public = {n for n, v in vars(minigan).items()
              if not n.startswith("_") and not isinstance(v, types.ModuleType)}
    assert public <= set(minigan.__all__), sorted(public - set(minigan.__all__))


def test_no_foreign_module_leaks_into_minigan():
    leaks = [n for n, v in vars(minigan).items()
             if isinstance(v, types.ModuleType) and not n.startswith("_")
             and v.__name__ != f"minigan.{n}"]
    assert not leaks, f"modules reachable as minigan.<name> that are not minigan.<name>: {leaks}"
    for n in ("conv", "shape", "arithmetic", "elementwise", "reduce", "activation", "normalization"):
        assert not hasattr(minigan, n), n


def test_star_import_gives_all_and_no_op_submodule():
    out = subprocess.run([sys.executable, "-c", "from minigan import *; import types; "
                          "print(sorted(k for k, v in dict(globals()).items() "
                          "if isinstance(v, types.ModuleType)))"],
                         capture_output=True, text=True, check=True).stdout
    assert "conv" not in out and "shape" not in out and "'nn'" in out


def test_ops_all_lists_functions_only():
    assert all(callable(getattr(ops, n)) and not isinstance(getattr(ops, n), types.ModuleType)
               for n in ops.__all__)
    assert {"matmul", "conv_output_size", "sort", "einsum"} <= set(ops.__all__)


def test_op_nodes_are_named_fn():
    """Op node classes cannot be confused with layers: every Function subclass
    in minigan.ops and minigan.compat ends in ``Fn``."""
    import inspect

    from minigan import compat
    from minigan.compat import elementwise, indexing, linalg
    from minigan.ops import activation, arithmetic, conv, normalization, reduce, shape
    from minigan.ops import elementwise as ops_elementwise
    from minigan.ops import linalg as ops_linalg

    bad = []
    for module in (activation, arithmetic, conv, normalization, reduce, shape, ops_elementwise,
                   ops_linalg, elementwise, indexing, linalg):
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, minigan.Function)
                    and obj is not minigan.Function and obj.__module__ == module.__name__
                    and not name.endswith("Fn")):
                bad.append(f"{module.__name__}.{name}")
    assert compat is not None and not bad, bad


def test_linalg_is_minigans_own_namespace():
    """``minigan.linalg`` is torch.linalg's counterpart, not ops/linalg.py."""
    assert minigan.linalg.__name__ == "minigan.linalg"
    assert minigan.linalg.vector_norm is ops.vector_norm
