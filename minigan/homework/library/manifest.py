"""The build-your-own-minigan track: which parts of the reference path a
student writes, assignment by assignment.

Each entry names one function or method of the library by its file and
qualified name; ``minigan homework build --library OUT`` copies the package
and replaces each named body (after its docstring, leading imports and
argument checks) by ``raise NotImplementedError("Task <id>: <hint>")``. The
reference source carries no markers: this table is the only place that says
what is an exercise. A name that no longer exists is a build error (the
track must follow renames in the library), so the table names public,
documented functions and op classes wherever it can.

Tasks are graded by the tests in ``course/tests/test_<n>_*.py`` (marked
``@pytest.mark.task("<id>", points=...)``); a task's tests use only what
that task and the tasks before it implement, so a student working in order
can pass them one by one. Assignment 8 has no stub: the course's DCGAN,
trained on the student's engine.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stub:
    """One body to replace: ``qualname`` in ``module`` (a path under the
    repository root), part of task ``task``; ``hint`` ends up in the
    ``NotImplementedError`` the student sees."""
    task: str
    module: str
    qualname: str
    hint: str


#: assignment number -> its title (the test file is tests/test_<n>_<slug>.py)
ASSIGNMENTS = {
    1: "The backward engine: the topological walk",
    2: "Elementwise and reduction backwards, written with ops (twice differentiable)",
    3: "Matrix product, Linear and Adam",
    4: "Convolution by im2col, and its adjoint, the transposed convolution",
    5: "Batch normalisation, second derivative included",
    6: "The non-saturating GAN loss and the WGAN-GP gradient penalty",
    7: "Spectral normalisation's power iteration, and self-attention",
    8: "Capstone: the course's DCGAN on your own engine (no stub; uses everything)",
}

#: task id -> what it asks, one line (the grader's rows)
TASKS = {
    "1.1": "topological_order: every node after all the nodes that consume it, iteratively",
    "2.1": "product and quotient rules, with broadcasting (MulFn, DivFn)",
    "2.2": "x^c, e^x, ln x and sqrt x (PowConstFn, ExpFn, LogFn, SqrtFn)",
    "2.3": "tanh and sigmoid from their outputs (TanhFn, SigmoidFn)",
    "2.4": "the sum reduction (SumFn)",
    "3.1": "matmul's backward, batched and broadcast (MatMulFn)",
    "3.2": "x W^T + b as one node (LinearFn)",
    "3.3": "Adam's update (Adam._update)",
    "4.1": "im2col and col2im on arrays (its adjoint)",
    "4.2": "conv2d: forward as a matrix product, backward with the adjoint",
    "4.3": "conv_transpose2d: forward by col2im, backward with conv2d",
    "5.1": "batch norm's backward, recomputing the statistics from x (BatchNormFn)",
    "6.1": "cross-entropy on logits and the non-saturating generator loss",
    "6.2": "the WGAN-GP gradient penalty through grad(create_graph=True)",
    "7.1": "spectral norm: power iteration and W / sigma(W) (SpectralNorm.compute_weight)",
    "7.2": "SAGAN's self-attention block (SelfAttention.forward)",
    "8.1": "the course's DCGAN trains on your engine (fast layer off)",
}

STUBS = (
    Stub("1.1", "minigan/autograd/engine.py", "topological_order",
         "return the op nodes reachable from roots, each after every node that consumes its "
         "outputs (roots first); use an explicit stack, not recursion, and visit each node once"),
    Stub("2.1", "minigan/ops/arithmetic.py", "MulFn.backward",
         "da = g * b, db = g * a, each summed back to its input's shape (_unbroadcast); "
         "write them with ops so they are differentiable again"),
    Stub("2.1", "minigan/ops/arithmetic.py", "DivFn.backward",
         "da = g / b, db = -g * a / b^2, each summed back to its input's shape (_unbroadcast)"),
    Stub("2.2", "minigan/ops/arithmetic.py", "PowConstFn.backward",
         "dx = g * c * x^(c - 1) (with ops: pow(x, c - 1)); c == 0 gives zeros"),
    Stub("2.2", "minigan/ops/elementwise.py", "ExpFn.backward",
         "dx = g * y: reuse the output, self.output(0)"),
    Stub("2.2", "minigan/ops/elementwise.py", "LogFn.backward", "dx = g / x"),
    Stub("2.2", "minigan/ops/elementwise.py", "SqrtFn.backward",
         "dx = g / (2 y), with y = self.output(0)"),
    Stub("2.3", "minigan/ops/activation.py", "TanhFn.backward",
         "dx = g * (1 - y^2), with y = self.output(0)"),
    Stub("2.3", "minigan/ops/activation.py", "SigmoidFn.backward",
         "dx = g * y * (1 - y), with y = self.output(0)"),
    Stub("2.4", "minigan/ops/reduce.py", "SumFn.backward",
         "dx = g broadcast back to x's shape (reshape g to keep the summed axes as 1s, "
         "then broadcast_to)"),
    Stub("3.1", "minigan/ops/linalg.py", "MatMulFn.backward",
         "da = g @ b^T, db = a^T @ g (swapaxes of the last two axes), each summed back over "
         "broadcast batch axes with sum_to; None where needs_input_grad is False"),
    Stub("3.2", "minigan/ops/linalg.py", "LinearFn.backward",
         "with g as (M, out) and x as (M, in): dx = g W, dW = g^T x, db = sum of g's rows; "
         "one gradient per input (2 without a bias, 3 with)"),
    Stub("3.3", "minigan/optim/adam.py", "Adam._update",
         "the class docstring's update of p (use p.copy_): weight decay, m_t, v_t, amsgrad, "
         "bias corrections, eps added after the corrected square root"),
    Stub("4.1", "minigan/ops/conv.py", "_im2col_array",
         "cols[n, c, i, j, a, b] = x_pad[n, c, a s + i d, b s + j d]: pad, then one strided "
         "slice per kernel tap (_taps)"),
    Stub("4.1", "minigan/ops/conv.py", "_col2im_array",
         "the adjoint of im2col: scatter-add each tap's slice back onto a zero padded image, "
         "then crop the padding"),
    Stub("4.2", "minigan/ops/conv.py", "Conv2dFn.forward",
         "columns by _im2col_array, then W (O, C kh kw) @ cols (N, C kh kw, OH OW)"),
    Stub("4.2", "minigan/ops/conv.py", "Conv2dFn.backward",
         "dx = conv_transpose2d(g, W) (output_padding: the rows no window reached), "
         "dW = sum_n g[n] @ im2col(x)[n]^T"),
    Stub("4.3", "minigan/ops/conv.py", "ConvTranspose2dFn.forward",
         "cols = W (C_in, C_out kh kw)^T @ x (N, C_in, H W), then _col2im_array to the output "
         "size (_transposed_size)"),
    Stub("4.3", "minigan/ops/conv.py", "ConvTranspose2dFn.backward",
         "dx = conv2d(g, W), dW = sum_n x[n] @ im2col(g)[n]^T"),
    Stub("5.1", "minigan/ops/normalization.py", "BatchNormFn.backward",
         "recompute mean and invstd from the input Tensor with ops (not forward's arrays), "
         "then db = sum g, dw = sum g xhat, dx = w invstd (g - db/m - xhat dw/m); with fixed "
         "statistics (self.stats) dx = w invstd g"),
    Stub("6.1", "minigan/gan/losses.py", "bce_with_logits",
         "-[t log sigma(l) + (1 - t) log(1 - sigma(l))], averaged, written with softplus: "
         "log sigma(l) = -softplus(-l)"),
    Stub("6.1", "minigan/gan/losses.py", "generator_loss_nonsaturating",
         "-log D(G(z)) on logits: mean softplus(-l)"),
    Stub("6.2", "minigan/gan/penalties.py", "_gradient_norm_penalty",
         "g = grad(D(x_hat).sum(), x_hat, create_graph=True); norms = sqrt(sum g^2 per sample "
         "+ eps); return (weight * mean (norms - 1)^2, the mean norm)"),
    Stub("6.2", "minigan/gan/penalties.py", "gradient_penalty",
         "x_hat = a real + (1 - a) fake with a ~ U[0, 1] per sample (uniform_array), both "
         "detached, then _gradient_norm_penalty"),
    Stub("7.1", "minigan/nn/spectral_norm.py", "SpectralNorm.compute_weight",
         "if do_power_iteration, under no_grad: v <- W^T u / ||W^T u||, u <- W v / ||W v|| "
         "(copy_ into the buffers); sigma = u^T W v with u, v as constants; return weight / sigma"),
    Stub("7.2", "minigan/nn/attention.py", "SelfAttention.forward",
         "f, g, h = query, key, value of x as (B, C, N); beta = softmax(f^T g) over the last "
         "axis; o = h beta^T (then self.output if any); y = gamma o + x; return (y, beta) if "
         "return_attention"),
)
