"""Pieces of split, chunk and unbind are views that PyTorch will not let an in-place op
change while a graph is recorded ("Output k of Split is a view ... returns multiple
views"): one piece's new node cannot be routed back into the base and its siblings.
Outside a graph (no tensor requires grad, or under no_grad) the write goes through."""
import numpy as np
import pytest

import minigan as mg


def _leafy():
    return mg.zeros(4, requires_grad=True).clone()  # a non-leaf that requires grad


@pytest.mark.parametrize("make, index, op", [
    (lambda x: x.split(2), 0, "Split"),
    (lambda x: x.chunk(2), 1, "Split"),
    (lambda x: x.view(2, 2).unbind(), 1, "Unbind"),
    (lambda x: mg.split(x, [1, 3]), 1, "Split"),
])
def test_in_place_on_a_piece_while_recording_raises_naming_the_piece(make, index, op):
    x = _leafy()
    piece = make(x)[index]
    with pytest.raises(RuntimeError, match=f"Output {index} of {op} is a view"):
        piece.add_(1.0)
    with pytest.raises(RuntimeError, match="multiple views"):
        piece[0:1].mul_(2.0)  # a view of a piece is such a view too
    assert np.array_equal(x.detach().numpy(), np.zeros(4, np.float32))  # nothing was written


def test_a_piece_that_would_start_requiring_grad_raises():
    w = mg.ones(2, requires_grad=True)
    y = mg.zeros(4)
    with pytest.raises(RuntimeError, match="Output 0 of Split"):
        y.split(2)[0].add_(w)


def test_outside_a_graph_pieces_change_their_base():
    x = mg.zeros(4)
    a, _ = x.view(2, 2).unbind()
    a.add_(1.0)
    assert x.tolist() == [1.0, 1.0, 0.0, 0.0]
    p = _leafy()
    with mg.no_grad():
        p.split(2)[1].fill_(3.0)
    assert p.detach().tolist() == [0.0, 0.0, 3.0, 3.0]


def test_out_of_place_on_a_piece_keeps_working_and_differentiates():
    x = mg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    a, b = x.split(2)
    (a * 2 + b.exp()).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0, np.exp(3.0), np.exp(4.0)], rtol=1e-6)
