"""Write the list of CuPy names and keyword arguments the CuPy stand-in may offer.

The stand-in (``minigan/testing/cupy_standin/``) lets the test suite run
minigan's GPU path without a GPU. It must offer *only* what real CuPy offers,
or a call that works on the stand-in could fail on a GPU. This script reads
that surface from an installed CuPy wheel (no GPU or driver needed: it only
imports and inspects) and writes ``minigan/testing/cupy_standin/cupy_api.json``:

    pip install "cupy-cuda12x==14.*"      # installs without a GPU
    python tools/cupy_api.py               # rewrite the list
    python tools/cupy_api.py --check       # exit 1 if the committed list differs

For each module minigan's code may reach (``cupy``, ``cupy.random``,
``cupy.linalg`` ...) the list holds every public name with its kind and, for
callables, its parameters; for each class (``ndarray``, the random
generators, ``cuda.Device`` ...) its public attributes and method
parameters. Parameters are written as in a signature without the defaults'
values: ``["a", "/", "axis=", "*", "keepdims="]``. Signatures come from
``inspect.signature`` where Python has one, else from the first docstring
line Cython embeds (``sum(self, axis=None, ...)``).
"""
from __future__ import annotations

import argparse
import difflib
import importlib
import inspect
import json
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "minigan" / "testing" / "cupy_standin" / "cupy_api.json"

MODULES = ["cupy", "cupy.random", "cupy.linalg", "cupy.fft", "cupy.lib.stride_tricks", "cupy.cuda",
           "cupy.cuda.runtime", "cupy.cuda.memory", "cupyx", "cupyx.scipy.special"]
CLASSES = ["cupy.ndarray", "cupy.ufunc", "cupy.random.Generator", "cupy.random.RandomState",
           "cupy.random.BitGenerator", "cupy.random.XORWOW", "cupy.cuda.Device", "cupy.cuda.Stream",
           "cupy.cuda.Event", "cupy.cuda.MemoryPool", "cupy.cuda.PinnedMemoryPool"]
# dunder methods worth checking: the operators and conversions arrays take part in
DUNDERS = {"__array__", "__array_ufunc__", "__array_function__", "__bool__", "__float__", "__int__",
           "__index__", "__len__", "__iter__", "__getitem__", "__setitem__", "__dlpack__",
           "__cuda_array_interface__", "__complex__", "__abs__", "__neg__", "__pos__", "__invert__",
           "__add__", "__sub__", "__mul__", "__truediv__", "__floordiv__", "__mod__", "__pow__",
           "__matmul__", "__and__", "__or__", "__xor__", "__lshift__", "__rshift__", "__lt__",
           "__le__", "__eq__", "__ne__", "__gt__", "__ge__", "__iadd__", "__isub__", "__imul__",
           "__itruediv__", "__ipow__", "__radd__", "__rsub__", "__rmul__", "__rtruediv__",
           "__rpow__", "__rmatmul__", "__array_priority__", "__copy__", "__deepcopy__",
           "__reduce__", "__hash__", "__enter__", "__exit__"}


def _split_top(text: str) -> list[str]:
    """Split ``text`` at the commas outside brackets and quotes."""
    parts, depth, quote, cur = [], 0, None, ""
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{<":
            depth += 1
        elif ch in ")]}>":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts]


def _params_from_text(text: str) -> list[str] | None:
    """``"self, int axis=-1, kind=None"`` -> ``["axis=", "kind="]`` (Cython's types dropped)."""
    out = []
    for part in _split_top(text.replace("\\*", "*")):
        if part in ("/", "*"):
            out.append(part)
            continue
        star = "**" if part.startswith("**") else "*" if part.startswith("*") else ""
        left, has_default = (part.split("=", 1)[0], True) if "=" in part else (part, False)
        names = re.findall(r"[A-Za-z_][A-Za-z_0-9]*", left.split(":")[0].lstrip("*"))
        if not names:
            return None
        name = names[-1]  # "int axis" -> "axis"
        out.append(star + name + ("=" if has_default else ""))
    if out and out[0] in ("self", "cls"):
        out = out[1:]
    return out


def params(obj) -> list[str] | None:
    """The parameter list of a callable, or None when nothing says it."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        sig = None
    if sig is not None:
        out, kinds = [], inspect.Parameter
        seen_kw_marker = False
        ps = list(sig.parameters.values())
        for i, p in enumerate(ps):
            if p.kind is kinds.KEYWORD_ONLY and not seen_kw_marker:
                out.append("*")
                seen_kw_marker = True
            if p.kind is kinds.VAR_POSITIONAL:
                out.append("*" + p.name)
                seen_kw_marker = True
            elif p.kind is kinds.VAR_KEYWORD:
                out.append("**" + p.name)
            else:
                out.append(p.name + ("=" if p.default is not p.empty else ""))
            if p.kind is kinds.POSITIONAL_ONLY and (i + 1 == len(ps) or ps[i + 1].kind is not kinds.POSITIONAL_ONLY):
                out.append("/")
        if out and out[0] in ("self", "cls"):
            out = out[1:]
        return out
    doc = (getattr(obj, "__doc__", None) or "").strip()
    first = doc.splitlines()[0] if doc else ""
    m = re.match(r"^[\w.]*\((.*)\)(\s*->.*)?$", first)
    return _params_from_text(m.group(1)) if m else None


def kind_of(obj) -> str:
    if inspect.ismodule(obj):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if type(obj).__name__ in ("ufunc", "_GUFunc"):
        return "ufunc"
    if callable(obj):
        return "function"
    if isinstance(obj, (int, float, complex, str, bool)) or obj is None:
        return "constant"
    return "object"


def describe_module(name: str) -> dict:
    mod = importlib.import_module(name)
    entries = {}
    for attr in sorted(dir(mod)):
        if attr.startswith("_"):
            continue
        try:
            obj = getattr(mod, attr)
        except Exception:  # noqa: BLE001 - a lazy attribute that needs a GPU
            entries[attr] = {"kind": "lazy"}
            continue
        kind = kind_of(obj)
        entry = {"kind": kind}
        if kind in ("function", "ufunc"):
            entry["params"] = params(obj)
        entries[attr] = entry
    return entries


def describe_class(path: str) -> dict:
    mod_name, cls_name = path.rsplit(".", 1)
    cls = getattr(importlib.import_module(mod_name), cls_name)
    entries = {}
    for attr in sorted(dir(cls)):
        if attr.startswith("_") and attr not in DUNDERS:
            continue
        raw = inspect.getattr_static(cls, attr)
        if type(raw).__name__ in ("getset_descriptor", "member_descriptor", "property"):
            entries[attr] = {"kind": "attribute"}
            continue
        obj = getattr(cls, attr)
        if callable(obj):
            entries[attr] = {"kind": "method", "params": params(obj)}
        else:
            entries[attr] = {"kind": "attribute"}
    init = params(cls.__init__) if "__init__" in vars(cls) or hasattr(cls, "__init__") else None
    return {"init": init, "attributes": entries}


def build() -> dict:
    import cupy

    return {"cupy_version": cupy.__version__,
            "made_by": "python tools/cupy_api.py (from the installed CuPy wheel)",
            "modules": {m: describe_module(m) for m in MODULES},
            "classes": {c: describe_class(c) for c in CLASSES}}


def dumps(api: dict) -> str:
    return json.dumps(api, indent=1, sort_keys=True) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed list instead of writing it (exit 1 on a difference)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    text = dumps(build())
    if args.check:
        old = args.out.read_text() if args.out.exists() else ""
        if old != text:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), text.splitlines(True),
                                                       "committed", "installed CuPy", n=1))
            print(f"the installed CuPy's API differs from {args.out}: rerun `python tools/cupy_api.py`")
            return 1
        print(f"{args.out.name} matches the installed CuPy {json.loads(text)['cupy_version']}")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    api = json.loads(text)
    n = sum(len(v) for v in api["modules"].values()) + sum(len(c["attributes"]) for c in api["classes"].values())
    print(f"wrote {args.out} ({n} names, CuPy {api['cupy_version']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
