"""Assignment 1: the backward engine's topological walk (task 1.1).

minigan/autograd/engine.py: ``topological_order(roots)`` lists the op
nodes reachable from ``roots`` so that each comes after every node that
consumes its outputs; ``run_backward`` then runs the chain rule in that
order. These tests use only +, - and negation, whose backwards are given.
"""
import numpy as np
import pytest

from minigan.homework.harness import student

lib = student("minigan", instance="1")


def _diamond(mg):
    """x feeds a and b; a feeds b and y: gradients must be summed before use."""
    import numpy as np
    x = mg.tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    a = x + x          # 2x
    b = a - x          # x
    c = a + b          # 3x
    y = c + a - (-b)   # 6x
    y.backward(mg.tensor(np.ones(3)))
    return x.grad.detach().numpy()


def _order(mg):
    """Positions of each node in topological_order, for a graph with shared nodes."""
    import numpy as np
    from minigan.autograd.engine import topological_order
    x = mg.tensor(np.ones(2), requires_grad=True)
    t = {}
    t["a"] = x + x
    t["b"] = t["a"] - x
    t["c"] = t["a"] + t["b"]
    t["d"] = -t["c"]
    t["y"] = t["d"] + t["b"]
    order = topological_order([t["y"].grad_fn])
    ids = [id(fn) for fn in order]
    return {k: (ids.index(id(v.grad_fn)) if id(v.grad_fn) in ids else -1) for k, v in t.items()}, \
        len(order), len(set(ids))


def _deep_chain(mg, n):
    """y = x + x + ... + x, n + 1 times, one node deeper each time."""
    import numpy as np
    x = mg.tensor(np.array([0.5, 1.5]), requires_grad=True)
    y = x
    for _ in range(n):
        y = y + x
    y.backward(mg.tensor(np.ones(2)))
    return x.grad.detach().numpy()


def _two_roots(mg):
    """backward from two outputs at once: the walk starts from several roots."""
    import numpy as np
    x = mg.tensor(np.array([2.0]), requires_grad=True)
    a = x + x
    y1, y2 = a + x, a - x
    mg.autograd.backward([y1, y2], [mg.tensor(np.ones(1)), mg.tensor(np.ones(1))])
    return x.grad.detach().numpy()


@pytest.mark.task("1.1", points=3)
def test_shared_nodes_get_the_sum_of_their_gradients():
    np.testing.assert_allclose(lib.run(_diamond), [6.0, 6.0, 6.0])


@pytest.mark.task("1.1", points=2)
def test_every_consumer_comes_before_its_producer():
    pos, length, distinct = lib.run(_order)
    assert length == distinct == 5, f"expected the 5 op nodes once each, got {length} " \
                                    f"entries for {distinct} nodes"
    assert min(pos.values()) >= 0, f"a node is missing from the order: {pos}"
    edges = [("y", "d"), ("y", "b"), ("d", "c"), ("c", "a"), ("c", "b"), ("b", "a")]
    for consumer, producer in edges:
        assert pos[consumer] < pos[producer], (
            f"{consumer} consumes {producer}'s output, so it must come first: positions {pos}")


@pytest.mark.task("1.1", points=1)
def test_several_roots():
    np.testing.assert_allclose(lib.run(_two_roots), [4.0])


@pytest.mark.task("1.1", points=2)
def test_a_deep_graph_needs_no_recursion():
    """5,000 nodes deep: a recursive walk overflows Python's stack (limit 1,000)."""
    np.testing.assert_allclose(lib.run(_deep_chain, 5000), [5001.0, 5001.0])
