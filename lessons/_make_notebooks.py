"""Write lessons 01-03 as notebooks (no outputs), from the cell lists below.

    python lessons/_make_notebooks.py          # rewrites lessons/0[1-3]_*.ipynb

Editing the notebooks in Jupyter is fine too; this script is simply where
they were first written, so that their text diffs well in review. Cell ids
are fixed, so running it twice gives identical files.
"""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import nbformat

from _nbgrader_cells import tag

HERE = Path(__file__).resolve().parent


def setup(stdlib=(), third_party=(), ours=()):
    """The first code cell of every lesson: imports, the small-mode switch, seeds."""
    groups = [["import os", *stdlib], [*third_party, "import numpy as np"], ["import minigan", *ours]]
    lines = "\n\n".join("\n".join(g) for g in groups)
    return ("code", lines + "\n\n"
            "# CI runs every lesson with MINIGAN_SMALL_LESSONS=1: smaller sizes, same story\n"
            'SMALL = os.environ.get("MINIGAN_SMALL_LESSONS", "0") == "1"\n'
            "minigan.manual_seed(0)\n"
            "rng = np.random.default_rng(0)")


def md(text):
    return ("markdown", textwrap.dedent(text).strip("\n"))


def code(text):
    return ("code", textwrap.dedent(text).strip("\n"))


# ============================================================================ lesson 1
LESSON_1 = [
    md(r"""
    # Lesson 1: Autograd from scratch

    Training a GAN means following the gradient of a scalar loss with respect
    to every weight of two networks, thousands to millions of numbers, at
    every step. *Reverse-mode automatic differentiation* gets all of them for
    the price of roughly one extra pass over the computation. In this lesson we

    1. build a tiny scalar autograd engine ourselves (about 40 lines),
    2. find the one subtle point, the order in which nodes are processed,
    3. see the same machinery in `minigan`, draw its graph, and
    4. differentiate a gradient, which the WGAN-GP penalty needs.

    Run the cells top to bottom.
    """),
    setup(stdlib=["import math"]),
    md(r"""
    ## 1. A computation is a graph; the chain rule walks it backwards

    Write an expression as a graph: leaves are inputs, every other node is one
    elementary operation applied to its parent nodes. For each node we know
    its *local* derivatives, for example

    $$\frac{\partial (a+b)}{\partial a} = 1, \qquad
      \frac{\partial (a b)}{\partial a} = b, \qquad
      \frac{d \tanh a}{d a} = 1 - \tanh^2 a .$$

    For a final scalar $L$, call $\bar v = \partial L / \partial v$ the
    *adjoint* of node $v$. The chain rule says that if $v$ is used by the
    nodes $y_1, \dots, y_k$, then

    $$\bar v = \sum_{j=1}^{k} \bar y_j \, \frac{\partial y_j}{\partial v}.$$

    So we start at $L$ with $\bar L = 1$ and walk backwards: each node
    multiplies its adjoint by its local derivatives and **adds** the products
    into the adjoints of its parents. The sum is the reason for the `+=`
    below: a value used twice receives two contributions.
    """),
    code(r'''
    class Value:
        """A scalar that remembers the operation and the Values it came from."""

        def __init__(self, data, parents=(), op=""):
            self.data = float(data)
            self.grad = 0.0               # dL/d(self), filled in by backward
            self._parents = parents
            self._op = op
            self._backward = lambda: None  # adds this node's share into its parents' .grad

        def __add__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data + other.data, (self, other), "+")

            def _backward():  # d(a + b)/da = d(a + b)/db = 1
                self.grad += out.grad
                other.grad += out.grad
            out._backward = _backward
            return out

        def __mul__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data * other.data, (self, other), "*")

            def _backward():  # d(a b)/da = b, d(a b)/db = a
                self.grad += other.data * out.grad
                other.grad += self.data * out.grad
            out._backward = _backward
            return out

        def tanh(self):
            t = math.tanh(self.data)
            out = Value(t, (self,), "tanh")

            def _backward():  # tanh' = 1 - tanh^2, and we already have tanh
                self.grad += (1.0 - t * t) * out.grad
            out._backward = _backward
            return out

        __radd__ = __add__
        __rmul__ = __mul__

        def __repr__(self):
            return f"Value(data={self.data:.4f}, grad={self.grad:.4f})"
    '''),
    md(r"""
    A single neuron, $y = \tanh(w_1 x_1 + w_2 x_2 + b)$. By hand,
    $\partial y / \partial w_1 = (1 - y^2)\, x_1$ and
    $\partial y / \partial b = 1 - y^2$.
    """),
    code(r'''
    x1, x2 = Value(2.0), Value(-1.0)
    w1, w2, b = Value(0.3), Value(-0.5), Value(0.1)
    s = w1 * x1 + w2 * x2 + b
    y = s.tanh()
    print(y)
    '''),
    md(r"""
    We still need an order in which to call the `_backward` closures: a node
    may pass its adjoint on only once it has received **all** of its
    contributions, i.e. after every node that uses it. A *topological order*
    (every node after its parents) read in reverse is exactly that. We find it
    with a depth-first search written with an explicit stack rather than
    recursion, so that very deep graphs do not hit Python's recursion limit.
    """),
    code(r'''
    def topological_order(root):
        """Every node reachable from root, each after all of its parents."""
        order, seen, stack = [], set(), [(root, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))   # comes back once its parents are in `order`
            stack.extend((p, False) for p in node._parents if id(p) not in seen)
        return order


    def backward(root):
        order = topological_order(root)
        for node in order:
            node.grad = 0.0
        root.grad = 1.0
        for node in reversed(order):      # consumers before the values they use
            node._backward()


    backward(y)
    print("w1.grad", w1.grad, " by hand", (1 - y.data ** 2) * x1.data)
    print("b.grad ", b.grad, " by hand", 1 - y.data ** 2)
    '''),
    md(r"""
    A numerical sanity check: a central difference
    $\big(f(w_1 + h) - f(w_1 - h)\big) / 2h$ should agree to about $h^2$
    (lesson 2 is about doing this carefully).
    """),
    code(r'''
    def neuron(w1_value):
        return math.tanh(w1_value * x1.data + w2.data * x2.data + b.data)

    h = 1e-6
    print("numeric", (neuron(w1.data + h) - neuron(w1.data - h)) / (2 * h))
    '''),
    md(r"""
    ## 2. Why the order matters: `b = a + a; c = b + b`

    Here $c = 4a$, so $dc/da = 4$. A tempting shortcut is to skip the
    topological sort: start at the output and, whenever a node is reached,
    call its `_backward` and move on to its parents. Let us try it.
    """),
    code(r'''
    def backward_naive(root):
        """Visit nodes as they are reached from the output (wrong!)."""
        root.grad = 1.0
        stack = [root]
        while stack:
            node = stack.pop()
            node._backward()
            stack.extend(node._parents)


    a = Value(3.0)
    b = a + a
    c = b + b
    backward_naive(c)
    print("naive:      dc/da =", a.grad)

    backward(c)
    print("topological: dc/da =", a.grad)
    '''),
    md(r"""
    The naive walk reaches `b` twice (once per use in `c`) and each time
    pushes all of `b.grad` into `a` again, so `a` gets $8$. Running each node
    once is not enough either: it must run *after* all its consumers, or it
    passes on an incomplete adjoint. The reversed topological order gives
    both guarantees. `minigan`'s engine does the same thing for graphs of
    tensors, and it is short enough to read next: `minigan/autograd/engine.py`
    first finds the topological order (iteratively, on an explicit stack),
    then runs the chain-rule loop, handing each node the sum of its outputs'
    gradients and passing what its `backward` returns on to its inputs.

    Why iterative? A recursive depth-first search needs one Python stack
    frame per node on the longest path; a chain of a few thousand operations
    would already exceed the default recursion limit.
    """),
    code(r'''
    def topological_order_recursive(root, order=None, seen=None):
        order, seen = ([], set()) if order is None else (order, seen)
        if id(root) not in seen:
            seen.add(id(root))
            for p in root._parents:
                topological_order_recursive(p, order, seen)
            order.append(root)
        return order


    depth = 3_000 if SMALL else 20_000
    v = start = Value(1.0)
    for _ in range(depth):
        v = v * 1.0001
    try:
        topological_order_recursive(v)
    except RecursionError as exc:
        print(f"recursive sort, chain of {depth} ops: RecursionError ({exc})")
    backward(v)
    print(f"iterative sort: d out / d start = {start.grad:.6f} (exact {1.0001 ** depth:.6f})")
    '''),
    md(r"""
    ## 3. The same with `minigan` tensors

    `minigan.Tensor` wraps a NumPy array. When an operation gets an input
    with `requires_grad=True`, it records itself as the result's `grad_fn` (a
    `minigan.Function` node). `backward()` runs the reverse topological walk
    and *accumulates* into the `.grad` of the leaves, as in PyTorch.
    """),
    code(r'''
    a = minigan.tensor(3.0, requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    print("dc/da =", a.grad)
    print("c.grad_fn =", c.grad_fn, "  a is a leaf:", a.is_leaf, "  a.grad_fn =", a.grad_fn)
    '''),
    md(r"""
    The neuron again, now with vectors: $y = \tanh(w \cdot x + b)$. The
    gradients match the scalar engine.
    """),
    code(r'''
    x = minigan.tensor([2.0, -1.0])
    w = minigan.tensor([0.3, -0.5], requires_grad=True)
    bias = minigan.tensor(0.1, requires_grad=True)
    y_t = minigan.tanh((w * x).sum() + bias)
    print("y =", y_t)
    print("graph nodes: y.grad_fn =", y_t.grad_fn, "with inputs", y_t.grad_fn._inputs)
    '''),
    md(r"""
    ## 4. Drawing the graph

    Every non-leaf tensor points to its `grad_fn`, and every node keeps its
    input tensors in `_inputs` (a private attribute; the engine frees it after
    `backward()` unless `retain_graph=True`, so draw before). That is all we
    need to write the graph in Graphviz's DOT language: boxes for tensors,
    ellipses for operations. The DOT text is printed always; it is rendered
    as a picture only if the `graphviz` package and its `dot` program are
    installed.
    """),
    code(r'''
    def to_dot(root, names=None):
        """The graph that computed `root`, as DOT text. `names` maps labels to tensors."""
        label_of = {id(t): name for name, t in (names or {}).items()}

        def tensor_label(t):
            value = f"{t.item():.3g}" if t.numel() == 1 else f"shape {tuple(t.shape)}"
            name = label_of.get(id(t), "leaf" if t.is_leaf else "")
            return "\\n".join(part for part in (name, value) if part)  # DOT's line break

        lines = ["digraph autograd {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
        lines.append(f'  t{id(root)} [shape=box, label="{tensor_label(root)}"];')
        seen, stack = set(), [root]
        while stack:
            t = stack.pop()
            fn = t.grad_fn
            if fn is None or id(fn) in seen:
                continue
            seen.add(id(fn))
            lines.append(f'  f{id(fn)} [shape=ellipse, label="{type(fn).__name__}"];')
            lines.append(f"  f{id(fn)} -> t{id(t)};")
            for inp in fn._inputs:
                lines.append(f'  t{id(inp)} [shape=box, label="{tensor_label(inp)}"];')
                lines.append(f"  t{id(inp)} -> f{id(fn)};")
                stack.append(inp)
        lines.append("}")
        return "\n".join(dict.fromkeys(lines))  # a tensor used twice is declared once


    dot = to_dot(y_t, names={"w": w, "x": x, "b": bias, "y": y_t})
    print(dot)
    '''),
    code(r'''
    import shutil

    try:
        import graphviz
    except ImportError:
        graphviz = None
    if graphviz is not None and shutil.which("dot"):
        display(graphviz.Source(dot))
    else:
        print("(graphviz not installed: paste the DOT text into any Graphviz viewer to see it)")
    '''),
    md(r"""
    Now run `backward` and read the gradients. With respect to $w$,
    $\partial y / \partial w = (1 - y^2)\, x$.
    """),
    code(r'''
    y_t.backward()
    print("w.grad   ", w.grad)
    print("by hand  ", (1 - y_t.item() ** 2) * np.asarray(x))
    print("bias.grad", bias.grad)
    '''),
    md(r"""
    ## 5. Gradients of gradients

    Every `backward` in `minigan` is written with `minigan` operations on
    tensors. Normally it runs with recording switched off. With
    `create_graph=True` the engine records the backward pass too, so the
    gradient is an ordinary tensor with its own `grad_fn`, and can be
    differentiated again. For $f(x) = x^3$: $f' = 3x^2$ and $f'' = 6x$.
    """),
    code(r'''
    x = minigan.tensor(1.5, dtype=minigan.float64, requires_grad=True)
    y = x ** 3
    (dy,) = minigan.grad(y, x, create_graph=True)
    (d2y,) = minigan.grad(dy, x)
    print(f"f'(1.5)  = {dy.item():.4f}   (3 x^2 = {3 * 1.5 ** 2})   grad_fn: {dy.grad_fn}")
    print(f"f''(1.5) = {d2y.item():.4f}   (6 x   = {6 * 1.5})")
    '''),
    md(r"""
    Without `create_graph=True` the gradient is a plain number as far as
    autograd knows: it has no `grad_fn`, and asking for its gradient is an
    error that says so.
    """),
    code(r'''
    (dy_plain,) = minigan.grad(x ** 3, x)
    print("grad_fn without create_graph:", dy_plain.grad_fn)
    try:
        minigan.grad(dy_plain, x)
    except RuntimeError as exc:
        print("RuntimeError:", exc)
    '''),
    md(r"""
    **Why GANs care.** WGAN-GP (Gulrajani et al., 2017) keeps the critic $D$
    roughly 1-Lipschitz by adding
    $\lambda\,\mathbb{E}\big[(\lVert \nabla_x D(x) \rVert_2 - 1)^2\big]$
    to its loss. Training $D$ on this needs the derivative, with respect to
    $D$'s weights, of an expression that already contains a gradient. Here is
    a one-layer critic $D(x) = \tanh(x \cdot w)$, with the result checked by
    central differences in $w$.
    """),
    code(r'''
    points = minigan.tensor(rng.standard_normal((5, 3)), requires_grad=True)  # float64


    def penalty(w):
        out = minigan.tanh(points @ w)
        (g,) = minigan.grad(out.sum(), points, create_graph=True)  # (5, 3): grad_x D per point
        norms = minigan.sqrt((g * g).sum(axis=1))
        return ((norms - 1.0) ** 2).mean()


    w = minigan.tensor(rng.standard_normal(3), requires_grad=True)
    (grad_w,) = minigan.grad(penalty(w), w)

    h, numeric = 1e-6, np.zeros(3)
    for k in range(3):
        e = np.zeros(3)
        e[k] = h
        numeric[k] = (penalty(minigan.tensor(np.asarray(w) + e)).item()
                      - penalty(minigan.tensor(np.asarray(w) - e)).item()) / (2 * h)
    print("autograd:", np.asarray(grad_w))
    print("numeric: ", numeric)
    '''),
    md(r"""
    ## Exercise: teach `Value` the exponential

    Write `value_exp(v)` returning $e^{v}$ as a `Value` whose `_backward` adds
    $e^{v}\,\bar y$ into `v.grad`. The cell after it checks
    $\frac{d}{dz}\, z e^{z} = (1 + z)\, e^{z}$.
    """),
    code(r'''
    def value_exp(v):
        """e^v as a Value, with d e^v / dv = e^v."""
        ### BEGIN SOLUTION
        e = math.exp(v.data)
        out = Value(e, (v,), "exp")

        def _backward():
            v.grad += e * out.grad
        out._backward = _backward
        return out
        ### END SOLUTION


    Value.exp = value_exp
    '''),
    code(r'''
    z = Value(0.5)
    backward(z.exp() * z)
    assert abs(z.grad - 1.5 * math.exp(0.5)) < 1e-12, z.grad
    ### BEGIN HIDDEN TESTS
    z = Value(-2.0)
    backward(z.exp().exp())      # d/dz exp(exp(z)) = exp(exp(z)) exp(z)
    assert abs(z.grad - math.exp(math.exp(-2.0)) * math.exp(-2.0)) < 1e-12
    ### END HIDDEN TESTS
    print("value_exp is right")
    '''),
    md(r"""
    ## Summary

    * Reverse mode: seed $\bar L = 1$, visit nodes in reverse topological
      order, and *add* each node's adjoint times its local derivative into its
      parents' adjoints.
    * The order matters (`b = a + a; c = b + b`), and it is found iteratively:
      read both steps, the order and the chain-rule loop, in
      `minigan/autograd/engine.py`.
    * `minigan` records a `grad_fn` per result; `backward()` fills leaves'
      `.grad`, `minigan.grad()` returns gradients without touching `.grad`.
    * Backward passes are themselves made of differentiable operations, so
      `create_graph=True` gives gradients of gradients (WGAN-GP).

    Next: lesson 2, how to *check* a gradient.
    """),
]


# ============================================================================ lesson 2
LESSON_2 = [
    md(r"""
    # Lesson 2: Checking gradients

    Every operation in `minigan` has a hand-written backward pass. A wrong one
    does not crash: the model still trains, towards the wrong place. A
    *gradient check* compares the analytic gradient with a numerical estimate
    from function values alone. This lesson covers

    1. central differences and why the check must run in float64,
    2. comparing with a relative tolerance,
    3. `minigan.gradcheck` catching a wrong backward,
    4. second derivatives with `minigan.gradgradcheck`, and
    5. the random-direction mode for large inputs.
    """),
    setup(stdlib=["import time"], third_party=["import matplotlib.pyplot as plt"]),
    md(r"""
    ## 1. Central differences, and the two errors they make

    Taylor's theorem gives

    $$f(x \pm h) = f(x) \pm h f'(x) + \tfrac{h^2}{2} f''(x) \pm \tfrac{h^3}{6} f'''(x) + \dots$$

    so the even terms cancel in the *central* difference:

    $$\frac{f(x+h) - f(x-h)}{2h} = f'(x) + \tfrac{h^2}{6} f'''(x) + O(h^4).$$

    That is the **truncation error**, $O(h^2)$, which wants $h$ small. But
    the computer evaluates $f$ with a relative rounding error of about $u$
    (the unit roundoff: $u \approx 6\cdot 10^{-8}$ in float32,
    $1.1\cdot 10^{-16}$ in float64), and the difference of two nearly equal
    numbers keeps that absolute error while we divide it by $2h$: a
    **rounding error** of about $u\,|f| / h$, which wants $h$ large. The sum

    $$\text{error}(h) \approx \tfrac{h^2}{6} |f'''| + \frac{u\,|f|}{h}$$

    is smallest near $h \approx u^{1/3}$, where it is about $u^{2/3}$: roughly
    $10^{-5}$ in float32 but $10^{-11}$ in float64. A tolerance of $10^{-5}$
    is therefore hopeless in float32 and comfortable in float64. Let us
    measure it for $f(x) = \tanh(x)\, e^{x}$ at $x = 0.7$.
    """),
    code(r'''
    def f(x):
        return minigan.tanh(x) * minigan.exp(x)


    x0 = 0.7
    x = minigan.tensor(x0, dtype=minigan.float64, requires_grad=True)
    (exact,) = minigan.grad(f(x), x)
    exact = exact.item()
    print(f"f'({x0}) = {exact:.15f} (autograd, float64)")


    def central(eps, dtype):
        plus = f(minigan.tensor(np.array(x0 + eps, dtype=dtype))).item()
        minus = f(minigan.tensor(np.array(x0 - eps, dtype=dtype))).item()
        # as gradcheck does: x0 +- eps is rounded to the dtype, the division is by 2 eps
        return (plus - minus) / (2 * eps)


    epsilons = np.logspace(-12, -1, 23 if SMALL else 89)
    errors = {dtype.__name__: np.array([abs(central(e, dtype) - exact) for e in epsilons])
              for dtype in (np.float32, np.float64)}
    for name, err in errors.items():
        k = int(np.argmin(err))
        print(f"{name}: best eps {epsilons[k]:.1e}, error {err[k]:.1e};"
              f"  at gradcheck's eps=1e-6: error {np.interp(-6, np.log10(epsilons), err):.1e}")
    '''),
    code(r'''
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, err in errors.items():
        ax.loglog(epsilons, np.maximum(err, 1e-17), "o-", ms=3, label=name)
    for name, u in (("float32", np.finfo(np.float32).eps / 2), ("float64", np.finfo(np.float64).eps / 2)):
        ax.axvline(u ** (1 / 3), ls=":", color="gray")
        ax.text(u ** (1 / 3) * 1.3, 3e-14, f"$u^{{1/3}}$ ({name})", fontsize=8, rotation=90,
                va="bottom")
    ax.axhline(1e-5, color="red", lw=0.8)
    ax.text(1e-12, 2e-5, "gradcheck atol = 1e-5", color="red", fontsize=8)
    ax.set(xlabel="eps", ylabel="|central difference - exact|", ylim=(1e-14, 10),
           title=r"Central-difference error for $\tanh(x)\,e^x$ at $x=0.7$")
    ax.legend()
    fig.tight_layout()
    '''),
    md(r"""
    The V shape is the two errors: rounding on the left (slope $-1$),
    truncation on the right (slope $2$). The float32 curve touches a few
    $10^{-6}$ only at its best $\varepsilon \approx 3\cdot 10^{-3}$, right at
    the tolerance; at gradcheck's $\varepsilon = 10^{-6}$ it is off by about
    $10^{-2}$, and below $\varepsilon \approx 10^{-8}$ both evaluations round
    to the same float32 number, so the estimate is 0. This is why
    `minigan.gradcheck` refuses float32 inputs outright instead of reporting
    confusing mismatches:
    """),
    code(r'''
    x32 = minigan.tensor([0.7], requires_grad=True)          # float32, the default
    try:
        minigan.gradcheck(f, (x32,))
    except TypeError as exc:
        print("TypeError:", exc)
    '''),
    md(r"""
    ## 2. Relative error

    How close is close enough? An absolute tolerance alone fails for large
    gradients (an error of $10^{-4}$ on a gradient of $10^{5}$ is excellent),
    a relative tolerance alone fails near zero (any error on an exact zero is
    infinitely large in relative terms). `gradcheck` uses both, like NumPy's
    `isclose` and PyTorch:

    $$|a - n| \le \text{atol} + \text{rtol}\,|n|, \qquad
      \text{atol} = 10^{-5}, \ \text{rtol} = 10^{-3},$$

    with $a$ the analytic and $n$ the numerical value.
    """),
    code(r'''
    def close(a, n, atol=1e-5, rtol=1e-3):
        return abs(a - n) <= atol + rtol * abs(n)


    x = minigan.tensor(1.0, dtype=minigan.float64, requires_grad=True)
    (a,) = minigan.grad(minigan.exp(x * 20.0), x)
    eps = 1e-6
    n = (np.exp(20 * (1 + eps)) - np.exp(20 * (1 - eps))) / (2 * eps)
    print(f"d/dx exp(20x) at 1: analytic {a.item():.6f}, numeric {n:.6f}")
    print(f"absolute error {abs(a.item() - n):.1e} -> fails atol alone: {abs(a.item() - n) > 1e-5};"
          f" relative error {abs(a.item() - n) / abs(n):.1e} -> close(): {close(a.item(), n)}")
    '''),
    md(r"""
    ## 3. Catching a wrong backward

    A new primitive is a subclass of `minigan.Function` with a `forward` on
    arrays and a `backward` on tensors. Here is $y = x^3$ whose backward
    forgot the factor 3. `gradcheck` builds the whole Jacobian both ways (one
    backward pass per output element, two forward passes per input element)
    and reports the first mismatch: which input, which element, both values.
    """),
    code(r'''
    class BuggyCube(minigan.Function):
        """y = x^3, with a wrong derivative (the 3 is missing)."""

        def forward(self, x):
            return x ** 3

        def backward(self, grad):
            (x,) = self.inputs
            return grad * x * x


    x = minigan.tensor(np.array([0.5, -1.2, 2.0]), requires_grad=True)
    try:
        minigan.gradcheck(lambda x: BuggyCube()(x), (x,))
    except minigan.GradcheckError as exc:
        print("GradcheckError:", exc)
    '''),
    md(r"""
    The analytic value is a third of the numerical one, element $(0,)$
    already. With the factor restored, the check passes (it returns `True`;
    it never returns a bare `False`). It also checks that a zero upstream
    gradient gives zero, and that running backward twice gives the same
    answer.
    """),
    code(r'''
    class Cube(minigan.Function):
        """y = x^3, dy/dx = 3 x^2, written with minigan ops on tensors."""

        def forward(self, x):
            return x ** 3

        def backward(self, grad):
            (x,) = self.inputs
            return grad * 3.0 * x * x


    print("gradcheck(Cube):", minigan.gradcheck(lambda x: Cube()(x), (x,)))
    '''),
    md(r"""
    ## 4. Second derivatives: `gradgradcheck`

    Because `Cube.backward` uses `minigan` operations on the input *tensor*
    `x`, running it with `create_graph=True` records that the gradient
    $3x^2 g$ depends on $x$, and the second derivative $6xg$ comes out right.

    A backward that computes with a detached value (a raw array, a cached
    NumPy result, `x.detach()`) produces the same first derivative, so
    `gradcheck` passes, but the graph no longer knows that the gradient
    depends on $x$: the second derivative silently loses a term. That is the
    kind of bug that breaks WGAN-GP without any error (DeZero's batch norm had
    it). `gradgradcheck` is simply `gradcheck` applied to the function
    $(x, v) \mapsto \nabla_x \langle v, f(x) \rangle$ computed with
    `create_graph=True`.
    """),
    code(r'''
    class CubeDetachedBackward(minigan.Function):
        """Right first derivative, but computed from a detached x."""

        def forward(self, x):
            return x ** 3

        def backward(self, grad):
            (x,) = self.inputs
            return grad * 3.0 * x.detach() * x.detach()


    cube, detached = (lambda x: Cube()(x)), (lambda x: CubeDetachedBackward()(x))
    print("gradcheck(detached):     ", minigan.gradcheck(detached, (x,)))
    print("gradgradcheck(Cube):     ", minigan.gradgradcheck(cube, (x,)))
    try:
        minigan.gradgradcheck(detached, (x,))
    except minigan.GradcheckError as exc:
        print("gradgradcheck(detached): GradcheckError:", exc)
    '''),
    md(r"""
    ## 5. Large inputs: checking along random directions

    The full check costs two forward passes per input element and one
    backward pass per output element. For a convolution with thousands of
    inputs that is far too slow. The random-direction mode (Chainer's idea)
    picks a random input direction $u$ and a random output weighting $v$ and
    compares one number:

    $$\underbrace{\frac{\langle v, f(x + \varepsilon u) - f(x - \varepsilon u)\rangle}{2\varepsilon}}_{\text{two forward passes}}
      \quad\text{vs.}\quad
      \underbrace{\langle \nabla_x \langle v, f(x)\rangle,\ u\rangle}_{\text{one backward pass}} .$$

    Both are $v^\top J u$. The cost does not grow with the size of $x$, and a
    wrong Jacobian passes only if the error happens to be orthogonal to the
    random directions, which has probability zero; `n_directions` draws
    (default 3) make it robust in floating point too.
    """),
    code(r'''
    import minigan.nn.functional as F

    n, c, hw, o = (2, 3, 6, 4) if SMALL else (4, 8, 16, 16)
    x = minigan.tensor(rng.standard_normal((n, c, hw, hw)), requires_grad=True)
    weight = minigan.tensor(rng.standard_normal((o, c, 3, 3)), requires_grad=True)
    print(f"conv2d inputs: {x.numel() + weight.numel()} elements")

    t0 = time.perf_counter()
    minigan.gradcheck(lambda x, w: F.conv2d(x, w, padding=1), (x, weight), mode="random")
    print(f"random mode: {time.perf_counter() - t0:.2f} s")

    small_x = minigan.tensor(rng.standard_normal((1, 2, 4, 4)), requires_grad=True)
    small_w = minigan.tensor(rng.standard_normal((2, 2, 3, 3)), requires_grad=True)
    t0 = time.perf_counter()
    minigan.gradcheck(lambda x, w: F.conv2d(x, w, padding=1), (small_x, small_w), mode="full")
    print(f"full mode on a {small_x.numel() + small_w.numel()}-element version: "
          f"{time.perf_counter() - t0:.2f} s")
    n_out = n * o * hw * hw
    print(f"full mode on the large one would need {2 * (x.numel() + weight.numel())} forward "
          f"passes and {n_out} backward passes")
    '''),
    md("The random mode catches the wrong cube just as well, on a large vector:"),
    code(r'''
    big = minigan.tensor(rng.standard_normal(2_000 if SMALL else 100_000), requires_grad=True)
    try:
        minigan.gradcheck(lambda x: BuggyCube()(x), (big,), mode="random")
    except minigan.GradcheckError as exc:
        print("GradcheckError:", exc)
    '''),
    md(r"""
    ## Exercise: a numerical gradient in NumPy

    Write `numeric_gradient(f, x, eps)`: the central-difference gradient of a
    scalar function `f` of a float64 array `x`, one element at a time,
    $g_k = \big(f(x + \varepsilon e_k) - f(x - \varepsilon e_k)\big) / 2\varepsilon$.
    The check compares it with `minigan`'s autograd.
    """),
    code(r'''
    def numeric_gradient(f, x, eps=1e-6):
        """Central-difference gradient of the scalar function f at x (float64 array)."""
        ### BEGIN SOLUTION
        grad = np.zeros_like(x)
        for k in range(x.size):
            step = np.zeros_like(x)
            step.flat[k] = eps
            grad.flat[k] = (f(x + step) - f(x - step)) / (2 * eps)
        return grad
        ### END SOLUTION
    '''),
    code(r'''
    point = rng.standard_normal((3, 4))
    numeric = numeric_gradient(lambda a: float(np.sum(np.tanh(a) * a ** 2)), point)
    t = minigan.tensor(point, requires_grad=True)
    (analytic,) = minigan.grad((minigan.tanh(t) * t ** 2).sum(), t)
    assert numeric.shape == point.shape
    np.testing.assert_allclose(numeric, np.asarray(analytic), rtol=1e-6, atol=1e-8)
    print("numeric_gradient agrees with autograd")
    '''),
    md(r"""
    ## Summary

    * Central differences have truncation error $O(\varepsilon^2)$ and
      rounding error $O(u/\varepsilon)$: check in float64, with
      $\varepsilon = 10^{-6}$.
    * Compare with $|a - n| \le \text{atol} + \text{rtol}\,|n|$.
    * `minigan.gradcheck` names the input, the element and both values.
    * `minigan.gradgradcheck` catches backward passes that detach what they
      use, which first-order checks cannot see.
    * `mode="random"` makes the check cost independent of the input size.
    """),
]


# ============================================================================ lesson 3
LESSON_3 = [
    md(r"""
    # Lesson 3: Layers by hand

    A GAN's networks are built from a handful of layers: linear,
    convolution, transposed convolution and batch norm. Here we write each
    one with a few `minigan` operations, compare it with the library
    (`minigan.nn` and `minigan.nn.functional`), and check its gradients.
    """),
    setup(ours=["import minigan.nn as nn", "import minigan.nn.functional as F",
                "from minigan.nn.normalization import batch_norm"]),
    md(r"""
    ## 1. The linear layer

    With inputs $x$ of shape $(N, \text{in})$, weight $W$ of shape
    $(\text{out}, \text{in})$ (PyTorch's layout) and bias $b$ of shape
    $(\text{out},)$:

    $$y = x W^\top + b .$$

    Given the upstream gradient $G = \partial L / \partial y$ of shape
    $(N, \text{out})$, the chain rule for a matrix product gives

    $$\frac{\partial L}{\partial W} = G^\top x, \qquad
      \frac{\partial L}{\partial b} = \sum_n G_{n,:}, \qquad
      \frac{\partial L}{\partial x} = G W .$$

    (Check the shapes: each gradient has the shape of the thing it is the
    gradient of.)
    """),
    code(r'''
    layer = nn.Linear(4, 3)
    x = minigan.randn(5, 4, requires_grad=True)

    y_hand = x @ layer.weight.T + layer.bias
    y = layer(x)
    np.testing.assert_allclose(np.asarray(y_hand), np.asarray(y), rtol=1e-6)
    print("forward matches nn.Linear:", tuple(y.shape))

    loss = (y ** 2).sum()            # so G = 2 y
    loss.backward()
    G = 2 * np.asarray(y.detach())
    np.testing.assert_allclose(np.asarray(layer.weight.grad), G.T @ np.asarray(x.detach()), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(layer.bias.grad), G.sum(axis=0), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(x.grad), G @ np.asarray(layer.weight.detach()), rtol=1e-5)
    print("gradients match G^T x, sum_n G and G W")
    '''),
    md(r"""
    ## 2. Convolution is a matrix product in disguise (im2col)

    A 2-D convolution layer (strictly, a cross-correlation) with weight $W$
    of shape $(O, C, k_h, k_w)$, stride $s$ and padding $p$ computes

    $$y[n, o, i, j] = \sum_{c, u, v} W[o, c, u, v]\;
      x_{\text{pad}}[n, c,\ i s + u,\ j s + v],$$

    with output size $\lfloor (H + 2p - k_h)/s \rfloor + 1$ (PyTorch's rule).
    Gathering every receptive field into a column first, `im2col`,

    $$\text{cols}[n, c, u, v, i, j] = x_{\text{pad}}[n, c,\ i s + u,\ j s + v],$$

    turns the sum over $(c, u, v)$ into **one** matrix product between $W$
    flattened to $(O, C k_h k_w)$ and the columns flattened to
    $(C k_h k_w, OH \cdot OW)$. Fast matrix-multiply routines do the work. The
    price is memory: every pixel is copied into up to $k_h k_w$ columns.

    `minigan`'s own convolution is the reference file to read alongside this
    lesson: `minigan/ops/conv.py` holds `im2col` and `col2im` in this one
    layout, (N, C, kh, kw, OH, OW), and `conv2d` and `conv_transpose2d`
    written as each other's backward.
    """),
    code(r'''
    x = minigan.randn(2, 3, 8, 8)
    for stride, padding in ((1, 0), (1, 1), (2, 1)):
        cols = minigan.im2col(x, (3, 3), stride=stride, padding=padding)
        print(f"x {tuple(x.shape)}, kernel 3x3, stride {stride}, padding {padding}"
              f" -> cols {tuple(cols.shape)}  (N, C, kh, kw, OH, OW)")
    '''),
    md(r"""
    **Exercise.** Write `conv2d_by_hand(x, W, stride, padding)` with
    `minigan.im2col`, one `reshape` of the columns, one matrix product and a
    final `reshape`. The next cell compares it with `F.conv2d`.
    """),
    code(r'''
    def conv2d_by_hand(x, W, stride=1, padding=0):
        """y = conv2d(x, W) via im2col and one GEMM. x (N, C, H, W), W (O, C, kh, kw)."""
        n = x.shape[0]
        o, c, kh, kw = W.shape
        ### BEGIN SOLUTION
        cols = minigan.im2col(x, (kh, kw), stride=stride, padding=padding)  # (N, C, kh, kw, OH, OW)
        oh, ow = cols.shape[4], cols.shape[5]
        y = W.reshape(o, c * kh * kw) @ cols.reshape(n, c * kh * kw, oh * ow)  # (N, O, OH*OW)
        return y.reshape(n, o, oh, ow)
        ### END SOLUTION
    '''),
    code(r'''
    W = minigan.randn(4, 3, 3, 3)
    for stride, padding in ((1, 0), (1, 1), (2, 1)):
        ours = conv2d_by_hand(x, W, stride, padding)
        theirs = F.conv2d(x, W, stride=stride, padding=padding)
        assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
        np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-4, atol=1e-5)
    print("conv2d_by_hand matches F.conv2d, output", tuple(theirs.shape))
    '''),
    md(r"""
    ## 3. Transposed convolution is the adjoint

    For a fixed $W$, convolution is a linear map $x \mapsto A x$. Its
    *adjoint* (transpose) $A^\top$ is defined by

    $$\langle A x, y \rangle = \langle x, A^\top y \rangle \quad\text{for all } x, y .$$

    Two facts follow. First, the backward pass of a convolution with respect
    to its input is $\partial L / \partial x = A^\top G$: multiply by the
    transposed kernel, then `col2im`, the adjoint of `im2col`, scatters the
    columns back, *adding* where receptive fields overlap. Second, $A^\top$
    maps a small $(OH, OW)$ image to a large $(H, W)$ one: that is the
    *transposed convolution* a DCGAN generator uses to upsample. In
    `minigan`, `F.conv_transpose2d` is exactly this adjoint; its weight is
    $(C_{\text{in}}, C_{\text{out}}, k_h, k_w)$, so the same tensor $W$ serves both.
    In `minigan/ops/conv.py` the pair is each other's backward: the input
    gradient of `conv2d` is a `conv_transpose2d`, and that of
    `conv_transpose2d` is a `conv2d`.

    We check the identity numerically for stride 2, padding 1, a $4\times 4$
    kernel (the DCGAN upsampling block: $8\times 8 \to 4\times 4$ and back).
    """),
    code(r'''
    x = minigan.tensor(rng.standard_normal((2, 3, 8, 8)))
    W = minigan.tensor(rng.standard_normal((5, 3, 4, 4)))
    y = minigan.tensor(rng.standard_normal((2, 5, 4, 4)))

    Ax = F.conv2d(x, W, stride=2, padding=1)
    ATy = F.conv_transpose2d(y, W, stride=2, padding=1)
    print("A x:", tuple(Ax.shape), "  A^T y:", tuple(ATy.shape))
    lhs, rhs = float((Ax * y).sum()), float((x * ATy).sum())
    print(f"<A x, y> = {lhs:.10f}\n<x, A^T y> = {rhs:.10f}")
    assert abs(lhs - rhs) < 1e-9 * max(1.0, abs(lhs))
    '''),
    md(r"""
    The same adjoint is what autograd returns as the vector-Jacobian product
    of `conv2d` with respect to its input, and `col2im` is the adjoint of
    `im2col`:
    """),
    code(r'''
    xg = x.detach().requires_grad_()
    (vjp,) = minigan.grad(F.conv2d(xg, W, stride=2, padding=1), xg, grad_outputs=y)
    np.testing.assert_allclose(np.asarray(vjp), np.asarray(ATy), rtol=1e-10, atol=1e-12)
    print("grad of conv2d w.r.t. x == conv_transpose2d")

    cols = minigan.tensor(rng.standard_normal(minigan.im2col(x, (3, 3), 2, 1).shape))
    lhs = float((minigan.im2col(x, (3, 3), 2, 1) * cols).sum())
    rhs = float((x * minigan.col2im(cols, x.shape, (3, 3), 2, 1)).sum())
    print(f"<im2col(x), c> = {lhs:.10f},  <x, col2im(c)> = {rhs:.10f}")

    up = nn.ConvTranspose2d(16, 8, kernel_size=4, stride=2, padding=1)
    print("ConvTranspose2d(16, 8, 4, 2, 1) upsamples", (1, 16, 7, 7), "->",
          tuple(up(minigan.randn(1, 16, 7, 7)).shape))
    '''),
    md(r"""
    ## 4. Batch normalisation

    For an input of shape $(N, C, H, W)$, batch norm (Ioffe & Szegedy, 2015)
    standardises every channel with the statistics of the current batch,
    taken over the $m = N H W$ values of that channel,

    $$\mu_c = \frac1m \sum x_{\cdot c \cdot\cdot}, \qquad
      \sigma^2_c = \frac1m \sum (x_{\cdot c \cdot\cdot} - \mu_c)^2, \qquad
      y = \gamma_c \frac{x - \mu_c}{\sqrt{\sigma_c^2 + \varepsilon}} + \beta_c ,$$

    (the *biased* variance), and keeps running averages for evaluation:
    $\hat\mu \leftarrow (1 - 0.1)\,\hat\mu + 0.1\,\mu$ and the same for the
    variance, except that the running variance uses the *unbiased* estimate
    $\sigma^2 \cdot m / (m - 1)$, as in PyTorch. In evaluation mode the running
    statistics replace the batch statistics.
    """),
    code(r'''
    def batch_norm_by_hand(x, gamma, beta, eps=1e-5):
        mean = x.mean(axis=(0, 2, 3), keepdims=True)
        var = ((x - mean) ** 2).mean(axis=(0, 2, 3), keepdims=True)
        return (x - mean) / minigan.sqrt(var + eps) * gamma.reshape(1, -1, 1, 1) + beta.reshape(1, -1, 1, 1)


    bn = nn.BatchNorm2d(3)
    with minigan.no_grad():
        bn.weight.copy_(minigan.tensor([1.0, 2.0, 0.5]))
        bn.bias.copy_(minigan.tensor([0.0, -1.0, 3.0]))
    x = minigan.randn(4, 3, 5, 5) * 2.0 + 1.0

    ours = batch_norm_by_hand(x, bn.weight, bn.bias)
    np.testing.assert_allclose(np.asarray(ours.detach()), np.asarray(bn(x).detach()), rtol=1e-4, atol=1e-5)
    print("training-mode output matches nn.BatchNorm2d")

    m = 4 * 5 * 5
    expected_mean = 0.1 * np.asarray(x).mean(axis=(0, 2, 3))
    expected_var = 0.9 + 0.1 * np.asarray(x).var(axis=(0, 2, 3)) * m / (m - 1)
    np.testing.assert_allclose(np.asarray(bn.running_mean), expected_mean, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(np.asarray(bn.running_var), expected_var, rtol=1e-4)
    print("running_mean", np.asarray(bn.running_mean), " running_var", np.asarray(bn.running_var))

    bn.eval()
    y_eval = bn(x)
    by_hand = ((np.asarray(x) - np.asarray(bn.running_mean).reshape(1, 3, 1, 1))
               / np.sqrt(np.asarray(bn.running_var).reshape(1, 3, 1, 1) + 1e-5)
               * np.array([1.0, 2.0, 0.5]).reshape(1, 3, 1, 1) + np.array([0.0, -1.0, 3.0]).reshape(1, 3, 1, 1))
    np.testing.assert_allclose(np.asarray(y_eval.detach()), by_hand, rtol=1e-4, atol=1e-5)
    print("evaluation mode uses the running statistics")
    '''),
    md(r"""
    In training mode every output of a channel depends on **every** input of
    that channel, through $\mu_c$ and $\sigma_c$: the samples of a batch are
    coupled. This is why a GAN discriminator with batch norm sees a batch of
    fakes differently from a single fake, and why WGAN-GP recommends layer
    norm in the critic. The gradient of sample 0's output with respect to
    sample 1's input shows it:
    """),
    code(r'''
    x = minigan.randn(4, 3, 5, 5, requires_grad=True)
    bn = nn.BatchNorm2d(3)
    for mode in ("train", "eval"):
        getattr(bn, mode)()
        (g,) = minigan.grad(bn(x)[0].sum(), x)
        print(f"{mode:5s} mode: |d out[0] / d x[1]| = {float(np.abs(np.asarray(g)[1]).sum()):.2e}")
    '''),
    md(r"""
    ## 5. Gradient checks for all of them

    Each layer above is a composition of `minigan` operations, so it needs no
    backward of its own, and it is twice differentiable. We check both orders
    in float64 (random directions for the convolutions). The second
    derivative of batch norm is the one DeZero got wrong: its cached-array
    backward dropped the terms coming through $\mu$ and $\sigma$.
    """),
    code(r'''
    def f64(*shape):
        return minigan.tensor(rng.standard_normal(shape), requires_grad=True)


    n = 2 if SMALL else 4
    hw = 5 if SMALL else 8
    checks = {
        "linear": (F.linear, (f64(n, 4), f64(3, 4), f64(3))),
        "conv2d": (lambda x, w: F.conv2d(x, w, stride=2, padding=1), (f64(n, 3, hw, hw), f64(4, 3, 3, 3))),
        "conv_transpose2d": (lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1),
                             (f64(n, 4, hw, hw), f64(4, 3, 4, 4))),
        "batch_norm": (lambda x, g, b: batch_norm(x, None, None, g, b, training=True),
                       (f64(n + 1, 2, 3, 3), f64(2), f64(2))),
    }
    for name, (fn, inputs) in checks.items():
        mode = "random" if name.startswith("conv") else "auto"
        first = minigan.gradcheck(fn, inputs, mode=mode)
        second = minigan.gradgradcheck(fn, inputs, mode=mode)
        print(f"{name:17s} gradcheck {first}   gradgradcheck {second}")
    '''),
    md(r"""
    ## Summary

    * Linear: $y = xW^\top + b$; gradients $G^\top x$, $\sum_n G$, $G W$.
    * Convolution = `im2col` + one matrix product; its input gradient is the
      transposed convolution, built on `col2im`, the adjoint of `im2col`
      (the reference code: `minigan/ops/conv.py`).
    * Transposed convolution upsamples, and is checked through the identity
      $\langle Ax, y\rangle = \langle x, A^\top y\rangle$.
    * Batch norm couples the samples of a batch in training mode and uses
      running statistics in evaluation mode.
    * Compositions of differentiable operations pass `gradcheck` and
      `gradgradcheck` with no extra code.
    """),
]

LESSONS = {
    "01_autograd.ipynb": LESSON_1,
    "02_gradcheck.ipynb": LESSON_2,
    "03_layers.ipynb": LESSON_3,
}


def notebook(name, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    stem = name.split(".")[0]
    for k, (kind, source) in enumerate(cells):
        cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else \
            nbformat.v4.new_code_cell(source)
        cell.id = f"{stem}-{k:02d}"
        nb.cells.append(cell)
    tag(nb)  # nbgrader's metadata on the exercise cells
    nbformat.validate(nb)
    return nb


def main(argv=None):
    names = (argv if argv else None) or list(LESSONS)
    for name in names:
        nbformat.write(notebook(name, LESSONS[name]), HERE / name)
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main(sys.argv[1:])
