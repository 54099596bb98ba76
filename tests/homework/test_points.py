"""Points follow the task: for each bundled exercise, the typical mistake
that misses the point of the task (the naive overflowing loss, Adam without
bias correction, ...) scores little, graded with the instructor's tests."""
from __future__ import annotations

import textwrap

import pytest

from minigan.homework import EXERCISES, build, grade

# task -> (the body a student might write instead of the solution, the most it may score of 10)
MISTAKES = {
    "nonsaturating_loss": ("""\
        # the textbook formula, which overflows: exp(1000) = inf
        return -minigan.log(minigan.sigmoid(fake_logits)).mean()
        """, 2.0),
    "adam_step": ("""\
        # no bias correction
        g = grad + weight_decay * param
        m = beta1 * exp_avg + (1 - beta1) * g
        v = beta2 * exp_avg_sq + (1 - beta2) * g * g
        return param - lr * m / (np.sqrt(v) + eps), m, v
        """, 1.0),
    "batchnorm_backward": ("""\
        # treats the batch statistics as constants: drops the paths through mu and var
        mu = x.mean(axis=axes, keepdims=True)
        sigma = np.sqrt(((x - mu) ** 2).mean(axis=axes, keepdims=True) + eps)
        x_hat = (x - mu) / sigma
        grad_x = _per_channel(gamma, x) / sigma * grad_out
        return grad_x, (grad_out * x_hat).sum(axis=axes), grad_out.sum(axis=axes)
        """, 0.0),
    "conv2d_backward": ("""\
        # grad_W right, but grad_x scattered without adding the overlaps
        cols = im2col(x, kh, kw, stride, padding)
        grad_W = np.tensordot(grad_out, cols, axes=([0, 2, 3], [0, 4, 5]))
        grad_cols = np.tensordot(W, grad_out, axes=([0], [1])).transpose(3, 0, 1, 2, 4, 5)
        grad_x = np.zeros_like(x)
        oh, ow = grad_out.shape[2:]
        for i in range(kh):
            for j in range(kw):
                xp = np.zeros((x.shape[0], x.shape[1], x.shape[2] + 2 * padding,
                               x.shape[3] + 2 * padding), x.dtype)
                xp[:, :, i:i + stride * (oh - 1) + 1:stride,
                   j:j + stride * (ow - 1) + 1:stride] = grad_cols[:, :, i, j]
                grad_x = xp[:, :, padding:padding + x.shape[2], padding:padding + x.shape[3]]
        return grad_x, grad_W
        """, 1.0),
    "gradient_penalty": ("""\
        # forgets create_graph=True: the penalty no longer trains the critic
        x_hat = (alpha * real.detach() + (1.0 - alpha) * fake.detach()).detach().requires_grad_()
        (g,) = minigan.grad(critic(x_hat).sum(), x_hat)
        norms = minigan.sqrt((g * g).reshape(g.shape[0], -1).sum(axis=1) + eps)
        return ((norms - 1.0) ** 2).mean() * weight
        """, 2.0),
    "power_iteration": ("""\
        # never normalises u and v
        for _ in range(n_power_iterations):
            v = W.T @ u
            u = W @ v
        return float(u @ W @ v), u, v
        """, 0.0),
}


@pytest.fixture(scope="module")
def mistaken(tmp_path_factory):
    """The student version with each task's solution replaced by its mistake."""
    dest = tmp_path_factory.mktemp("mistakes") / "sub"
    build(EXERCISES, dest)
    for task, (body, _) in MISTAKES.items():
        path = dest / f"{task}.py"
        lines = path.read_text().splitlines(keepends=True)
        (k,) = [i for i, ln in enumerate(lines) if "raise NotImplementedError" in ln]
        indent = lines[k][:len(lines[k]) - len(lines[k].lstrip())]
        lines[k] = textwrap.indent(textwrap.dedent(body), indent)
        path.write_text("".join(lines))
    return grade(dest, assignment=EXERCISES, verbose=False)


@pytest.mark.parametrize("task", sorted(MISTAKES))
def test_the_typical_mistake_scores_little(mistaken, task):
    t = mistaken["tasks"][task]
    assert t["max_points"] == 10.0
    assert t["points"] <= MISTAKES[task][1], (task, t["points"], t["failures"])
    # and it did run: the failures are wrong numbers, not import errors
    assert not any("NotImplementedError" in f["message"] or "importing" in f["message"]
                   for f in t["failures"]), t["failures"]
