"""Write lessons 04-09 (the GAN lessons) as notebooks without outputs, from the
cell lists below.

    python lessons/_make_lessons_4_9.py                  # rewrites lessons/0[4-9]_*.ipynb
    python lessons/_make_lessons_4_9.py 06_wgan_mode_collapse.ipynb

Editing the notebooks in Jupyter is fine too; this script is where they were
first written, so that their text diffs well in review. Cell ids are fixed,
so running it twice gives identical files.

Every lesson reads ``MINIGAN_SMALL_LESSONS`` in its first cell: with ``MINIGAN_SMALL_LESSONS=1``
(what CI uses) sizes and step counts shrink so that each notebook runs in
well under a minute or two on two CPU cores; the story and the code stay the
same, only the pictures get rougher.
"""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import nbformat

from _nbgrader_cells import tag

HERE = Path(__file__).resolve().parent


def setup(stdlib=(), third_party=(), ours=()):
    """The first code cell of every lesson: imports, the small-mode switch, seeds.

    The small-mode switch comes before NumPy is imported: in small mode (CI,
    where many jobs share few cores) OpenBLAS gets one thread, because its
    threads busy-wait for each other on an oversubscribed machine and make
    the lessons' small matrix products up to tens of times slower."""
    stdlib_lines = "\n".join(["import os", *stdlib])
    later = [[*third_party, "import numpy as np"], ["import minigan", *ours]]
    imports = "\n\n".join("\n".join(g) for g in later)
    return ("code", stdlib_lines + "\n\n"
            "# CI runs every lesson with MINIGAN_SMALL_LESSONS=1: smaller sizes, same story; and one\n"
            "# BLAS thread, set before NumPy loads (CI machines run many jobs at once)\n"
            'SMALL = os.environ.get("MINIGAN_SMALL_LESSONS", "0") == "1"\n'
            "if SMALL:\n"
            '    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")\n\n'
            + imports + "\n\n"
            "minigan.manual_seed(0)\n"
            "rng = np.random.default_rng(0)")


def md(text):
    return ("markdown", textwrap.dedent(text).strip("\n"))


def code(text):
    return ("code", textwrap.dedent(text).strip("\n"))


# ============================================================================ lesson 4
LESSON_4 = [
    md(r"""
    # Lesson 4: The original GAN

    Goodfellow et al. (2014) train two networks against each other. A
    *generator* $G$ turns noise $z \sim p_z$ into samples $G(z)$; a
    *discriminator* $D$ looks at a point $x$ and outputs the probability
    $D(x)$ that it came from the data rather than from $G$. In this lesson we

    1. write down the game and derive the best discriminator for a fixed
       generator, $D^*(x) = p_{\text{data}}(x) / (p_{\text{data}}(x) + p_g(x))$;
    2. show that against $D^*$ the generator minimises the Jensen-Shannon
       divergence, and check both facts numerically in 1-D;
    3. write the training loop (the paper's Algorithm 1) by hand with
       `minigan` layers and optimizers, and watch the discriminator's surface
       and the force it exerts on the samples;
    4. compare the generator loss of the minimax game with the
       "non-saturating" one that everybody uses, and see why.
    """),
    setup(third_party=["import matplotlib.pyplot as plt", "from scipy.stats import norm"],
          ours=["from minigan import optim", "from minigan.gan import losses",
                "from minigan.gan.models import MLPDiscriminator, MLPGenerator"]),
    md(r"""
    ## 1. The game

    With $p_g$ the distribution of $G(z)$, the two players share one value
    function,

    $$V(D, G) = \mathbb{E}_{x \sim p_{\text{data}}}\big[\log D(x)\big]
              + \mathbb{E}_{z \sim p_z}\big[\log\big(1 - D(G(z))\big)\big],
    \qquad \min_G \max_D V(D, G).$$

    $D$ wants $\log D$ large on data and $\log(1-D)$ large on fakes: $V$ is
    the negative of its binary cross-entropy with labels 1 (real) and 0
    (fake). $G$ can only change the second term and wants it small.

    **Logits.** A `minigan` discriminator returns a logit $\ell$, and
    $D = \sigma(\ell)$ with the sigmoid $\sigma$. Since
    $\log\sigma(\ell) = -\operatorname{softplus}(-\ell)$ and
    $\log(1-\sigma(\ell)) = -\operatorname{softplus}(\ell)$, the
    discriminator's loss (to minimise) is

    $$L_D = \mathbb{E}_{\text{data}}\big[\operatorname{softplus}(-\ell(x))\big]
          + \mathbb{E}_{z}\big[\operatorname{softplus}(\ell(G(z)))\big],$$

    which stays finite with a finite gradient for any logit, whereas
    `log(sigmoid(l))` loses precision for very negative logits and becomes
    `log(0) = -inf` below about $\ell = -104$ in float32 (where
    $e^{\ell}$ underflows).

    ## 2. The best discriminator for a fixed generator

    Write both expectations as integrals over $x$ (the second one by
    changing variables from $z$ to $x = G(z)$):

    $$V(D, G) = \int \Big( p_{\text{data}}(x) \log D(x) + p_g(x) \log\big(1 - D(x)\big) \Big)\, dx .$$

    $D$ may choose its value at every $x$ separately, so we can maximise the
    integrand pointwise. With $a = p_{\text{data}}(x)$, $b = p_g(x)$ and
    $y = D(x) \in (0, 1)$ the integrand is $h(y) = a \log y + b \log(1 - y)$, and

    $$h'(y) = \frac{a}{y} - \frac{b}{1-y} = 0 \iff a(1-y) = b y \iff y = \frac{a}{a+b},
    \qquad h''(y) = -\frac{a}{y^2} - \frac{b}{(1-y)^2} < 0 .$$

    So $h$ is concave with its maximum at $a/(a+b)$ (if $a + b = 0$ the point
    does not matter):

    $$D^*_G(x) = \frac{p_{\text{data}}(x)}{p_{\text{data}}(x) + p_g(x)}, \qquad
      \ell^*(x) = \log\frac{D^*}{1 - D^*} = \log p_{\text{data}}(x) - \log p_g(x).$$

    The optimal *logit* is the log density ratio: a discriminator is a
    density-ratio estimator. Where $G$ already matches the data,
    $D^* = \tfrac12$ and $\ell^* = 0$.

    ## 3. The generator's objective is a Jensen-Shannon divergence

    Put $D^*$ back into $V$ and call the result $C(G) = V(D^*_G, G)$. With the
    mixture $m = \tfrac12 (p_{\text{data}} + p_g)$ we have
    $D^* = p_{\text{data}} / (2m)$ and $1 - D^* = p_g / (2m)$, so

    $$C(G) = \mathbb{E}_{p_{\text{data}}}\Big[\log \frac{p_{\text{data}}}{2m}\Big]
           + \mathbb{E}_{p_g}\Big[\log \frac{p_g}{2m}\Big]
           = -\log 4 + \operatorname{KL}(p_{\text{data}} \,\|\, m) + \operatorname{KL}(p_g \,\|\, m)
           = -\log 4 + 2\, \operatorname{JSD}(p_{\text{data}} \,\|\, p_g).$$

    (Each $\log\frac{p}{2m}$ splits into $\log\frac{p}{m} - \log 2$, and the two
    $-\log 2$ add up to $-\log 4$.) The Jensen-Shannon divergence is $\ge 0$
    and zero only when the two distributions are equal, so the generator's
    best response is $p_g = p_{\text{data}}$, where $C = -\log 4 \approx -1.386$
    and $D^* = \tfrac12$ everywhere.

    ## 4. Checking both results in 1-D

    Take a data density we can write down (two Gaussians) and a *fixed*
    "generator" density (one wide Gaussian). Train only the discriminator, for
    long enough, then compare its logit with $\log p_{\text{data}} - \log p_g$
    and its value $V$ with $-\log 4 + 2\,\mathrm{JSD}$, which we integrate
    numerically.
    """),
    code(r'''
    def p_data(x):
        return 0.5 * norm.pdf(x, -1.5, 0.5) + 0.5 * norm.pdf(x, 1.0, 0.7)


    def p_g(x):
        return norm.pdf(x, 0.0, 1.2)


    def sample_data_1d(n):
        first = rng.random(n) < 0.5
        return np.where(first, rng.normal(-1.5, 0.5, n), rng.normal(1.0, 0.7, n)).astype(np.float32)


    def sample_g_1d(n):
        return rng.normal(0.0, 1.2, n).astype(np.float32)


    D1 = MLPDiscriminator(1, hidden=(64, 64))
    opt_D1 = optim.Adam(D1.parameters(), lr=2e-3)
    steps_1d = 300 if SMALL else 1500
    for step in range(steps_1d):
        real = minigan.tensor(sample_data_1d(256)[:, None])
        fake = minigan.tensor(sample_g_1d(256)[:, None])
        loss = minigan.softplus(-D1(real)).mean() + minigan.softplus(D1(fake)).mean()
        opt_D1.zero_grad()
        loss.backward()
        opt_D1.step()
    print(f"discriminator trained for {steps_1d} steps, last loss {loss.item():.4f}")
    '''),
    code(r'''
    xs = np.linspace(-4, 4, 401).astype(np.float32)
    with minigan.no_grad():
        logit = D1(minigan.tensor(xs[:, None])).numpy().ravel()
    ratio = np.log(p_data(xs)) - np.log(p_g(xs))

    fig, axes = plt.subplots(1, 3, figsize=(14, 3.6))
    axes[0].plot(xs, p_data(xs), label=r"$p_{data}$")
    axes[0].plot(xs, p_g(xs), label=r"$p_g$ (fixed)")
    axes[0].set_title("the two densities")
    axes[1].plot(xs, p_data(xs) / (p_data(xs) + p_g(xs)), "k--", label=r"$D^*$ (formula)")
    axes[1].plot(xs, 1 / (1 + np.exp(-logit)), label=r"trained $D = \sigma(\ell)$")
    axes[1].set_title("discriminator output")
    axes[2].plot(xs, ratio, "k--", label=r"$\log p_{data} - \log p_g$")
    axes[2].plot(xs, logit, label=r"trained logit $\ell$")
    axes[2].set_ylim(-8, 4)
    axes[2].set_title("discriminator logit")
    for ax in axes:
        ax.legend(fontsize="small")
        ax.set_xlabel("x")
    fig.tight_layout()
    plt.show()
    '''),
    md(r"""
    Where both densities have mass the trained discriminator follows the
    formula closely. In the tails, where neither distribution puts samples,
    the network has nothing to learn from and extrapolates: $D^*$ is only
    determined where the data and the generator live.

    Now the value of the game. For the trained $D$ we estimate $V$ from fresh
    samples; for $D^*$ we integrate $-\log 4 + 2\,\mathrm{JSD}$ on a fine grid.
    """),
    code(r'''
    grid = np.linspace(-10, 10, 20_001)
    pd, pg = p_data(grid), p_g(grid)
    m = 0.5 * (pd + pg)
    jsd = 0.5 * np.trapezoid(pd * np.log(pd / m), grid) + 0.5 * np.trapezoid(pg * np.log(pg / m), grid)

    n_eval = 20_000 if SMALL else 200_000
    with minigan.no_grad():
        real = minigan.tensor(sample_data_1d(n_eval)[:, None])
        fake = minigan.tensor(sample_g_1d(n_eval)[:, None])
        value = -(minigan.softplus(-D1(real)).mean() + minigan.softplus(D1(fake)).mean()).item()
    print(f"JSD(p_data || p_g)        = {jsd:.4f}  (between 0 and log 2 = {np.log(2):.4f})")
    print(f"-log 4 + 2 JSD            = {-np.log(4) + 2 * jsd:.4f}")
    print(f"V(trained D, G), sampled  = {value:.4f}")
    '''),
    md(r"""
    The trained discriminator's value is close to the theoretical maximum,
    which no discriminator can exceed (up to the sampling noise of our
    estimate, a few thousandths). So when $D$ is trained
    to optimality, the generator's loss *is* the Jensen-Shannon divergence,
    up to a constant; in practice $D$ is trained for only a few steps
    between generator updates, and this is only roughly true.

    ## 5. Algorithm 1, written out

    The paper trains by alternating stochastic gradient steps:

    > **for** each training iteration:
    > &nbsp;&nbsp;**for** $k$ steps: draw $m$ noise vectors $z_i$ and $m$ data points $x_i$;
    > &nbsp;&nbsp;&nbsp;&nbsp;update $D$ by *ascending*
    > $\frac1m \sum_i \big[\log D(x_i) + \log(1 - D(G(z_i)))\big]$;
    > &nbsp;&nbsp;draw $m$ noise vectors $z_i$; update $G$ by *descending*
    > $\frac1m \sum_i \log(1 - D(G(z_i)))$.

    We write it with `minigan` layers and Adam, on a 2-D mixture of three
    Gaussians, with $k = 1$ as the paper did in its experiments. The
    generator step uses the non-saturating loss
    $-\log D(G(z)) = \operatorname{softplus}(-\ell)$ (section 6 explains
    why). Three details of the code:

    * in the $D$ step the fakes are `detach()`ed: $D$'s update must not flow
      into $G$;
    * in the $G$ step the gradient flows *through* $D$ into $G$; $D$'s
      weights also receive gradients there, which we simply discard (the
      next `opt_D.zero_grad()` clears them);
    * "ascending $V$" for $D$ is "descending $L_D$", the cross-entropy.

    (`minigan.gan.Updater` runs exactly this loop for every GAN family; here
    we spell it out.)
    """),
    code(r'''
    CENTERS = np.array([[0.0, 1.5], [-1.3, -0.75], [1.3, -0.75]])
    STD = 0.2


    def sample_data(n):
        return (CENTERS[rng.integers(0, 3, n)] + STD * rng.standard_normal((n, 2))).astype(np.float32)


    LATENT, BATCH, K = 2, 256, 1
    minigan.manual_seed(1)
    G = MLPGenerator(LATENT, 2, hidden=(64, 64))
    D = MLPDiscriminator(2, hidden=(64, 64))
    opt_G = optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
    opt_D = optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))


    def d_step():
        x = minigan.tensor(sample_data(BATCH))
        fake = G(minigan.randn(BATCH, LATENT)).detach()      # no gradient into G
        loss_D = minigan.softplus(-D(x)).mean() + minigan.softplus(D(fake)).mean()
        opt_D.zero_grad()
        loss_D.backward()
        opt_D.step()
        return loss_D.item()


    def g_step():
        fake = G(minigan.randn(BATCH, LATENT))                # gradient flows through D into G
        loss_G = minigan.softplus(-D(fake)).mean()            # -log D(G(z))
        opt_G.zero_grad()
        loss_G.backward()
        opt_G.step()
        return loss_G.item()
    '''),
    md(r"""
    To see what the discriminator tells the generator, we record snapshots
    during training: $D$ on a grid of the plane, and the vector field
    $-\nabla_x L_G(x) = -\nabla_x \operatorname{softplus}(-\ell(x))
    = \sigma(-\ell(x))\, \nabla_x \ell(x)$. A generated point $x = G(z)$
    receives exactly this vector as its gradient; the chain rule then carries
    it into $G$'s weights. The arrows are where $D$ pushes the samples.
    """),
    code(r'''
    LIM = 3.0
    gx, gy = np.meshgrid(np.linspace(-LIM, LIM, 80), np.linspace(-LIM, LIM, 80))
    surface_points = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    ax_, ay_ = np.meshgrid(np.linspace(-LIM, LIM, 15), np.linspace(-LIM, LIM, 15))
    arrow_points = np.stack([ax_.ravel(), ay_.ravel()], axis=1).astype(np.float32)


    def snapshot():
        with minigan.no_grad():
            d_surface = minigan.sigmoid(D(minigan.tensor(surface_points))).numpy().reshape(gx.shape)
            samples = G(minigan.randn(1000, LATENT)).numpy()
        x = minigan.tensor(arrow_points, requires_grad=True)
        (g,) = minigan.grad(minigan.softplus(-D(x)).sum(), x)   # grad of G's loss at each point
        return dict(surface=d_surface, samples=samples, push=-g.numpy())


    iterations = 300 if SMALL else 2000
    snap_at = sorted({0, iterations // 20, iterations // 6, iterations // 2, iterations})
    snaps, history = {}, []
    for it in range(iterations + 1):
        if it in snap_at:
            snaps[it] = snapshot()
        if it == iterations:
            break
        for _ in range(K):
            ld = d_step()
        lg = g_step()
        history.append((ld, lg))
    history = np.array(history)
    print(f"{iterations} iterations; last D loss {history[-1, 0]:.3f}, G loss {history[-1, 1]:.3f}")
    '''),
    code(r'''
    data_points = sample_data(1000)
    fig, axes = plt.subplots(1, len(snap_at), figsize=(3.3 * len(snap_at), 3.6))
    for ax, it in zip(axes, snap_at):
        s = snaps[it]
        cs = ax.contourf(gx, gy, s["surface"], levels=np.linspace(0, 1, 11), cmap="coolwarm", alpha=0.7)
        ax.scatter(data_points[:, 0], data_points[:, 1], s=2, c="k", alpha=0.3)
        ax.scatter(s["samples"][:, 0], s["samples"][:, 1], s=2, c="tab:orange")
        push = s["push"] / (np.abs(s["push"]).max() + 1e-12)
        ax.quiver(arrow_points[:, 0], arrow_points[:, 1], push[:, 0], push[:, 1], color="tab:green",
                  angles="xy", scale=12)
        ax.set(xlim=(-LIM, LIM), ylim=(-LIM, LIM), aspect="equal", title=f"iteration {it}")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(cs, ax=axes, label="D(x)", shrink=0.8)
    plt.show()
    '''),
    md(r"""
    Black: data; orange: $G$'s samples; colour: $D(x)$ (red means "real");
    green arrows: $-\nabla_x L_G$, scaled per panel. Early on, $D$ separates
    the blob of fakes from the data and the arrows point from the fakes
    towards the data. As the samples arrive, $D$ flattens towards
    $\tfrac12$ and the arrows shrink and turn local: every region that
    holds more fakes than data is pushed out. At the equilibrium of
    section 3 the discriminator's loss is $2 \log 2 \approx 1.386$
    ($\log 2$ per term) and the generator's is $\log 2 \approx 0.693$:
    """),
    code(r'''
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.plot(history[:, 0], lw=0.6, label="D loss")
    ax.plot(history[:, 1], lw=0.6, label="G loss (non-saturating)")
    ax.axhline(2 * np.log(2), color="tab:blue", ls="--", lw=0.8)
    ax.axhline(np.log(2), color="tab:orange", ls="--", lw=0.8)
    ax.set(xlabel="iteration", ylim=(0, 3), title="dashed: values at the equilibrium")
    ax.legend()
    plt.show()
    '''),
    md(r"""
    Unlike an ordinary loss curve, these do not go to zero: each player's
    loss is the other's gain, and at the equilibrium neither can improve.
    A GAN's loss curves tell you whether the game is balanced, not how good
    the samples are (lesson 8 is about measuring that).

    ## 6. The saturating and the non-saturating generator loss

    In the minimax game the generator minimises
    $L_{\text{mm}} = \log(1 - D(G(z))) = -\operatorname{softplus}(\ell)$. As a
    function of the logit $\ell$ of a fake,

    $$\frac{d L_{\text{mm}}}{d\ell} = -\sigma(\ell).$$

    Early in training the fakes are bad, $D$ rejects them confidently,
    $\ell \ll 0$, and $\sigma(\ell) \approx e^{\ell}$ is tiny: the gradient
    that should teach $G$ vanishes exactly when $G$ has most to learn. The
    paper's remedy is to let $G$ maximise $\log D(G(z))$ instead,

    $$L_{\text{ns}} = -\log D(G(z)) = \operatorname{softplus}(-\ell), \qquad
      \frac{d L_{\text{ns}}}{d\ell} = -\sigma(-\ell) = -(1 - \sigma(\ell)),$$

    which is close to $-1$ for $\ell \ll 0$. Both losses are decreasing in
    $\ell$ and have the same fixed point ($D^* = \tfrac12$), but they weight
    the samples differently: minimax listens to the fakes $D$ almost
    accepts, non-saturating to the ones it rejects. Let autograd draw the
    two derivatives (`minigan.gan.losses` has both losses; they average over
    the batch, so we multiply by $N$ to get per-logit derivatives):
    """),
    code(r'''
    ell = minigan.tensor(np.linspace(-8, 8, 161).astype(np.float32), requires_grad=True)
    n = ell.shape[0]
    curves = {}
    for name, fn in [("minimax  log(1 - D)", losses.generator_loss_minimax),
                     ("non-saturating  -log D", losses.generator_loss_nonsaturating)]:
        per_logit = n * fn(ell)                      # sum over the logits
        (slope,) = minigan.grad(per_logit, ell)
        curves[name] = (minigan.sigmoid(ell).detach().numpy(), slope.numpy())
        # the per-logit loss values themselves, for the left panel
        with minigan.no_grad():
            values = np.array([fn(ell[i:i + 1]).item() for i in range(n)])
        curves[name] += (values,)

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for name, (d, slope, values) in curves.items():
        axes[0].plot(ell.detach().numpy(), values, label=name)
        axes[1].plot(ell.detach().numpy(), slope, label=name)
    axes[0].set(xlabel=r"logit $\ell = D$'s logit of a fake", ylabel="generator loss", title="losses")
    axes[1].set(xlabel=r"logit $\ell$", ylabel=r"$dL/d\ell$", title="their derivatives")
    for ax in axes:
        ax.axvspan(-8, -3, color="gray", alpha=0.15)
        ax.legend(fontsize="small")
    axes[1].text(-7.8, -0.5, "D confidently\nrejects fakes", fontsize=8)
    fig.tight_layout()
    plt.show()
    '''),
    md(r"""
    **A training experiment.** Start the generator far from the data (we
    shift its output by $(3, 3)$), let the discriminator learn to reject it,
    then train with each generator loss from the same starting point. We use
    plain SGD for $G$ here: Adam divides every step by a running estimate
    of the gradient's size, which hides the scale of the gradient (and thus
    partly hides saturation, though not the fact that the minimax gradient
    comes almost entirely from the few fakes that $D$ rates highest).
    """),
    code(r'''
    def saturation_run(g_loss, d_warmup, steps, seed=3):
        minigan.manual_seed(seed)
        G = MLPGenerator(LATENT, 2, hidden=(64, 64))
        D = MLPDiscriminator(2, hidden=(64, 64))
        with minigan.no_grad():
            G.net[-1].bias.add_(minigan.tensor([3.0, 3.0]))     # start far from the data
        opt_G = optim.SGD(G.parameters(), lr=0.05)
        opt_D = optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))

        def train_d():
            x = minigan.tensor(sample_data(BATCH))
            fake = G(minigan.randn(BATCH, LATENT)).detach()
            loss = minigan.softplus(-D(x)).mean() + minigan.softplus(D(fake)).mean()
            opt_D.zero_grad()
            loss.backward()
            opt_D.step()

        for _ in range(d_warmup):
            train_d()
        log = []
        for _ in range(steps):
            train_d()
            fake_logits = D(G(minigan.randn(BATCH, LATENT)))
            loss = g_loss(fake_logits)
            opt_G.zero_grad()
            loss.backward()
            grad_norm = np.sqrt(sum(float((p.grad.numpy() ** 2).sum()) for p in G.parameters()))
            opt_G.step()
            with minigan.no_grad():
                centre = G(minigan.randn(500, LATENT)).numpy().mean(axis=0)
            log.append((minigan.sigmoid(fake_logits).mean().item(), grad_norm, np.linalg.norm(centre)))
        return np.array(log)


    warmup, steps = (100, 150) if SMALL else (200, 500)
    runs = {name: saturation_run(fn, warmup, steps) for name, fn in
            [("minimax", losses.generator_loss_minimax),
             ("non-saturating", losses.generator_loss_nonsaturating)]}

    fig, axes = plt.subplots(1, 3, figsize=(14, 3.4))
    for name, log in runs.items():
        axes[0].semilogy(log[:, 0], label=name)
        axes[1].semilogy(log[:, 1], label=name)
        axes[2].plot(log[:, 2], label=name)
    axes[0].set(title="mean D(G(z))", xlabel="generator step")
    axes[1].set(title="norm of G's gradient", xlabel="generator step")
    axes[2].set(title="distance of the samples' mean from the data's (0, 0)", xlabel="generator step")
    for ax in axes:
        ax.legend(fontsize="small")
    fig.tight_layout()
    plt.show()
    for name, log in runs.items():
        print(f"{name:15s} first |grad G| = {log[0, 1]:.2e}, final distance = {log[-1, 2]:.2f}")
    '''),
    md(r"""
    With the minimax loss the generator's gradient starts two to three orders
    of magnitude smaller and keeps shrinking, because $D$ only grows more confident
    while $G$ stands still: the samples never leave their corner. The
    non-saturating generator receives gradients of order one and walks to
    the data. This is why "GAN loss" in practice (and `family="gan"` in
    `minigan`) means the non-saturating generator loss.

    ## Exercise: the value at the optimum on a finite set

    On a finite set of points, distributions are vectors $p$, $q$ of
    probabilities. Write `value_at_optimum(p, q)`, the game's value
    $V(D^*, G) = \sum_i p_i \log D^*_i + q_i \log(1 - D^*_i)$ with
    $D^* = p / (p + q)$ (terms with zero probability contribute 0). The
    check compares it with $-\log 4 + 2\,\mathrm{JSD}(p\,\|\,q)$ computed
    independently by SciPy.
    """),
    code(r'''
    def value_at_optimum(p, q):
        """V(D*, G) for probability vectors p (data) and q (generator) on the same points."""
        p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
        ### BEGIN SOLUTION
        d_star = np.divide(p, p + q, out=np.full_like(p, 0.5), where=(p + q) > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            real_term = np.where(p > 0, p * np.log(d_star), 0.0)
            fake_term = np.where(q > 0, q * np.log(1.0 - d_star), 0.0)
        return float(real_term.sum() + fake_term.sum())
        ### END SOLUTION
    '''),
    code(r'''
    from scipy.spatial.distance import jensenshannon   # returns sqrt(JSD), natural log

    p = np.array([0.1, 0.4, 0.5, 0.0])
    q = np.array([0.3, 0.3, 0.2, 0.2])
    assert abs(value_at_optimum(p, q) - (-np.log(4) + 2 * jensenshannon(p, q) ** 2)) < 1e-10
    assert abs(value_at_optimum(q, q) + np.log(4)) < 1e-12       # p_g = p_data: -log 4
    ### BEGIN HIDDEN TESTS
    for _ in range(5):
        a, b = rng.dirichlet(np.ones(7)), rng.dirichlet(np.ones(7))
        assert abs(value_at_optimum(a, b) - (-np.log(4) + 2 * jensenshannon(a, b) ** 2)) < 1e-10
    disjoint = value_at_optimum([0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5])
    assert abs(disjoint - 0.0) < 1e-12                            # JSD = log 2 at most
    ### END HIDDEN TESTS
    print("value_at_optimum is right")
    '''),
    md(r"""
    The last hidden check is worth thinking about: for distributions with
    disjoint supports, $\mathrm{JSD} = \log 2$ and $V(D^*, G) = 0$ **no matter
    how far apart** they are. The generator then gets no signal about which
    way to move, the problem that lesson 6 (the Wasserstein GAN) starts from.

    ## Summary

    * For a fixed generator the best discriminator is
      $D^* = p_{\text{data}} / (p_{\text{data}} + p_g)$; its logit is the log
      density ratio, and a trained discriminator approximates it where there
      are samples.
    * Against $D^*$ the generator minimises $-\log 4 + 2\,\mathrm{JSD}$, which
      is smallest exactly when $p_g = p_{\text{data}}$.
    * Algorithm 1 alternates $k$ discriminator steps (fakes detached) with
      one generator step (gradients through $D$); the field
      $-\nabla_x L_G$ shows where $D$ pushes the samples.
    * The minimax generator loss saturates when $D$ wins; the non-saturating
      loss $-\log D(G(z))$ has the same fixed point and useful gradients.
    """),
]

# ============================================================================ lesson 5
LESSON_5 = [
    md(r"""
    # Lesson 5: DCGAN on MNIST

    The networks of lesson 4 were small fully connected ones. For images,
    Radford, Metz & Chintala (2016) found a recipe of convolutional
    networks that trains a GAN reliably: **DCGAN**. In this lesson we

    1. go through their architecture rules and build the pair with
       `minigan.gan.models.build("dcgan", "image")`;
    2. look at batch normalisation's role, and its side effect on a
       discriminator;
    3. train twice, with the paper's settings and with a learning rate that
       is too high, and learn to read the training curves;
    4. walk through latent space with spherical interpolation (slerp).
    """),
    setup(stdlib=["import time", "from pathlib import Path"],
          third_party=["import matplotlib.pyplot as plt"],
          ours=["from minigan import nn, optim",
                "from minigan.data import get_dataset, load_mnist",
                "from minigan.gan import Updater, UpdaterConfig",
                "from minigan.gan.models import build",
                "from minigan.gan.sampling import interpolate, lerp, sample_latent, slerp",
                "from minigan.viz.plots import image_grid"]),
    md(r"""
    ## 1. Data

    We use the real MNIST test split (10,000 digits) when it is on disk: at
    `../shared/data/mnist` beside the repository, or in minigan's data
    folder (`$MINIGAN_DATA` or `~/.cache/minigan`). Nothing is downloaded
    here; `load_mnist("train")` with `download=True` fetches the full
    training set if you want it. Without MNIST we fall back to the 1,797
    UCI digits shipped with minigan, upsampled from 8x8 to 28x28. Pixels are
    scaled to $[-1, 1]$, the range of the generator's final $\tanh$.
    """),
    code(r'''
    REPO = Path(minigan.__file__).resolve().parents[1]
    candidates = [REPO.parent / "shared" / "data" / "mnist", None]   # None: MINIGAN_DATA or ~/.cache/minigan
    images = labels = None
    for root in candidates:
        try:
            images, labels = load_mnist("test", root=root, download=False)
            source = f"MNIST test split from {root or 'the minigan data folder'}"
            break
        except FileNotFoundError:
            continue
    if images is None:
        digits = get_dataset("digits", size=28)
        images, labels = digits.data, digits.labels
        source = "the embedded UCI digits, upsampled to 28x28 (MNIST was not found)"
    if SMALL:
        images, labels = images[:512], labels[:512]
    print(f"{source}: {images.shape[0]} images of shape {images.shape[1:]}, "
          f"pixels in [{images.min():.0f}, {images.max():.0f}]")


    def show_grid(batch, title=None, nrow=8, ax=None):
        """A batch (N, 1, H, W) in [-1, 1] drawn as one picture with minigan.viz.plots.image_grid."""
        if ax is None:
            _, ax = plt.subplots(figsize=(4, 4))
        ax.imshow(image_grid(batch, nrow=nrow)[..., 0], cmap="gray", vmin=0, vmax=255)
        ax.set_axis_off()
        if title:
            ax.set_title(title)
        return ax


    show_grid(images[:64], "real digits")
    plt.show()
    '''),
    md(r"""
    ## 2. The architecture rules

    Radford et al. list what made their convolutional GANs train stably. In
    our words:

    * **Learn the resampling.** No pooling: the discriminator halves the
      resolution with stride-2 convolutions, the generator doubles it with
      stride-2 *transposed* convolutions. A kernel of 4 with stride 2 and
      padding 1 maps $n \to n/2$ (convolution) and $n \to 2n$ (transposed).
    * **Batch normalisation in both networks**, except at the generator's
      output and the discriminator's input: with it there too, the paper
      saw samples oscillate and training become unstable (we come back to
      batch norm below).
    * **No fully connected hidden layers.** The generator's first layer is a
      matrix product from $z$ reshaped into a small stack of feature maps;
      the discriminator's last layer maps its flattened features to one
      logit. Everything in between is convolutional.
    * **Activations:** ReLU in the generator with $\tanh$ at the output;
      LeakyReLU with slope 0.2 everywhere in the discriminator (so that
      gradients flow back to the generator even from negative
      pre-activations).
    * **Optimiser and initialisation:** Adam with learning rate $2\cdot10^{-4}$
      and $\beta_1 = 0.5$ (the default 0.9 made training oscillate);
      weights drawn from $\mathcal N(0, 0.02^2)$.

    For 28x28 images `build` starts the generator at 7x7 and doubles twice;
    the discriminator mirrors it. The paper's widths (`ngf = ndf = 64`) are
    slow for a lesson on a CPU with NumPy, so we use 32 channels (8 in
    small mode); the structure is the same.
    """),
    code(r'''
    WIDTH = 8 if SMALL else 32
    LATENT = 100
    G, D, info = build("dcgan", "image", image_size=28, channels=1, latent_dim=LATENT, ngf=WIDTH, ndf=WIDTH)
    print(G)
    print(D)
    for name, net in (("G", G), ("D", D)):
        print(f"{name}: {sum(p.numel() for p in net.parameters()):,} parameters")
    '''),
    md(r"""
    Following one batch through the generator, layer by layer, shows the
    projection to 7x7 feature maps and the two doublings:
    """),
    code(r'''
    x = minigan.randn(4, LATENT)
    with minigan.no_grad():
        for layer in G.net:
            x = layer(x)
            print(f"{type(layer).__name__:16s} -> {tuple(x.shape)}")
    conv_weights = [m.weight.detach().numpy() for m in G.modules() if isinstance(m, (nn.Linear, nn.ConvTranspose2d))]
    print("std of G's weights at initialisation:", [round(float(w.std()), 4) for w in conv_weights])
    '''),
    md(r"""
    ## 3. Batch normalisation, and what it does to a discriminator

    In training mode batch norm standardises every channel with the mean
    and variance of the **current batch** (lesson 3). For the generator
    this keeps every layer's activations at a healthy scale however the
    weights drift, which is much of why DCGAN trains where earlier deep
    GANs did not. It is left out at the two ends: on $G$'s output it would
    force every batch of images to the same per-channel mean and spread,
    and on $D$'s input it would standardise real and fake batches
    separately, hiding exactly the differences in brightness and contrast
    that $D$ should notice.

    The side effect: in training mode a sample's output depends on the
    other samples in its batch. `minigan.gan.Updater` (like the DCGAN
    reference code) sends a batch of real images and a batch of fakes
    through $D$ **separately**, so each batch is normalised with its own
    statistics. Watch $D$'s logit for one and the same image change with
    its batch companions:
    """),
    code(r'''
    one = minigan.tensor(images[:1])
    with minigan.no_grad():
        for companions, what in ((images[1:32], "31 other real digits"),
                                 (np.zeros_like(images[1:32]) - 1.0, "31 black images"),
                                 (rng.uniform(-1, 1, images[1:32].shape).astype(np.float32), "31 noise images")):
            batch = minigan.tensor(np.concatenate([images[:1], companions]))
            print(f"D(image 0) in a batch with {what:22s}: {D(batch)[0].item():+.4f}")
        D.eval()
        print(f"D(image 0) in evaluation mode (running statistics):     {D(one)[0].item():+.4f}")
        D.train()
    '''),
    md(r"""
    This coupling is harmless for the DCGAN objective, but it breaks any
    loss that must be computed per sample, such as the WGAN-GP penalty of
    lesson 6: that is why the WGAN-GP critic uses layer norm instead. For
    **generating** after training, the generator is put in evaluation mode
    (`G.eval()`, what `minigan.gan.sampling.generate` does), so that each
    sample uses the running statistics and no longer depends on the batch.

    ## 4. Training, twice

    `minigan.gan.Updater` runs the loop we wrote by hand in lesson 4: one
    discriminator step on a real batch and a detached fake batch, then one
    generator step with the non-saturating loss. Each step returns the
    figures worth watching: the two losses, $D$'s mean output on real
    images `d_real` $= \overline{D(x)}$ and on fakes `d_fake`
    $= \overline{D(G(z))}$, and the gradient norms of both networks.

    We train twice from the same initial weights: with the paper's Adam
    settings, and with a learning rate ten times larger and Adam's default
    $\beta_1 = 0.9$.
    """),
    code(r'''
    BATCH = 32 if SMALL else 64
    STEPS = 40 if SMALL else 1500


    def train_dcgan(lr, betas, steps, seed=0):
        minigan.manual_seed(seed)
        G, D, _ = build("dcgan", "image", latent_dim=LATENT, ngf=WIDTH, ndf=WIDTH)
        opt_G = optim.Adam(G.parameters(), lr=lr, betas=betas)
        opt_D = optim.Adam(D.parameters(), lr=lr, betas=betas)
        updater = Updater(G, D, opt_G, opt_D, LATENT, UpdaterConfig(loss="nonsaturating"))
        batches = np.random.default_rng(seed)

        def next_real():
            return minigan.tensor(images[batches.integers(0, len(images), BATCH)])

        history, start = [], time.perf_counter()
        for step in range(steps):
            history.append(updater.step(next_real))
        print(f"lr={lr:g}, betas={betas}: {steps} steps in {time.perf_counter() - start:.0f} s")
        return G, D, history


    runs = {
        "good: Adam(2e-4, beta1=0.5)": train_dcgan(2e-4, (0.5, 0.999), STEPS),
        "bad: Adam(2e-3, beta1=0.9)": train_dcgan(2e-3, (0.9, 0.999), STEPS),
    }
    '''),
    code(r'''
    def smooth(y, weight=0.9):
        out, s = [], y[0]
        for v in y:
            s = weight * s + (1 - weight) * v
            out.append(s)
        return np.array(out)


    fig, axes = plt.subplots(2, 2, figsize=(12, 6), sharex=True)
    for col, (name, (_, _, history)) in enumerate(runs.items()):
        for key in ("d_loss", "g_loss"):
            axes[0, col].plot(smooth([h[key] for h in history]), label=key)
        for key, label in (("d_real", "D(x)"), ("d_fake", "D(G(z))")):
            axes[1, col].plot(smooth([h[key] for h in history]), label=label)
        axes[0, col].set_title(name)
        axes[1, col].set_ylim(0, 1)
        axes[1, col].set_xlabel("step")
        for ax in axes[:, col]:
            ax.legend(fontsize="small")
            ax.grid(alpha=0.3)
    fig.tight_layout()
    plt.show()
    '''),
    md(r"""
    **Reading the curves.** In a healthy run neither player wins: after a
    short opening in which $D$ learns to spot the first, blob-like fakes,
    $D(x)$ settles somewhere around 0.6 to 0.9 and $D(G(z))$ around 0.1 to
    0.4, and both losses wander without trending. (The equilibrium values of
    lesson 4, $D = \tfrac12$, are never reached with finite networks and
    steps.) Warning signs:

    * $D(G(z)) \to 0$ and the generator loss climbing steadily: $D$ wins,
      $G$'s gradient carries less and less information;
    * losses that jump around by large amounts, or gradient norms that
      explode: steps are too large for the game's dynamics (the updates
      overshoot and rotate around the equilibrium instead of approaching
      it; a large $\beta_1$ adds momentum to that rotation);
    * a generator loss going *down* while the samples get worse: often mode
      collapse (lesson 6), where $G$ fools the current $D$ with one kind of
      image.

    Curves only hint at quality. Look at the samples (the generator in
    evaluation mode, a fixed batch of noise):
    """),
    code(r'''
    z_fixed = sample_latent(64, LATENT, generator=123)
    fig, axes = plt.subplots(1, 2, figsize=(10, 5))
    for ax, (name, (G_run, _, _)) in zip(axes, runs.items()):
        G_run.eval()
        with minigan.no_grad():
            show_grid(G_run(z_fixed).numpy(), name, ax=ax)
        G_run.train()
    plt.show()
    '''),
    md(r"""
    ## 5. Walking through latent space

    A trained generator maps nearby latent vectors to similar images, so the
    images along a path from $z_0$ to $z_1$ should morph smoothly; Radford
    et al. used such walks as evidence that the generator had not
    memorised its training set (memorised images would switch abruptly).

    Which path? For $z \sim \mathcal N(0, I_d)$ the norm concentrates:
    $\|z\|^2$ is a sum of $d$ unit-variance squares, so
    $\|z\| \approx \sqrt d$ (here $\sqrt{100} = 10$) with little spread, and
    the generator has only ever seen inputs on that thin shell. The straight
    line $(1-t) z_0 + t z_1$ between two independent draws cuts through the
    inside: two nearly orthogonal vectors of norm 10 have a midpoint of norm
    about $10/\sqrt2 \approx 7$, a radius the generator never saw in
    training. **Spherical linear interpolation** follows the great circle
    instead: with $\omega$ the angle between $z_0$ and $z_1$,

    $$\operatorname{slerp}(z_0, z_1; t) = \frac{\sin((1-t)\,\omega)}{\sin\omega}\, z_0
      + \frac{\sin(t\,\omega)}{\sin\omega}\, z_1 .$$

    At $t = 0$ and $t = 1$ it gives $z_0$ and $z_1$; for $\|z_0\| = \|z_1\|$
    every point on the path has that same norm.
    """),
    code(r'''
    z0, z1 = sample_latent(2, LATENT, generator=7).numpy()
    ts = np.linspace(0, 1, 21)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot(ts, np.linalg.norm(lerp(z0, z1, ts), axis=1), "o-", ms=3, label="lerp (straight line)")
    ax.plot(ts, np.linalg.norm(slerp(z0, z1, ts), axis=1), "o-", ms=3, label="slerp (great circle)")
    ax.axhline(np.sqrt(LATENT), color="gray", ls=":", label=r"$\sqrt{d}$")
    ax.set(xlabel="t", ylabel="|z|", title="norm along the path")
    ax.legend()
    plt.show()
    '''),
    md(r"""
    `minigan.gan.sampling.interpolate` runs the generator (in evaluation
    mode) along such a path. Each row below walks between two random
    latent vectors of the well-trained generator:
    """),
    code(r'''
    G_good = runs["good: Adam(2e-4, beta1=0.5)"][0]
    ends = sample_latent(8, LATENT, generator=11).numpy()
    rows = [interpolate(G_good, ends[2 * i], ends[2 * i + 1], steps=10, method="slerp").numpy()
            for i in range(4)]
    show_grid(np.concatenate(rows), "slerp between 4 pairs of latent vectors", nrow=10)
    plt.gcf().set_size_inches(8, 3.6)
    plt.show()
    '''),
    md(r"""
    ## Exercise: transposed convolution sizes

    A transposed convolution with kernel $k$, stride $s$ and padding $p$
    maps a side of $n$ pixels to $(n - 1)\,s - 2p + k$ (PyTorch's rule, and
    minigan's, without output padding and dilation). Write
    `conv_transpose_out(n, kernel, stride, padding)`, then find a kernel
    size that **triples** the resolution with stride 3 and padding 0.
    """),
    code(r'''
    def conv_transpose_out(n, kernel, stride, padding):
        """Side length after ConvTranspose2d(kernel_size=kernel, stride=stride, padding=padding)."""
        ### BEGIN SOLUTION
        return (n - 1) * stride - 2 * padding + kernel
        ### END SOLUTION


    # TASK: tripling_kernel -- the kernel size that triples the resolution with stride 3, padding 0
    ### BEGIN SOLUTION
    TRIPLING_KERNEL = 3
    ### END SOLUTION
    '''),
    code(r'''
    assert conv_transpose_out(7, 4, 2, 1) == 14 and conv_transpose_out(14, 4, 2, 1) == 28
    for n in (1, 5, 9):
        assert conv_transpose_out(n, TRIPLING_KERNEL, 3, 0) == 3 * n
    ### BEGIN HIDDEN TESTS
    for n, k, s, p in [(4, 4, 2, 1), (5, 3, 1, 1), (3, 5, 2, 2), (6, 2, 2, 0)]:
        layer = nn.ConvTranspose2d(1, 1, k, stride=s, padding=p)
        assert layer(minigan.zeros(1, 1, n, n)).shape[-1] == conv_transpose_out(n, k, s, p)
    ### END HIDDEN TESTS
    print("conv_transpose_out is right")
    '''),
    md(r"""
    ## Summary

    * DCGAN: strided (transposed) convolutions instead of pooling, batch
      norm except at G's output and D's input, ReLU/tanh in G, LeakyReLU in
      D, Adam(2e-4, $\beta_1 = 0.5$), $\mathcal N(0, 0.02^2)$ weights.
    * Batch norm couples the samples of a batch; real and fake batches go
      through $D$ separately, and generation uses evaluation mode.
    * Healthy curves hover; a discriminator that wins outright, exploding
      gradients or wild jumps signal trouble; samples are the real test.
    * Interpolate latents along great circles (slerp): Gaussian latents
      live near the sphere of radius $\sqrt d$.
    """),
]

# ============================================================================ lesson 6
LESSON_6 = [
    md(r"""
    # Lesson 6: Mode collapse and the Wasserstein GAN

    A GAN can produce sharp samples and still be a bad model, because it
    produces only a few kinds of them: **mode collapse**. In this lesson we

    1. watch a vanilla GAN collapse on the 8-Gaussian ring and measure it
       with `minigan.metrics.mode_coverage`;
    2. see why the Jensen-Shannon divergence of lesson 4 gives a generator
       nothing to go on when the two distributions do not overlap, and meet
       the earth mover (Wasserstein-1) distance and its dual form;
    3. train a Wasserstein critic with weight clipping and look at its
       problems;
    4. replace clipping with the WGAN-GP gradient penalty, look inside the
       double-backward graph it needs, and compare mode coverage.
    """),
    setup(stdlib=["from collections import Counter"],
          third_party=["import matplotlib.pyplot as plt", "from scipy.stats import norm, wasserstein_distance"],
          ours=["from minigan import optim",
                "from minigan.data import toy",
                "from minigan.gan import Updater, UpdaterConfig, clip_weights_, gradient_penalty",
                "from minigan.gan.models import MLPCritic, MLPDiscriminator, MLPGenerator",
                "from minigan.metrics import mode_coverage"]),
    md(r"""
    ## 1. Mode collapse on the ring

    `ring8` is a mixture of 8 Gaussians with standard deviation 0.02 on a
    circle of radius 2. `mode_coverage` assigns every generated point to its
    nearest centre, calls it *high quality* when it lies within 3 standard
    deviations of it, counts a mode as *captured* when it gets at least one
    high-quality point, and reports $\mathrm{KL}(q \,\|\, \text{uniform})$ for
    the histogram $q$ of high-quality points over the modes ($0$ for a
    perfect split, $\log 8 \approx 2.08$ when everything sits on one mode).

    Why would a generator collapse? Freeze $D$ and ask for the generator's
    best response: minimising $\mathbb{E}_z[-\log D(G(z))]$ over all maps
    $G$ puts **every** $z$ on the point where $D$ is highest. Training
    alternates small steps rather than best responses, but the pull is the
    same: the fakes bunch up where $D$ is currently fooled, $D$ learns to
    reject that spot, and the bunch moves on to another one. Nothing in the
    loss rewards covering all the modes at once.

    The setting below (a wide latent space, and a discriminator that learns
    ten times faster than the generator) shows it clearly. The ring itself
    is the benchmark of the Unrolled GAN paper (Metz et al., 2017).
    """),
    code(r'''
    def next_ring_batch(batch_rng, n=256):
        return lambda: minigan.tensor(toy.sample("ring8", n, batch_rng))


    def coverage_of(G, latent_dim, n=2500):
        with minigan.no_grad():
            samples = G(minigan.randn(n, latent_dim)).numpy()
        return samples, mode_coverage(samples, "ring8")


    minigan.manual_seed(0)
    LATENT_GAN = 256
    G_gan = MLPGenerator(LATENT_GAN, 2, hidden=(128, 128))
    D_gan = MLPDiscriminator(2, hidden=(128,))
    gan = Updater(G_gan, D_gan, optim.Adam(G_gan.parameters(), lr=1e-4, betas=(0.5, 0.9)),
                  optim.Adam(D_gan.parameters(), lr=1e-3, betas=(0.5, 0.9)), LATENT_GAN,
                  UpdaterConfig(loss="nonsaturating"))
    GAN_STEPS = 200 if SMALL else 1200
    every = GAN_STEPS // 8
    next_real = next_ring_batch(np.random.default_rng(1))
    gan_snaps = []
    for step in range(1, GAN_STEPS + 1):
        gan.step(next_real)
        if step % every == 0:
            samples, cov = coverage_of(G_gan, LATENT_GAN)
            gan_snaps.append((step, samples, cov))
            print(f"step {step:5d}: modes captured {cov['modes_captured']}, high quality "
                  f"{cov['high_quality_fraction']:.3f}, KL {cov['kl_to_uniform']:.2f}, counts {cov['counts'].tolist()}")
    '''),
    code(r'''
    ring = toy.sample("ring8", 1000, 0)
    fig, axes = plt.subplots(1, len(gan_snaps), figsize=(2.2 * len(gan_snaps), 2.6))
    for ax, (step, samples, cov) in zip(axes, gan_snaps):
        ax.scatter(ring[:, 0], ring[:, 1], s=2, c="k")
        ax.scatter(samples[:, 0], samples[:, 1], s=1, c="tab:orange", alpha=0.3)
        ax.set(xlim=(-3, 3), ylim=(-3, 3), aspect="equal", xticks=[], yticks=[])
        ax.set_title(f"step {step}\n{cov['modes_captured']} modes", fontsize=9)
    fig.suptitle("vanilla GAN: black = data, orange = samples")
    plt.show()

    # which mode are the generator's samples closest to, over time?
    centres, _ = toy.mode_centers("ring8")
    share = np.array([np.bincount(((s[:, None, :] - centres) ** 2).sum(-1).argmin(1), minlength=8) / len(s)
                      for _, s, _ in gan_snaps]).T                           # (8 modes, snapshots)
    fig, ax = plt.subplots(figsize=(7, 2.6))
    im = ax.imshow(share, aspect="auto", cmap="magma", vmin=0, vmax=1)
    ax.set(xlabel="step", ylabel="nearest mode", xticks=range(len(gan_snaps)),
           xticklabels=[s[0] for s in gan_snaps], title="share of the samples nearest to each mode")
    fig.colorbar(im, ax=ax)
    plt.show()
    '''),
    md(r"""
    The samples travel around as one blob: at any moment most of them are
    near one mode (or between modes), and the blob hops from mode to mode
    as $D$ catches up with it. The mode coverage numbers say it without a
    picture: at most one or two modes captured at a time, KL near its
    maximum $\log 8 \approx 2.08$ (or infinite when no sample is close
    enough to any mode to count as high quality: the blob is also too
    wide). With other settings a vanilla GAN may reach the ring and cover
    it unevenly; the hopping in the early phase is typical.

    ## 2. When the Jensen-Shannon divergence says nothing

    Lesson 4 showed that against the optimal discriminator the generator
    minimises $\mathrm{JSD}(p_{\text{data}} \,\|\, p_g)$. Arjovsky, Chintala &
    Bottou (2017) point out what goes wrong when the two distributions live
    on different low-dimensional sets, which is the normal case early in
    training (and for images, which lie near thin manifolds). Their example:
    $P_0$ is uniform on the segment $\{0\} \times [0, 1]$, $P_\theta$ uniform
    on $\{\theta\} \times [0, 1]$. For $\theta \ne 0$ the supports are
    disjoint, so

    * $\mathrm{KL}(P_0 \,\|\, P_\theta) = \infty$,
    * $\mathrm{JSD}(P_0 \,\|\, P_\theta) = \log 2$, the same for every
      $\theta \neq 0$: its gradient with respect to $\theta$ is zero (the
      optimal discriminator separates perfectly and saturates);
    * the **earth mover distance** is $W(P_0, P_\theta) = |\theta|$: it
      shrinks as the generator moves towards the data, and its gradient
      says which way to go.

    $W$ is defined as the cheapest way to transport one distribution onto
    the other, with cost "mass times distance":

    $$W(P, Q) = \inf_{\gamma \in \Pi(P, Q)} \; \mathbb{E}_{(x, y) \sim \gamma} \|x - y\| ,$$

    where $\Pi(P, Q)$ is the set of *couplings*: joint distributions of
    $(x, y)$ with marginals $P$ and $Q$ (a transport plan saying how much
    mass goes from $x$ to $y$). In 1-D the optimal plan is monotone (the
    $i$-th smallest point goes to the $i$-th smallest), which gives
    $W = \int |F_P(t) - F_Q(t)|\, dt$ with the two CDFs.
    """),
    code(r'''
    theta = np.linspace(-1, 1, 201)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot(theta, np.abs(theta), label=r"$W(P_0, P_\theta) = |\theta|$")
    ax.plot(theta, np.where(theta == 0, 0.0, np.log(2)), label=r"$JSD(P_0, P_\theta)$")
    ax.set(xlabel=r"$\theta$", title="two parallel segments at distance $\\theta$")
    ax.legend()
    plt.show()

    # W between two 1-D sample sets: shift a Gaussian and compare with the closed form |shift|
    base = rng.standard_normal(20_000)
    for shift in (0.5, 2.0, 8.0):
        print(f"shift {shift}: W = {wasserstein_distance(base, base + shift):.3f}")
    '''),
    md(r"""
    ## 3. The dual form: a critic instead of a discriminator

    The infimum over couplings is not something a network can compute. The
    **Kantorovich-Rubinstein duality** turns it into a maximisation over
    functions:

    $$W(P, Q) = \sup_{\|f\|_L \le 1} \; \mathbb{E}_{x \sim P}[f(x)] - \mathbb{E}_{y \sim Q}[f(y)],$$

    the supremum over all 1-Lipschitz functions ($|f(x) - f(y)| \le \|x - y\|$).
    One direction is a two-line argument: for any coupling $\gamma$ and any
    1-Lipschitz $f$,

    $$\mathbb{E}_P f - \mathbb{E}_Q f = \mathbb{E}_{(x,y) \sim \gamma}\big[f(x) - f(y)\big]
      \le \mathbb{E}_{(x, y) \sim \gamma} \|x - y\| ,$$

    so every such $f$ gives a lower bound on every transport cost; the
    theorem says that the best $f$ closes the gap. Think of $f$ as a
    height: moving mass from $y$ to $x$ can gain at most the distance
    travelled.

    A **critic** network $f_w$ plays this $f$: it is trained to maximise
    $\mathbb{E}_{\text{data}} f_w - \mathbb{E}_{z} f_w(G(z))$ (no sigmoid, no
    log: a score, not a probability), and the generator minimises
    $-\mathbb{E}_z f_w(G(z))$. All that remains is to keep $f_w$ Lipschitz.

    In 1-D we can write the optimal critic down: its slope is $+1$ where
    $F_Q > F_P$ (there is more $Q$ mass to the left, which must move right)
    and $-1$ where $F_Q < F_P$,
    $f^*(x) = \int_{-\infty}^{x} \operatorname{sign}\big(F_Q(t) - F_P(t)\big)\, dt$.
    We check the duality on $P$ = a mixture of two Gaussians, $Q$ = one
    Gaussian; later we train a critic on the same pair.
    """),
    code(r'''
    def sample_p(n):
        first = rng.random(n) < 0.5
        return np.where(first, rng.normal(-2.0, 0.5, n), rng.normal(2.0, 0.5, n)).astype(np.float32)


    def sample_q(n):
        return rng.normal(0.5, 0.7, n).astype(np.float32)


    t = np.linspace(-6, 6, 6001)
    F_p = 0.5 * norm.cdf(t, -2.0, 0.5) + 0.5 * norm.cdf(t, 2.0, 0.5)
    F_q = norm.cdf(t, 0.5, 0.7)
    slope = np.sign(F_q - F_p)
    f_star = np.concatenate([[0.0], np.cumsum(0.5 * (slope[1:] + slope[:-1]) * np.diff(t))])
    W_cdf = np.trapezoid(np.abs(F_p - F_q), t)

    xp_, xq_ = sample_p(200_000), sample_q(200_000)
    dual = np.interp(xp_, t, f_star).mean() - np.interp(xq_, t, f_star).mean()
    print(f"W from the CDFs           : {W_cdf:.4f}")
    print(f"W from samples (SciPy)    : {wasserstein_distance(xp_, xq_):.4f}")
    print(f"E_P f* - E_Q f* (the dual): {dual:.4f}")
    '''),
    md(r"""
    ## 4. WGAN: keeping the critic Lipschitz by clipping its weights

    The first WGAN clips every critic weight to $[-c, c]$ after each step
    (`minigan.gan.clip_weights_`, $c = 0.01$ in the paper). A network with
    bounded weights is $K$-Lipschitz for *some* $K$ that depends on $c$ and
    on the architecture, so the critic estimates $K \cdot W$ up to a
    constant, which is enough for the generator's gradient direction. The
    paper itself calls this "a clearly terrible way" to enforce the
    constraint. Two problems are easy to see. We train critics with three
    clipping bounds to separate the ring from a fixed blob of fakes at the
    origin (RMSprop with learning rate $5\cdot 10^{-5}$, the paper's
    optimiser):
    """),
    code(r'''
    CLIP_STEPS = 60 if SMALL else 500
    fake_blob = lambda n: (0.3 * rng.standard_normal((n, 2))).astype(np.float32)
    clipped = {}
    for c in (0.001, 0.01, 0.1):
        minigan.manual_seed(0)
        critic = MLPCritic(2, hidden=(128, 128, 128))
        clip_weights_(critic, c)
        opt = optim.RMSprop(critic.parameters(), lr=5e-5)
        for _ in range(CLIP_STEPS):
            real = minigan.tensor(toy.sample("ring8", 256, rng))
            loss = critic(minigan.tensor(fake_blob(256))).mean() - critic(real).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            clip_weights_(critic, c)
        x = minigan.tensor(toy.sample("ring8", 512, rng), requires_grad=True)
        (g,) = minigan.grad(critic(x).sum(), x)
        clipped[c] = critic
        print(f"c = {c:<6}: critic's gap E_real f - E_fake f = {-loss.item():.2e}, "
              f"median |grad_x f| on data = {np.median(np.linalg.norm(g.numpy(), axis=1)):.2e}")

    weights = np.concatenate([p.detach().numpy().ravel() for name, p in clipped[0.01].named_parameters()
                              if name.endswith("weight")])
    fig, ax = plt.subplots(figsize=(6, 2.8))
    ax.hist(weights / 0.01, bins=60)
    ax.set(xlabel="weight / c", ylabel="count", title="critic weights after training with c = 0.01")
    plt.show()
    '''),
    md(r"""
    * **The scale is an accident of $c$.** The critic's gradients (and its
      estimate of $W$) change by many orders of magnitude between the
      clipping bounds: each of the four weight layers can scale a signal by
      at most a constant times $c$, so $K$ can grow like $c^4$ here. Too
      small a $c$ and the gradients reaching the generator vanish; too
      large and the "constraint" no longer constrains, and the critic's
      gradients explode with depth.
    * **The weights pile up at $\pm c$.** Training pushes most weights
      against the bounds (the two spikes): the critic ends up spending its
      capacity on saturated weights, which biases it towards very simple
      functions, and learning slows down.

    ## 5. WGAN-GP: penalise the gradient instead

    Gulrajani et al. (2017) observe that the optimal critic has gradient
    norm exactly 1 almost everywhere on the straight lines between points
    that the optimal coupling pairs (along such a line $f^*$ rises at the
    full allowed rate, as the 1-D $f^*$ above does). So instead of
    constraining the weights, they penalise deviations from that norm at
    random points between real and fake samples:

    $$\hat x = a\, x + (1 - a)\, G(z), \quad a \sim U[0, 1], \qquad
      L_{\text{critic}} = \mathbb{E} f(G(z)) - \mathbb{E} f(x)
      + \lambda\, \mathbb{E}\Big[\big(\|\nabla_{\hat x} f(\hat x)\|_2 - 1\big)^2\Big],$$

    with $\lambda = 10$ (their toy-data code used $0.1$). The critic uses no
    batch norm, since the penalty is per sample (lesson 5).

    **The double backward.** The penalty contains $\nabla_{\hat x} f$, a
    gradient; training needs the gradient of the penalty with respect to
    the critic's weights $w$, that is second derivatives
    $\partial^2 f / \partial w\, \partial \hat x$. In `minigan` this is the
    `create_graph=True` flag of `minigan.grad`: while computing
    $\nabla_{\hat x} f$, the backward pass is itself recorded as a graph, so
    the penalty is an ordinary differentiable function of $w$. Let us look
    at that graph. Every op node keeps its inputs in `_inputs` and every
    non-leaf tensor its node in `grad_fn`, so a graph walk is a few lines:
    """),
    code(r'''
    def graph_nodes(tensor):
        """All op nodes that `tensor` depends on, in an order where inputs come first."""
        order, seen, stack = [], set(), [(tensor.grad_fn, False)]
        while stack:                                   # iterative depth-first post-order
            node, expanded = stack.pop()
            if node is None or (id(node) in seen and not expanded):
                continue
            if expanded:
                order.append(node)
                continue
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((t.grad_fn, False) for t in node._inputs)
        return order


    def touches(node, params):
        return [name for name, p in params.items() for t in node._inputs if t is p]


    minigan.manual_seed(0)
    small = MLPCritic(2, hidden=(16, 16))
    params = dict(small.named_parameters())
    real = minigan.tensor(toy.sample("ring8", 8, 0))
    fake = minigan.tensor(fake_blob(8))

    forward = graph_nodes(small(fake).mean())
    print(f"critic forward + mean: {len(forward)} nodes", dict(Counter(type(n).__name__ for n in forward)))

    penalty, mean_norm = gradient_penalty(small, real, fake, weight=10.0)
    nodes = graph_nodes(penalty)
    print(f"gradient penalty:      {len(nodes)} nodes", dict(Counter(type(n).__name__ for n in nodes)))
    print()
    for node in nodes:
        shapes = [tuple(t.shape) for t in node._inputs]
        uses = touches(node, params)
        print(f"{type(node).__name__:9s} inputs {str(shapes):28s}" + (f" <- uses {uses}" if uses else ""))
    '''),
    md(r"""
    Read the list from the `MatMul` of shape `(8, 1) x (1, 16)` on: it is
    the critic's **backward pass** turned into a forward computation.
    Starting from the upstream gradient of the output, it multiplies by the
    weight matrices (each `Linear` layer's backward is $g W$: the `MatMul`s
    go from the output back to the input) and by the ReLU masks (the
    `TimesDerivativeFn` nodes), then squares, sums, takes the square root
    ($\|\nabla f\|$) and the penalty. Every weight matrix appears: the
    penalty depends on $w$, and `penalty.backward()` differentiates through
    this whole graph.

    The first lines are the critic's forward pass, up to the last hidden
    layer. A mask node keeps the ReLU's input among its inputs, as PyTorch's
    `threshold_backward` does, so the forward layers that made that input
    hang off the graph. But the mask's derivative is zero
    ($\mathrm{ReLU}'' = 0$), so `penalty.backward()` sends nothing down that
    branch. The biases sit only there: the input gradient of a ReLU network
    does not depend on them, except through which units are active.

    Without `create_graph=True` the gradient would be a constant with no
    graph behind it, and the penalty could not train the critic:
    """),
    code(r'''
    x_hat = minigan.tensor(0.5 * (real.numpy() + fake.numpy()), requires_grad=True)
    for create_graph in (False, True):
        (g,) = minigan.grad(small(x_hat).sum(), x_hat, create_graph=create_graph)
        pen = ((minigan.sqrt((g * g).sum(axis=1)) - 1.0) ** 2).mean()
        print(f"create_graph={create_graph!s:5s}: gradient has a graph: {g.grad_fn is not None}, "
              f"penalty requires grad: {pen.requires_grad}, "
              f"graph nodes: {len(graph_nodes(pen)) if pen.requires_grad else 0}")
    '''),
    md(r"""
    **Back to the 1-D pair of section 3.** A small critic trained with the
    penalty (and nothing else: there is no generator here) should recover
    $W$ and the shape of $f^*$ (up to an additive constant, which the
    objective cannot see). One practical detail: started with
    $\lambda = 10$, the critic first finds the quickest gain, a straight
    line of slope $-1$ (Q's mean lies right of P's), and then stays there.
    Bending the right-hand side up to slope $+1$ would mean passing through
    slope 0, where the penalty costs $\lambda$ per unit of $\hat x$ mass: a
    barrier. So we start with a very soft penalty ($\lambda = 0.1$), which
    lets the critic find the V shape (with slopes far above 1), and then
    tighten it to $\lambda = 10$, which brings the slopes back to about 1:
    """),
    code(r'''
    minigan.manual_seed(0)
    critic_1d = MLPCritic(1, hidden=(64, 64))
    opt = optim.Adam(critic_1d.parameters(), lr=1e-3, betas=(0.5, 0.9))
    STEPS_1D = 750 if SMALL else 1500
    for step in range(STEPS_1D):
        p_batch = minigan.tensor(sample_p(512)[:, None])
        q_batch = minigan.tensor(sample_q(512)[:, None])
        gap = critic_1d(p_batch).mean() - critic_1d(q_batch).mean()
        lam = 0.1 if step < STEPS_1D // 3 else 10.0
        gp, mean_norm = gradient_penalty(critic_1d, p_batch, q_batch, weight=lam)
        loss = -gap + gp
        opt.zero_grad()
        loss.backward()
        opt.step()

    with minigan.no_grad():
        f_learned = critic_1d(minigan.tensor(t.astype(np.float32)[:, None])).numpy().ravel()
        big_p = minigan.tensor(sample_p(100_000)[:, None])
        big_q = minigan.tensor(sample_q(100_000)[:, None])
        estimate = (critic_1d(big_p).mean() - critic_1d(big_q).mean()).item()
    print(f"W = {W_cdf:.4f}; trained critic's E_P f - E_Q f = {estimate:.4f}; "
          f"mean |f'| at the interpolates {mean_norm:.3f}")

    fig, ax = plt.subplots(figsize=(7, 3))
    ax.plot(t, f_star - f_star.mean(), "k--", label="optimal critic $f^*$ (from the CDFs)")
    ax.plot(t, f_learned - f_learned.mean(), label="critic trained with the gradient penalty")
    ax.hist(sample_p(20_000), bins=120, density=True, alpha=0.3, label="P")
    ax.hist(sample_q(20_000), bins=120, density=True, alpha=0.3, label="Q")
    ax.set(xlim=(-5, 5), xlabel="x")
    ax.legend(fontsize="small")
    plt.show()
    '''),
    md(r"""
    The estimate comes out a few percent above $W$: the penalty is soft, so
    the critic trades a little penalty for a larger gap and its slopes
    settle slightly above 1 (maximising $s\,c - \lambda (s - 1)^2$ over the
    slope $s$ gives $s = 1 + c / 2\lambda$). And the penalty only acts where
    $\hat x$ lands, between samples of $P$ and $Q$, so the learned critic
    matches $f^*$ where the mass is and is loosely constrained outside.

    ## 6. Mode coverage: vanilla GAN against WGAN-GP

    Now a WGAN-GP on the ring: five critic steps per generator step, the
    penalty with $\lambda = 0.1$ as in the authors' toy code, Adam with
    $\beta = (0.5, 0.9)$. The learning rate is $10^{-3}$ and drops to
    $10^{-4}$ for the last quarter of training: at the larger rate the
    samples keep jittering around the modes by more than the modes' own
    width (0.02), which `mode_coverage` would count as low quality. The
    critic is never saturated, so even a generator stuck on one mode
    receives a gradient towards all the others: the critic's slope points
    towards every mode that lacks fakes.
    """),
    code(r'''
    minigan.manual_seed(0)
    LATENT_WGAN = 2
    G_w = MLPGenerator(LATENT_WGAN, 2, hidden=(128, 128, 128))
    D_w = MLPCritic(2, hidden=(128, 128, 128))
    wgan_gp = Updater(G_w, D_w, optim.Adam(G_w.parameters(), lr=1e-3, betas=(0.5, 0.9)),
                      optim.Adam(D_w.parameters(), lr=1e-3, betas=(0.5, 0.9)), LATENT_WGAN,
                      UpdaterConfig(loss="wasserstein", n_disc=5, gp_weight=0.1))
    WGAN_STEPS = 40 if SMALL else 800
    next_real = next_ring_batch(np.random.default_rng(2))
    for step in range(1, WGAN_STEPS + 1):
        if step == 3 * WGAN_STEPS // 4:          # smaller steps for the last quarter: sharper modes
            for opt in (wgan_gp.opt_G, wgan_gp.opt_D):
                for group in opt.param_groups:
                    group["lr"] = 1e-4
        log = wgan_gp.step(next_real)
        if step % (WGAN_STEPS // 4) == 0:
            print(f"step {step:4d}: W estimate {log['wasserstein']:.3f}, penalty {log['gp']:.4f}, "
                  f"mean |grad f| at x_hat {log['critic_grad_norm_x']:.2f}")
    '''),
    code(r'''
    final = {"vanilla GAN": coverage_of(G_gan, LATENT_GAN), "WGAN-GP": coverage_of(G_w, LATENT_WGAN)}
    fig, axes = plt.subplots(1, 2, figsize=(8, 4))
    for ax, (name, (samples, cov)) in zip(axes, final.items()):
        ax.scatter(ring[:, 0], ring[:, 1], s=2, c="k")
        ax.scatter(samples[:, 0], samples[:, 1], s=1, c="tab:orange", alpha=0.3)
        ax.set(xlim=(-3, 3), ylim=(-3, 3), aspect="equal", title=name)
    plt.show()
    print(f"{'':12s} {'modes':>6s} {'high quality':>13s} {'KL to uniform':>14s}")
    for name, (_, cov) in final.items():
        print(f"{name:12s} {cov['modes_captured']:6d} {cov['high_quality_fraction']:13.3f} "
              f"{cov['kl_to_uniform']:14.3f}")
    '''),
    md(r"""
    The WGAN-GP generator spreads over the whole ring and captures all eight
    modes; the vanilla GAN holds one (or a few) at a time. Note what the
    WGAN-GP samples also show: thin bridges between the modes. The
    generator is a continuous map from a connected latent space, so it
    cannot put zero mass between two modes; it can only make the bridges
    thin. The high-quality fraction measures exactly that.

    ## Exercise: the earth mover distance in 1-D

    For two samples of the same size $n$ in 1-D, the optimal transport plan
    pairs them in sorted order, so
    $W = \frac1n \sum_i |x_{(i)} - y_{(i)}|$. Write `earth_mover_1d(x, y)`.
    """),
    code(r'''
    def earth_mover_1d(x, y):
        """W1 between the empirical distributions of two equal-size 1-D samples."""
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if x.shape != y.shape or x.ndim != 1:
            raise ValueError(f"expected two 1-D samples of the same size, got {x.shape} and {y.shape}")
        ### BEGIN SOLUTION
        return float(np.abs(np.sort(x) - np.sort(y)).mean())
        ### END SOLUTION
    '''),
    code(r'''
    a, b = rng.standard_normal(1000), rng.exponential(size=1000)
    assert abs(earth_mover_1d(a, b) - wasserstein_distance(a, b)) < 1e-10
    assert abs(earth_mover_1d(a, a + 3.0) - 3.0) < 1e-10
    ### BEGIN HIDDEN TESTS
    c, d = rng.uniform(size=50), rng.normal(size=50)
    assert abs(earth_mover_1d(c, d) - wasserstein_distance(c, d)) < 1e-10
    assert earth_mover_1d(c, rng.permutation(c)) == 0.0
    ### END HIDDEN TESTS
    print("earth_mover_1d is right")
    '''),
    md(r"""
    ## Summary

    * Mode collapse: the generator follows the current discriminator, whose
      best fool is a single spot; `mode_coverage` counts it on the ring.
    * With disjoint supports the JSD is stuck at $\log 2$; the earth mover
      distance still measures how far apart the distributions are.
    * Kantorovich-Rubinstein: $W$ is the largest gap
      $\mathbb{E}_P f - \mathbb{E}_Q f$ over 1-Lipschitz $f$, so a critic
      network can estimate it, if it is kept Lipschitz.
    * Weight clipping keeps it Lipschitz crudely (scale set by $c$, weights
      stuck at the bounds); the gradient penalty asks for
      $\|\nabla f\| = 1$ between real and fake points, and needs gradients
      of gradients (`create_graph=True`).
    * On the ring, WGAN-GP covers every mode where the vanilla GAN hops.
    """),
]

# ============================================================================ lesson 7
LESSON_7 = [
    md(r"""
    # Lesson 7: Spectral normalisation and self-attention

    Lesson 6 kept a critic Lipschitz with a gradient penalty, which costs a
    second backward pass per step. Miyato et al. (2018) found a cheaper
    handle: bound every layer's Lipschitz constant by its largest singular
    value and divide it out. Zhang et al. (2019) then built **SAGAN** on
    spectrally normalised networks with self-attention layers. In this
    lesson we

    1. bound a network's Lipschitz constant by the product of its layers'
       spectral norms, and check the bound numerically;
    2. derive power iteration and watch it converge to NumPy's SVD;
    3. train an SNGAN briefly and look at its layers;
    4. see what a self-attention layer computes, and visualise where it
       looks.
    """),
    setup(third_party=["import matplotlib.pyplot as plt"],
          ours=["from minigan import nn, optim",
                "from minigan.data import get_dataset",
                "from minigan.gan import Updater, UpdaterConfig",
                "from minigan.gan.models import build, spectrally_normalized_layers",
                "from minigan.nn import functional as F",
                "from minigan.nn.utils import spectral_norm",
                "from minigan.viz.plots import image_grid"]),
    md(r"""
    ## 1. The Lipschitz constant of a network

    A function is $K$-Lipschitz if $\|f(x) - f(y)\| \le K \|x - y\|$ for all
    $x, y$; for a differentiable scalar $f$ the smallest such $K$ is
    $\sup_x \|\nabla f(x)\|$. Layer by layer:

    * a linear layer $x \mapsto Wx + b$ has $\|W(x - y)\| \le \sigma(W)\,\|x - y\|$
      with $\sigma(W)$ the largest singular value (the **spectral norm**),
      and no smaller constant works: take $x - y$ along the top right
      singular vector;
    * ReLU and LeakyReLU (slope $\le 1$) are 1-Lipschitz;
    * a composition multiplies the constants:
      $\mathrm{Lip}(g \circ h) \le \mathrm{Lip}(g)\,\mathrm{Lip}(h)$.

    So for an MLP $f = W_L \circ \phi \circ \cdots \circ \phi \circ W_1$,

    $$\mathrm{Lip}(f) \le \prod_{l=1}^{L} \sigma(W_l).$$

    The bound ignores how the layers line up (the top singular directions
    of consecutive layers rarely match, and the activations switch units
    off), so it is usually loose. We compare it with the largest gradient
    norm found at many random points, a lower estimate of the true
    constant:
    """),
    code(r'''
    def make_mlp(sn=False):
        wrap = spectral_norm if sn else (lambda layer: layer)
        minigan.manual_seed(0)
        return nn.Sequential(wrap(nn.Linear(2, 64)), nn.LeakyReLU(0.2), wrap(nn.Linear(64, 64)),
                             nn.LeakyReLU(0.2), wrap(nn.Linear(64, 1)))


    def effective_weights(net):
        """Each Linear's weight as used in forward (W / sigma for a normalised layer)."""
        return [m.weight.detach().numpy() for m in net.modules() if isinstance(m, nn.Linear)]


    def largest_gradient_norm(net, n=4096):
        x = minigan.tensor(rng.uniform(-3, 3, (n, 2)).astype(np.float32), requires_grad=True)
        (g,) = minigan.grad(net(x).sum(), x)
        return float(np.linalg.norm(g.numpy(), axis=1).max())


    for sn in (False, True):
        net = make_mlp(sn)
        for _ in range(200):                     # spectral norm: let the power iteration settle
            net(minigan.randn(8, 2))
        net.eval()
        sigmas = [np.linalg.norm(w, 2) for w in effective_weights(net)]
        print(f"spectral_norm={sn!s:5s}: sigma per layer {np.round(sigmas, 3)}, "
              f"bound = product = {np.prod(sigmas):.3f}, largest |grad f| found = {largest_gradient_norm(net):.3f}")
    '''),
    md(r"""
    With `spectral_norm` every layer computes with $W / \sigma(W)$, each
    factor is 1, and the whole network is 1-Lipschitz by construction,
    whatever its weights learn.

    ## 2. Power iteration

    Computing an SVD of every weight at every step would be costly.
    Write $W = \sum_i \sigma_i u_i v_i^\top$ with $\sigma_1 > \sigma_2 \ge \dots$.
    Then $W^\top W v_j = \sigma_j^2 v_j$, so applying $W^\top W$ to a vector
    $v = \sum_j c_j v_j$ multiplies its $j$-th component by $\sigma_j^2$.
    After $k$ applications (and normalisation) the components other than
    the first have shrunk relative to it by $(\sigma_j / \sigma_1)^{2k}$, and
    $v \to \pm v_1$. Split into its two halves, one round is

    $$v \leftarrow \frac{W^\top u}{\|W^\top u\|}, \qquad u \leftarrow \frac{W v}{\|W v\|},
      \qquad \hat\sigma = u^\top W v = \|W v\| .$$

    How good is $\hat\sigma$? Write $v = \sqrt{1 - \varepsilon^2}\, v_1 + \varepsilon\, v_2$
    (keeping only the largest leftover component). Then
    $\hat\sigma^2 = \|Wv\|^2 = \sigma_1^2 - (\sigma_1^2 - \sigma_2^2)\,\varepsilon^2$:
    the estimate is always **from below**, and its error is quadratic in
    the direction's error $\varepsilon \sim (\sigma_2/\sigma_1)^{2k}$, so it
    falls like $(\sigma_2 / \sigma_1)^{4k}$: fast when the top singular
    value stands out, slow when $\sigma_2 \approx \sigma_1$. We build
    matrices with a chosen gap and run the iteration in NumPy:
    """),
    code(r'''
    def matrix_with_spectrum(sigmas, rows=64, cols=48):
        U, _ = np.linalg.qr(rng.standard_normal((rows, len(sigmas))))
        V, _ = np.linalg.qr(rng.standard_normal((cols, len(sigmas))))
        return (U * sigmas) @ V.T


    fig, ax = plt.subplots(figsize=(7, 3.5))
    ks = np.arange(1, 31)
    for ratio in (0.5, 0.8, 0.95):
        W = matrix_with_spectrum(np.r_[2.0, 2.0 * ratio, 2.0 * ratio * np.linspace(0.9, 0.1, 10)])
        true_sigma = np.linalg.svd(W, compute_uv=False)[0]
        u = rng.standard_normal(W.shape[0])
        u /= np.linalg.norm(u)
        errors = []
        for k in ks:
            v = W.T @ u
            v /= np.linalg.norm(v)
            u = W @ v
            u /= np.linalg.norm(u)
            errors.append(abs(u @ W @ v - true_sigma) / true_sigma)
        line, = ax.semilogy(ks, errors, "o", ms=3, label=rf"$\sigma_2/\sigma_1 = {ratio}$")
        ax.semilogy(ks, errors[0] * ratio ** (4 * (ks - 1)), "-", color=line.get_color(), lw=0.8)
    ax.set(xlabel="iterations k", ylabel="relative error of the estimate", ylim=(1e-16, 1),
           title=r"dots: power iteration; lines: $\propto (\sigma_2/\sigma_1)^{4k}$")
    ax.legend()
    plt.show()
    '''),
    md(r"""
    A network's weights change only a little per optimiser step, so
    `minigan.nn.utils.spectral_norm` (like PyTorch's and the paper's) keeps
    $u$ and $v$ as buffers and runs **one** iteration per forward pass in
    training mode: over the steps the iteration keeps converging while
    tracking the moving weight. In evaluation mode it reuses the stored
    vectors. We watch the estimate stored in a normalised layer converge to
    the SVD's value. Randomly initialised matrices have their top singular
    values close together, the slow case of the plot above:
    """),
    code(r'''
    layer = spectral_norm(nn.Linear(48, 64))
    W = layer.weight_orig.detach().numpy()
    singular_values = np.linalg.svd(W, compute_uv=False)
    true_sigma = singular_values[0]
    print(f"this weight: sigma_1 = {true_sigma:.4f}, sigma_2 / sigma_1 = {singular_values[1] / true_sigma:.3f}")
    for step in range(1, 201):
        layer(minigan.randn(4, 48))             # training mode: one power iteration
        if step in (1, 2, 5, 10, 20, 50, 100, 200):
            u, v = layer.weight_u.numpy(), layer.weight_v.numpy()
            used = np.linalg.norm(layer.weight.detach().numpy(), 2)
            print(f"after {step:3d} forward passes: estimate {u @ W @ v:.6f} (SVD {true_sigma:.6f}), "
                  f"sigma of the weight used in forward {used:.6f}")
    '''),
    md(r"""
    **Convolutions.** For a conv weight of shape $(C_\text{out}, C_\text{in}, k, k)$
    the library, like the paper, normalises the matrix
    $C_\text{out} \times (C_\text{in} k^2)$. That is a convenient proxy, not the
    Lipschitz constant of the convolution *operator*, in which every weight
    is applied at many overlapping positions. We can get the operator's
    norm by the same power iteration on the map $x \mapsto \mathrm{conv}(x)$,
    with its transpose provided by autograd: for $y = A x$, the gradient of
    $\langle y, r \rangle$ with respect to $x$ is $A^\top r$.
    """),
    code(r'''
    minigan.manual_seed(0)
    conv = nn.Conv2d(8, 16, 3, padding=1)
    weight = conv.weight.detach()
    matrix_sigma = np.linalg.norm(weight.numpy().reshape(16, -1), 2)

    x = minigan.randn(1, 8, 16, 16)
    for _ in range(50 if SMALL else 200):
        x = minigan.tensor(x.numpy() / np.linalg.norm(x.numpy()), requires_grad=True)
        y = F.conv2d(x, weight, padding=1)                  # A x (no bias: the linear part)
        (x_next,) = minigan.grad(y, x, grad_outputs=y)      # A^T A x
        operator_sigma = float(np.sqrt((x.detach().numpy() * x_next.numpy()).sum()))
        x = x_next
    print(f"sigma of the reshaped 16 x 72 matrix: {matrix_sigma:.3f}")
    print(f"sigma of the convolution operator on 16x16 images: {operator_sigma:.3f}")
    '''),
    md(r"""
    The two differ. A convolution is the reshaped matrix applied after
    `im2col`, which copies every pixel into the $k^2$ patches that contain
    it; that copying has norm $k$, so the operator's norm lies between
    roughly the matrix's norm and $k$ times it (here about twice). A
    "spectrally normalised" conv layer is therefore only approximately
    1-Lipschitz. In practice the approximation is good enough to tame a
    discriminator, which is what SNGAN needs.

    ## 3. SNGAN, briefly

    `build("sngan", "image")` gives the paper's "standard CNN": every conv
    and linear layer of $D$ spectrally normalised, LeakyReLU(0.1), trained
    with the hinge loss
    $L_D = \mathbb{E}[\max(0, 1 - D(x))] + \mathbb{E}[\max(0, 1 + D(G(z)))]$,
    $L_G = -\mathbb{E}[D(G(z))]$. No gradient penalty, no second backward,
    one critic step per generator step. We train it for a short while on
    the embedded digits at 16x16 (small widths, so that it runs on a CPU).
    """),
    code(r'''
    digits16 = get_dataset("digits", size=16).data
    WIDTH = 8 if SMALL else 16
    SN_STEPS = 8 if SMALL else 400
    minigan.manual_seed(0)
    G_sn, D_sn, info = build("sngan", "image", image_size=16, ngf=WIDTH, ndf=WIDTH)
    sngan = Updater(G_sn, D_sn, optim.Adam(G_sn.parameters(), lr=2e-4, betas=(0.5, 0.999)),
                    optim.Adam(D_sn.parameters(), lr=2e-4, betas=(0.5, 0.999)), info["latent_dim"],
                    UpdaterConfig(loss="hinge"))
    batches = np.random.default_rng(0)
    next_real = lambda: minigan.tensor(digits16[batches.integers(0, len(digits16), 64)])
    sn_log = [sngan.step(next_real) for _ in range(SN_STEPS)]
    print(f"{SN_STEPS} steps; last d_loss {sn_log[-1]['d_loss']:.3f}, g_loss {sn_log[-1]['g_loss']:.3f}")

    D_sn.eval()                                  # evaluation mode: no power-iteration step
    with minigan.no_grad():
        D_sn(minigan.tensor(digits16[:2]))       # the hooks set each layer.weight = weight_orig / sigma_hat
    print(f"{'layer':10s} {'sigma(weight_orig)':>19s} {'sigma(W / sigma_hat)':>21s}")
    for name, layer, has_sn in spectrally_normalized_layers(D_sn):
        w_orig = layer.weight_orig.detach().numpy()
        w_used = layer.weight.detach().numpy()
        flat = lambda w: w.reshape(w.shape[0], -1)
        print(f"{name:10s} {np.linalg.norm(flat(w_orig), 2):19.3f} {np.linalg.norm(flat(w_used), 2):21.4f}")
    D_sn.train()

    G_sn.eval()
    with minigan.no_grad():
        samples = G_sn(minigan.randn(64, info["latent_dim"])).numpy()
    G_sn.train()
    fig, axes = plt.subplots(1, 2, figsize=(8, 4))
    axes[0].imshow(image_grid(digits16[:64])[..., 0], cmap="gray")
    axes[0].set_title("real digits (16x16)")
    axes[1].imshow(image_grid(samples)[..., 0], cmap="gray")
    axes[1].set_title(f"SNGAN after {SN_STEPS} steps")
    for ax in axes:
        ax.set_axis_off()
    plt.show()
    '''),
    md(r"""
    The trained weights `weight_orig` have whatever scale the optimiser
    gives them; the weights actually used have spectral norm 1 (as
    matrices), so no layer of $D$ can sharpen its response, however long
    it trains. The column on the right is a little above 1 in places: the
    power iteration's estimate approaches $\sigma$ from below, and with one
    iteration per step it trails a weight that keeps moving. Since
    $\hat\sigma \le \sigma$, the normalised weight's norm $\sigma / \hat\sigma$
    errs only upwards.

    ## 4. Self-attention

    A convolution mixes only neighbouring positions; relating two distant
    parts of an image takes many layers. A **self-attention** layer lets
    every position read from every other one in one step. For a feature map
    $x$ with $C$ channels and $N = HW$ positions $x_1, \dots, x_N$, three
    1x1 convolutions give a query $f_i = W_f x_i$, a key $g_j = W_g x_j$
    (both with $C/8$ channels) and a value $h_j = W_h x_j$; then

    $$\beta_{ij} = \frac{\exp(f_i^\top g_j)}{\sum_{k} \exp(f_i^\top g_k)}, \qquad
      o_i = \sum_j \beta_{ij}\, h_j, \qquad y_i = \gamma\, o_i + x_i .$$

    Row $i$ of $\beta$ is a probability distribution over positions: where
    position $i$ looks. The learned scalar $\gamma$ starts at 0, so the
    layer starts as the identity and the network decides how much to use
    it. The cost is an $N \times N$ matrix per image, which is why SAGAN
    puts attention at a middle resolution.

    **A task that needs attention.** Each input has a noise channel and a
    second channel that marks one random position; the output at *every*
    position must contain the noise value found at the marked position. No
    local operation can do this. We train a lone `nn.SelfAttention` layer
    on it:
    """),
    code(r'''
    H = W = 8


    def marker_batch(n):
        x = np.zeros((n, 4, H, W), np.float32)
        x[:, 0] = rng.standard_normal((n, H, W))               # the values
        where = rng.integers(0, H * W, n)
        x[np.arange(n), 1, where // W, where % W] = 1.0         # the marker
        return x, x[np.arange(n), 0, where // W, where % W], where


    minigan.manual_seed(0)
    attention = nn.SelfAttention(4, reduction=4)
    opt = optim.Adam(attention.parameters(), lr=0.02)
    for step in range(200 if SMALL else 600):
        x, target, _ = marker_batch(32)
        y = attention(minigan.tensor(x))
        loss = ((y[:, 2] - minigan.tensor(target).reshape(-1, 1, 1)) ** 2).mean()   # channel 2 = answer
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"final loss {loss.item():.4f} (a layer that ignores the marker gets about 1), gamma = {attention.gamma.item():.2f}")

    x, _, where = marker_batch(3)
    with minigan.no_grad():
        _, beta = attention(minigan.tensor(x), return_attention=True)      # (3, 64, 64)
    beta = beta.numpy()
    queries = [0, 27, 63]
    fig, axes = plt.subplots(3, len(queries) + 1, figsize=(2.4 * (len(queries) + 1), 7))
    for b in range(3):
        axes[b, 0].imshow(x[b, 0], cmap="gray")
        axes[b, 0].plot(where[b] % W, where[b] // W, "r*", ms=12)
        axes[b, 0].set_title("values, marker *", fontsize=9)
        for col, q in enumerate(queries, start=1):
            axes[b, col].imshow(beta[b, q].reshape(H, W), cmap="viridis", vmin=0, vmax=1)
            axes[b, col].plot(q % W, q // W, "wo", ms=6)
            axes[b, col].set_title(f"where query {q} looks", fontsize=9)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    plt.show()
    '''),
    md(r"""
    Whatever the query position (white dot), its attention row puts nearly
    all its weight on the marked position (red star): the layer learned
    keys that light up at the marker and a value that carries the noise
    channel into the answer channel.

    **SAGAN.** `build("sagan", "image")` puts such a layer into both
    networks, with spectral normalisation on *every* layer of both (the
    paper found that normalising $G$ too steadies training), the hinge
    loss, and different learning rates for $D$ and $G$ ($4\cdot10^{-4}$ and
    $10^{-4}$: the "two time-scale update rule"). We train one briefly and
    look at the attention inside its discriminator on real digits.
    """),
    code(r'''
    SA_STEPS = 5 if SMALL else 400
    minigan.manual_seed(0)
    G_sa, D_sa, info = build("sagan", "image", image_size=16, ngf=WIDTH, ndf=WIDTH)
    sagan = Updater(G_sa, D_sa, optim.Adam(G_sa.parameters(), lr=1e-4, betas=(0.0, 0.9)),
                    optim.Adam(D_sa.parameters(), lr=4e-4, betas=(0.0, 0.9)), info["latent_dim"],
                    UpdaterConfig(loss="hinge"))
    sa_log = [sagan.step(next_real) for _ in range(SA_STEPS)]


    def run_with_attention(net, x):
        """Run a Sequential layer by layer, returning the output and the attention map of its SelfAttention."""
        beta = None
        for layer in net:
            if isinstance(layer, nn.SelfAttention):
                x, beta = layer(x, return_attention=True)
            else:
                x = layer(x)
        return x, beta


    D_sa.eval()
    with minigan.no_grad():
        _, beta = run_with_attention(D_sa.net, minigan.tensor(digits16[:3]))
    D_sa.train()
    beta = beta.numpy()
    side = int(np.sqrt(beta.shape[-1]))                # 8x8 feature map for 16x16 images
    gamma = [m.gamma.item() for m in D_sa.modules() if isinstance(m, nn.SelfAttention)][0]
    print(f"after {SA_STEPS} steps: attention at {side}x{side} in D, gamma = {gamma:.4f}")

    queries = [side * 2 + 2, side * 4 + 4, side * 6 + 5]
    fig, axes = plt.subplots(3, len(queries) + 1, figsize=(2.4 * (len(queries) + 1), 7))
    for b in range(3):
        axes[b, 0].imshow(digits16[b, 0], cmap="gray")
        axes[b, 0].set_title("input digit", fontsize=9)
        for col, q in enumerate(queries, start=1):
            axes[b, col].imshow(digits16[b, 0], cmap="gray", extent=(0, side, side, 0))
            axes[b, col].imshow(beta[b, q].reshape(side, side), cmap="inferno", alpha=0.6, extent=(0, side, side, 0))
            axes[b, col].plot(q % side + 0.5, q // side + 0.5, "co", ms=6)
            axes[b, col].set_title(f"query {q}", fontsize=9)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    plt.show()
    '''),
    md(r"""
    (Each map is drawn with its own colour scale.) After a short training
    run the discriminator's attention is rough and often much the same for
    every query (a global summary of the image, such as where the
    background is), and $|\gamma|$ is small: the network has only begun to
    use non-local evidence. Attention maps of fully trained SAGANs on
    ImageNet show queries attending to regions of similar colour and
    texture, often far away (the paper's attention figures); that takes
    many hours of training, which is not the point here. The mechanism is
    the one the marker task showed.

    ## Exercise: the Lipschitz bound of an MLP

    Write `lipschitz_bound(net)`: the product of the spectral norms of the
    weights of every `nn.Linear` inside `net`, computed with
    `np.linalg.norm(..., 2)` on the weight as used in forward.
    """),
    code(r'''
    def lipschitz_bound(net):
        """Product of sigma(W) over the Linear layers of net (1-Lipschitz activations assumed)."""
        ### BEGIN SOLUTION
        bound = 1.0
        for module in net.modules():
            if isinstance(module, nn.Linear):
                bound *= float(np.linalg.norm(module.weight.detach().numpy(), 2))
        return bound
        ### END SOLUTION
    '''),
    code(r'''
    plain = make_mlp(sn=False)
    assert lipschitz_bound(plain) >= largest_gradient_norm(plain)
    expected = np.prod([np.linalg.svd(w, compute_uv=False)[0] for w in effective_weights(plain)])
    assert abs(lipschitz_bound(plain) - expected) < 1e-4 * expected
    ### BEGIN HIDDEN TESTS
    normalised = make_mlp(sn=True)
    for _ in range(5):
        normalised(minigan.randn(4, 2))
    expected = np.prod([np.linalg.norm(w, 2) for w in effective_weights(normalised)])
    assert abs(lipschitz_bound(normalised) - expected) < 1e-4 * expected
    assert lipschitz_bound(normalised) >= largest_gradient_norm(normalised)
    ### END HIDDEN TESTS
    print("lipschitz_bound is right")
    '''),
    md(r"""
    ## Summary

    * $\mathrm{Lip}(f) \le \prod_l \sigma(W_l)$ for networks with 1-Lipschitz
      activations; dividing each weight by $\sigma(W)$ makes the bound 1.
    * Power iteration estimates $\sigma$ with error
      $\sim (\sigma_2/\sigma_1)^{2k}$; one iteration per training step is
      enough because the weights move slowly.
    * For convolutions the library normalises the reshaped kernel matrix,
      an approximation of the operator's norm.
    * SNGAN: spectral norm in $D$ and the hinge loss, no penalty needed.
    * Self-attention: each position takes a softmax-weighted average of
      values from all positions; $\gamma$ starts at 0; SAGAN adds it to
      spectrally normalised $G$ and $D$.
    """),
]

# ============================================================================ lesson 8
LESSON_8 = [
    md(r"""
    # Lesson 8: Evaluating GANs

    A GAN gives us samples, not a likelihood, so "how good is this
    generator?" has no single answer. We want samples that look real
    (quality), that vary as much as the data (diversity, no mode collapse),
    and that are not copies of the training set (generalisation). In this
    lesson we try the standard numbers on sample sets whose flaws we know in
    advance, and see which flaw each number catches and which it misses:

    1. Parzen-window log-likelihood (the 2014 GAN paper's number), and why
       it misleads;
    2. a digit classifier as the measuring instrument; the Inception Score;
    3. the Fréchet distance (FID) and its bias;
    4. a nearest-neighbour check for memorisation;
    5. mode coverage on 2-D data.

    Everything used here is in `minigan.metrics`; the general functions
    take plain arrays, so they work with any generator and any feature
    network.
    """),
    setup(stdlib=["from pathlib import Path"],
          third_party=["import matplotlib.pyplot as plt"],
          ours=["from minigan import optim",
                "from minigan.data import get_dataset, load_mnist, toy",
                "from minigan.gan import Updater, UpdaterConfig",
                "from minigan.gan.models import build",
                ("from minigan.metrics import (fid_from_features, frechet_distance, from_tanh_range,\n"
                 "                             mode_coverage, nearest_neighbours, parzen_evaluate,\n"
                 "                             parzen_log_likelihood)"),
                "from minigan.metrics.classifier import classifier_info, features, load_mnist_classifier, predict",
                "from minigan.metrics.mnist import class_balance_of, mnist_fid, mnist_inception_score",
                "from minigan.viz.plots import image_grid"]),
    md(r"""
    ## 0. A test bench of generators with known flaws

    We need 28x28 digits in $[-1, 1]$. As in lesson 5 we use the MNIST test
    split when it is on disk, and only its last 2,000 digits: the first
    8,000 trained the classifier of section 2, and a measuring instrument
    should not be tested on its own training data. Without MNIST we fall
    back to the 1,797 UCI digits upsampled to 28x28 (the classifier has
    never seen those either, but they look different from MNIST, so it is
    less sure of them and the numbers below are less clear-cut).

    The digits are split into **A**, which plays the training set, **B**,
    which plays "new digits from the same distribution" (what a perfect
    generator would produce), a validation set (for choosing bandwidths) and
    a test set. The "generators" are sample sets:

    | name | samples | flaw |
    |------|---------|------|
    | `fresh real` | the digits of B | none: the ideal |
    | `memoriser` | copies of A | copies its training set |
    | `blurry` | each A digit averaged with its 4 nearest neighbours in A | blurred, and built from the training set |
    | `noisy` | A plus Gaussian pixel noise (std 0.3 on $[-1, 1]$) | noise |
    | `half the classes` | A's digits 0 to 4 only, each twice | drops modes |
    | `one per class` | one digit of each class, repeated | no variety within a class |
    | `GAN` | a small MLP GAN trained briefly on A | whatever it learned |
    """),
    code(r'''
    REPO = Path(minigan.__file__).resolve().parents[1]
    digits = None
    for root in (REPO.parent / "shared" / "data" / "mnist", None):    # None: MINIGAN_DATA or ~/.cache/minigan
        try:
            x_all, y_all = load_mnist("test", root=root, download=False)
            digits, labels, source = x_all[8000:], y_all[8000:], "MNIST test digits 8000-9999"
            break
        except FileNotFoundError:
            continue
    if digits is None:
        fallback = get_dataset("digits", size=28)
        digits, labels, source = fallback.data, fallback.labels, "UCI digits upsampled to 28x28"

    order = rng.permutation(len(digits))
    A, labels_A = digits[order[:500]], labels[order[:500]]
    B = digits[order[500:1000]]
    val, test, labels_test = digits[order[1000:1100]], digits[order[1100:]], labels[order[1100:]]
    print(f"{source}: A {len(A)}, B {len(B)}, validation {len(val)}, test {len(test)}")

    neighbours, _ = nearest_neighbours(A, A, k=5)           # each digit and its 4 nearest others
    low = A[labels_A < 5]
    models = {
        "fresh real": B,
        "memoriser": A.copy(),
        "blurry": A[neighbours].mean(axis=1),
        "noisy": np.clip(A + 0.3 * rng.standard_normal(A.shape), -1, 1).astype(np.float32),
        "half the classes": np.concatenate([low, low])[:500],
        "one per class": np.tile(np.stack([A[labels_A == c][0] for c in range(10)]), (50, 1, 1, 1)),
    }
    '''),
    md(r"""
    The GAN: lesson 4's recipe with `build("gan", "image")`, small fully
    connected networks, trained on A with the non-saturating loss.
    """),
    code(r'''
    minigan.manual_seed(0)
    LATENT = 32
    G, D, info = build("gan", "image", image_size=28, latent_dim=LATENT, g_hidden=(128, 256),
                       d_hidden=(256, 128))
    updater = Updater(G, D, optim.Adam(G.parameters(), lr=5e-4, betas=(0.5, 0.999)),
                      optim.Adam(D.parameters(), lr=5e-4, betas=(0.5, 0.999)), LATENT,
                      UpdaterConfig(loss="nonsaturating"))
    batches = np.random.default_rng(1)
    GAN_STEPS = 200 if SMALL else 3000
    for step in range(GAN_STEPS):
        updater.step(lambda: minigan.tensor(A[batches.integers(0, len(A), 64)]))
    with minigan.no_grad():
        models["GAN"] = G(minigan.randn(500, LATENT)).numpy()

    fig, axes = plt.subplots(len(models), 1, figsize=(9, 0.9 * len(models)))
    for ax, (name, samples) in zip(axes, models.items()):
        ax.imshow(image_grid(samples[rng.permutation(len(samples))[:16]], nrow=16)[..., 0], cmap="gray")
        ax.set_ylabel(name, rotation=0, ha="right", va="center")
        ax.set_xticks([])
        ax.set_yticks([])
    plt.show()
    '''),
    md(r"""
    ## 1. Parzen windows

    Goodfellow et al. (2014) reported log-likelihoods by placing a Gaussian
    of width $\sigma$ on each of $S$ generated samples $s_i$ and scoring
    test points under that mixture,

    $$\log p(x) = \log \frac1S \sum_{i=1}^{S} \mathcal N(x;\, s_i, \sigma^2 I)
      = \operatorname*{logsumexp}_i\Big(-\frac{\|x - s_i\|^2}{2\sigma^2}\Big) - \log S - \frac D2 \log(2\pi\sigma^2),$$

    with $\sigma$ chosen to maximise the likelihood of a validation set,
    pixels in $[0, 1]$, $D = 784$. `parzen_evaluate` runs that protocol.
    """),
    code(r'''
    pixels = lambda images: from_tanh_range(images.reshape(len(images), -1))    # [-1, 1] -> [0, 1]
    sigmas = np.logspace(-1.5, 0, 16)
    parzen = {name: parzen_evaluate(pixels(s), pixels(val), pixels(test), sigmas=sigmas)
              for name, s in models.items()}
    for name, r in sorted(parzen.items(), key=lambda item: -item[1]["mean"]):
        print(f"{name:17s} log-likelihood {r['mean']:8.1f} +- {r['stderr']:.1f} nats   (sigma = {r['sigma']:.3f})")
    '''),
    md(r"""
    Look at the ranking:

    * the **memoriser** scores like fresh real digits: the number cannot
      tell copying from generalising (a Gaussian on a training digit is as
      good a kernel as one on a new digit);
    * the **blurry** averages of training digits beat genuinely new real
      digits: smooth, average-looking samples sit fairly close to many test
      points at once, which is what a kernel density rewards, while a sharp
      real digit is far from every test digit that differs from it in
      stroke position;
    * the **noisy** digits, still easy to read, are punished hard: noise
      adds $0.15^2 \cdot 784 \approx 18$ (in $[0, 1]$ pixel units) to every
      squared distance.

    Because all models are scored on the same test points, we can compare
    two of them point by point, which is more telling than the error bars:
    """),
    code(r'''
    def per_point(samples, sigma):
        return np.array([parzen_log_likelihood(pixels(samples), pixels(test[i:i + 1]), sigma)[0]
                         for i in range(len(test))])


    sigma = parzen["fresh real"]["sigma"]
    blurry_ll, fresh_ll = per_point(models["blurry"], sigma), per_point(models["fresh real"], sigma)
    print(f"at sigma = {sigma:.3f}: blurry scores higher than fresh real digits on "
          f"{np.mean(blurry_ll > fresh_ll):.0%} of the test digits "
          f"(mean difference {np.mean(blurry_ll - fresh_ll):+.1f} nats)")
    '''),
    md(r"""
    **The bandwidth dominates.** Plot the mean test log-likelihood against
    $\sigma$: moving $\sigma$ by a factor of two changes every score by far
    more than the gaps between the real-looking models. At small $\sigma$
    only the distance from each test point to its single nearest sample
    matters (and one far-away test point costs a lot); at large $\sigma$
    everything is smeared out and the scores draw together. The reported
    number is mostly a statement about nearest-sample distances at one
    chosen $\sigma$. In 784 dimensions a kernel density estimate would need
    astronomically many samples to approach the model's density (Theis,
    van den Oord & Bethge, 2016, "A note on the evaluation of generative
    models"). Use the number to reproduce the 2014 table, not to rank models.
    """),
    code(r'''
    grid = np.logspace(-1.2, -0.2, 11)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for name in ("fresh real", "memoriser", "blurry", "noisy", "GAN"):
        curve = [parzen_log_likelihood(pixels(models[name]), pixels(test), s)[0] for s in grid]
        ax.semilogx(grid, curve, "o-", ms=3, label=name)
    best = max(r["mean"] for r in parzen.values())
    ax.set(xlabel=r"bandwidth $\sigma$", ylabel="mean test log-likelihood (nats)",
           ylim=(best - 800, best + 100))
    ax.legend(fontsize="small")
    plt.show()
    '''),
    md(r"""
    ## 2. The measuring instrument, and the Inception Score

    The other numbers look at generated images through a trained
    classifier. The standard ones use Inception-v3 trained on ImageNet, which
    is neither small nor about digits. `minigan.metrics.classifier` ships a
    LeNet-style digit classifier trained with minigan itself (weights
    committed with the library): its softmax gives the Inception Score, its
    128-unit penultimate layer the features for the Fréchet distance.
    Scores from it are "MNIST-IS" and "MNIST-FID": they behave like the
    real thing, but are comparable **only** with scores from this same
    network (an MNIST-FID of 5 says nothing about an Inception-FID of 5).
    """),
    code(r'''
    lenet = load_mnist_classifier()
    print(lenet)
    info = classifier_info()
    print(f"trained on {info['train_digits']}; held-out accuracy {info['held_out_accuracy']:.3f}")
    print(f"accuracy on our test digits ({source}): {np.mean(predict(test) == labels_test):.3f}")
    '''),
    md(r"""
    **Inception Score** (Salimans et al., 2016). With $p(y \mid x)$ the
    classifier's class probabilities and $p(y) = \mathbb{E}_x\, p(y \mid x)$
    their average over the generated samples,

    $$\mathrm{IS} = \exp\Big(\mathbb{E}_x\, \mathrm{KL}\big(p(y \mid x) \,\big\|\, p(y)\big)\Big)
                 = \exp\big(H(y) - \mathbb{E}_x H(y \mid x)\big).$$

    (The second form: the expected KL is the mutual information between
    sample and label.) It is high when each sample is classified
    confidently (low $H(y \mid x)$) *and* the classes are balanced (high
    $H(y)$); it lies between 1 and the number of classes, 10 here. Note what
    it does not look at: the real data. Beside it we print the class
    balance (the classifier's labels, and their KL divergence from the
    uniform distribution), a direct view of missing classes.
    """),
    code(r'''
    print(f"{'':17s} {'IS':>12s} {'KL(classes || uniform)':>24s}")
    for name, s in {"test digits": test, **models}.items():
        mean, std = mnist_inception_score(s, splits=5)
        _, kl = class_balance_of(s)
        print(f"{name:17s} {mean:6.2f} +- {std:.2f} {kl:24.3f}")
    '''),
    md(r"""
    The memoriser scores like real digits, and **one digit per class,
    repeated 50 times**, scores at least as well (with MNIST, essentially
    the maximum, 10): confident and balanced is all the score asks for.
    Dropping half the classes caps the score at 5, and the class balance
    shows which digits are missing. Noise and blur cost little as long as
    the classifier can still read the digits. The IS catches missing classes
    and unreadable samples; it is blind to copying and to a lack of variety
    within a class.

    ## 3. The Fréchet distance (FID)

    Heusel et al. (2017) compare the *distributions* of features of real and
    generated images. Fit a Gaussian to each feature set, $\mathcal N(\mu_r, C_r)$
    and $\mathcal N(\mu_g, C_g)$, and take the Fréchet (2-Wasserstein)
    distance between the two Gaussians,

    $$\mathrm{FD} = \|\mu_r - \mu_g\|^2 + \operatorname{Tr}\big(C_r + C_g - 2\,(C_r C_g)^{1/2}\big).$$

    Lower is better; 0 for identical Gaussians. Unlike the IS it uses real
    data, so it sees a shift in style, missing modes and missing variety
    (the covariance shrinks), noise and blur.

    **FID is biased.** It is estimated from $n$ samples per side: even two
    sample sets from the same distribution give FD > 0, shrinking roughly
    like $1/n$. Scores are therefore comparable only at equal $n$ (the
    convention for Inception-FID is 50,000 generated images), and
    `mnist_fid` always reports the **floor** beside the score: the distance
    between two disjoint sets of $n$ real digits, which is what a perfect
    generator would get.
    """),
    code(r'''
    print(f"{'':17s} {'MNIST-FID':>10s} {'floor':>8s} {'n':>5s}")
    for name, s in models.items():
        r = mnist_fid(s, test)
        print(f"{name:17s} {r['fid']:10.2f} {r['floor']:8.2f} {r['n']:5d}")
    '''),
    md(r"""
    FID ranks the flawed models sensibly: noise, blur, missing classes and
    missing variety all cost. It still cannot see **copying**: the memoriser
    scores like fresh real digits (both near the floor, up to the estimate's
    noise), since its samples *are* real digits.

    And the GAN? It lands far from the floor on every number: its samples
    are rough, and its class balance is skewed (a briefly trained GAN
    usually favours a few easy digits, a mild mode collapse), which the IS,
    the class KL and the FID all register.

    The bias, on its own: the distance between two sets of real digits
    shrinks with the number of samples.
    """),
    code(r'''
    real_features = features(np.concatenate([A, B]))       # LeNet features of 1,000 real digits
    sizes = [50, 100, 200, 500]
    floors = []
    for n in sizes:
        splits = [rng.permutation(len(real_features)) for _ in range(3)]
        floors.append([fid_from_features(real_features[p[:n]], real_features[p[n:2 * n]], method="eigh")
                       for p in splits])
    fig, ax = plt.subplots(figsize=(6, 3))
    for n, values in zip(sizes, floors):
        ax.plot([n] * len(values), values, "k.", alpha=0.5)
    ax.plot(sizes, [np.mean(v) for v in floors], "o-", label="mean of 3 splits")
    ax.set(xlabel="samples per set n", ylabel="MNIST-FID between real sets", xscale="log", yscale="log")
    ax.legend()
    plt.show()
    '''),
    md(r"""
    ## 4. Is the generator copying? Nearest neighbours

    None of the numbers above can tell a memoriser from a perfect model. The
    direct check is old-fashioned: for each generated sample, find the
    closest training image (Goodfellow et al. 2014 show them side by side).
    Copies have distance zero; fresh real digits are about as far from the
    training set as test digits are. Pixel distance is crude (a one-pixel
    shift is "far"), so a large distance is evidence against copying, not
    proof of novelty.
    """),
    code(r'''
    distances = {name: nearest_neighbours(models[name], A, k=1)[1][:, 0]
                  for name in ("fresh real", "memoriser", "blurry", "GAN")}
    _, dist_test = nearest_neighbours(test, A, k=1)
    top = max(d.max() for d in distances.values())
    fig, ax = plt.subplots(figsize=(7, 3))
    for name, d in distances.items():
        ax.hist(d, bins=40, range=(0, top), histtype="step", lw=1.5, label=name)
    ax.axvline(np.median(dist_test), color="k", ls=":", label="median for the test digits")
    ax.set(xlabel="L2 distance to the nearest training digit (of A)", ylabel="samples")
    ax.legend(fontsize="small")
    plt.show()

    gan_samples = models["GAN"][:6]
    idx, dist = nearest_neighbours(gan_samples, A, k=3)
    rows = np.concatenate([np.concatenate([gan_samples[i:i + 1], A[idx[i]]]) for i in range(6)])
    fig, ax = plt.subplots(figsize=(3.5, 5))
    ax.imshow(image_grid(rows, nrow=4)[..., 0], cmap="gray")
    ax.set_title("GAN sample | its 3 nearest\ntraining digits", fontsize=9)
    ax.set_axis_off()
    plt.show()
    '''),
    md(r"""
    ## 5. Mode coverage on 2-D data

    On toy data with known modes we can count directly (lesson 6 used this):
    `mode_coverage` assigns samples to the nearest of the 8 ring centres,
    keeps the *high-quality* ones within 3 standard deviations, and reports
    the modes captured and the KL divergence from the uniform distribution
    over modes. Four made-up generators:
    """),
    code(r'''
    centres, std = toy.mode_centers("ring8")
    toy_models = {
        "the data itself": toy.sample("ring8", 2000, 1),
        "three modes only": centres[rng.integers(0, 3, 2000)] + std * rng.standard_normal((2000, 2)),
        "right place, 5x too wide": centres[rng.integers(0, 8, 2000)] + 5 * std * rng.standard_normal((2000, 2)),
        "uneven: 80% on one mode": centres[np.where(rng.random(2000) < 0.8, 0, rng.integers(0, 8, 2000))]
        + std * rng.standard_normal((2000, 2)),
    }
    print(f"{'':26s} {'modes':>5s} {'high quality':>13s} {'KL to uniform':>14s}")
    for name, s in toy_models.items():
        cov = mode_coverage(s, "ring8")
        print(f"{name:26s} {cov['modes_captured']:5d} {cov['high_quality_fraction']:13.3f} {cov['kl_to_uniform']:14.3f}")
    '''),
    md(r"""
    Each number catches a different failure: missing modes (`modes`), samples
    in the right place but too spread out (`high quality`), and uneven
    coverage (`KL`). The "too wide" generator still "captures" all 8 modes
    by this definition; one number is never enough.

    ## Exercise: the Fréchet distance for diagonal covariances

    When both covariances are diagonal, $C_r = \operatorname{diag}(a)$ and
    $C_g = \operatorname{diag}(b)$, the matrix square root is elementwise and
    the formula simplifies. Derive it and write `frechet_diagonal(mu1, var1,
    mu2, var2)`; the check compares it with `minigan.metrics.frechet_distance`.
    """),
    code(r'''
    def frechet_diagonal(mu1, var1, mu2, var2):
        """Fréchet distance between N(mu1, diag(var1)) and N(mu2, diag(var2))."""
        mu1, var1, mu2, var2 = (np.asarray(a, dtype=np.float64) for a in (mu1, var1, mu2, var2))
        ### BEGIN SOLUTION
        return float(((mu1 - mu2) ** 2).sum() + ((np.sqrt(var1) - np.sqrt(var2)) ** 2).sum())
        ### END SOLUTION
    '''),
    code(r'''
    m1, m2 = rng.standard_normal(5), rng.standard_normal(5)
    v1, v2 = rng.uniform(0.1, 2.0, 5), rng.uniform(0.1, 2.0, 5)
    expected = frechet_distance(m1, np.diag(v1), m2, np.diag(v2))
    assert abs(frechet_diagonal(m1, v1, m2, v2) - expected) < 1e-8 * max(1.0, expected)
    ### BEGIN HIDDEN TESTS
    assert frechet_diagonal(m1, v1, m1, v1) == 0.0
    m3, v3 = rng.standard_normal(40), rng.uniform(0.0, 3.0, 40)
    assert abs(frechet_diagonal(m3, v3, m2.sum() + m3, v3[::-1])
               - frechet_distance(m3, np.diag(v3), m2.sum() + m3, np.diag(v3[::-1]), method="eigh")) < 1e-6
    ### END HIDDEN TESTS
    print("frechet_diagonal is right")
    '''),
    md(r"""
    ## Summary

    | flaw | Parzen | IS | FID | nearest neighbours | mode coverage (2-D) |
    |------|--------|----|-----|--------------------|---------------------|
    | copies the training set | no | no | no | **yes** | no |
    | blur | rewards it | barely | yes | no | yes (high quality) |
    | noise | yes | barely | yes | no | yes (high quality) |
    | missing modes / classes | yes | yes | yes | no | **yes** (modes) |
    | no variety within a class | yes | no | yes | no | - |
    | uneven use of the modes | - | yes | yes | no | **yes** (KL) |

    * Parzen log-likelihood mostly measures nearest-sample distances at the
      chosen bandwidth; it rewards blur and ignores copying.
    * The Inception Score needs only the generated samples and a classifier:
      confident and balanced is all it checks.
    * FID compares feature statistics with real data; it is biased at small
      $n$ (read it against its real-vs-real floor), and is comparable only
      with the same features and sample size.
    * No summary number detects memorisation: look at nearest neighbours.
    """),
]

# ============================================================================ lesson 9
LESSON_9 = [
    md(r"""
    # Lesson 9: The GPU

    Everything so far ran on NumPy. A GPU runs the same array operations
    (matrix products, elementwise maps, reductions) on thousands of cores,
    and **CuPy** offers them with NumPy's interface. `minigan` is written so
    that the same code runs on either. In this lesson we

    1. see how the library decides between NumPy and CuPy;
    2. move tensors and modules between devices;
    3. time a DCGAN training step on the CPU and, when a GPU is present, on
       the GPU, the right way (asynchronous execution, warm-up);
    4. train with the `Trainer` on whichever device there is.

    Everything runs without a GPU: the GPU parts then print what to install
    and are skipped.
    """),
    setup(stdlib=["import tempfile", "import time"],
          ours=["from minigan import backend, optim",
                "from minigan.data import get_dataset",
                "from minigan.gan import Updater, UpdaterConfig",
                "from minigan.gan.models import build",
                "from minigan.gan.trainer import TrainConfig, Trainer"]),
    md(r"""
    ## 1. One array module per device

    Every `minigan.Tensor` wraps an array, readable as `x.array`: a
    `numpy.ndarray` on device `"cpu"`, a `cupy.ndarray` on device `"cuda"`. Each operation's
    forward asks `minigan.backend.get_array_module` which module owns its
    inputs and calls `xp.exp`, `xp.matmul`, ... on it, so one implementation
    serves both devices; backward passes are written with minigan's own ops
    and inherit the same property. `minigan/backend.py` is the only file
    that imports CuPy, and only when a GPU is asked for.

    `minigan.cuda.is_available()` (PyTorch's name) is true when CuPy
    imports and sees a GPU:
    """),
    code(r'''
    GPU = minigan.cuda.is_available()
    if GPU:
        cp = backend.require_cuda()
        props = cp.cuda.runtime.getDeviceProperties(0)
        print(f"GPU available: {minigan.cuda.device_count()} device(s), "
              f"device 0 = {props['name'].decode()}, CuPy {cp.__version__}")
    else:
        print("No GPU available, so the GPU cells below are skipped and only the CPU parts run.")
        print("To use a GPU with minigan: " + backend.GPU_INSTALL_HINT + ".")
        print("Then minigan.cuda.is_available() returns True and device='cuda' works everywhere.")
    DEVICES = ["cpu"] + (["cuda"] if GPU else [])
    '''),
    md(r"""
    ## 2. Tensors and modules on a device

    `tensor.to(device)` returns a copy on that device; `module.to(device)`
    moves every parameter and buffer in place (as in PyTorch). An operation
    on tensors from two devices is an error that names both: data never
    moves silently, since a hidden copy between host and GPU memory is the
    most common reason for slow GPU code.
    """),
    code(r'''
    x = minigan.randn(3, 4)
    print("x on", x.device, "holds a", type(x.array).__module__ + "." + type(x.array).__name__,
          "| array module:", backend.get_array_module(x.array).__name__)
    if GPU:
        y = x.to("cuda")
        print("y on", y.device, "holds a", type(y.array).__module__ + "." + type(y.array).__name__,
              "| array module:", backend.get_array_module(y.array).__name__)
        on_gpu = (minigan.tanh(y) @ y.T).sum(axis=1)
        on_cpu = (minigan.tanh(x) @ x.T).sum(axis=1)
        print("same result on both devices:", np.allclose(on_gpu.cpu().numpy(), on_cpu.numpy(), atol=1e-5))
        try:
            x + y
        except RuntimeError as error:
            print("mixing devices:", error)
    else:
        try:
            x.to("cuda")
        except RuntimeError as error:
            print("x.to('cuda') without a GPU:", error)
    '''),
    md(r"""
    ## 3. Timing a training step

    Two things make GPU timings easy to get wrong:

    * **Asynchrony.** A GPU call returns as soon as the work is *queued*;
      the clock must be read after the device has finished
      (`cupy.cuda.Device().synchronize()`). Here each training step ends by
      reading the losses as Python floats, which waits for the GPU anyway,
      but we synchronise explicitly too.
    * **Warm-up.** The first calls compile kernels and grow CuPy's memory
      pool; they can be a hundred times slower. Run a few steps before
      starting the clock, then take the median of several steps.

    We time one DCGAN iteration (a discriminator step and a generator step,
    `minigan.gan.Updater`) at a few batch sizes. A small batch leaves most
    of a GPU idle (every operation pays a fixed launch cost of several
    microseconds); the gap to the CPU grows with the batch.
    """),
    code(r'''
    images = get_dataset("digits", size=28).data
    WIDTH = 16 if SMALL else 64                   # ngf = ndf = 64 is the DCGAN paper's width
    BATCHES = [8, 32] if SMALL else [16, 64, 256]
    WARMUP, TIMED = (1, 2) if SMALL else (3, 5)


    def synchronize(device):
        if device == "cuda":
            backend.require_cuda().cuda.Device().synchronize()


    def seconds_per_step(device, batch):
        minigan.manual_seed(0)
        G, D, info = build("dcgan", "image", latent_dim=100, ngf=WIDTH, ndf=WIDTH)
        G.to(device)
        D.to(device)
        updater = Updater(G, D, optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999)),
                          optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999)), 100,
                          UpdaterConfig(loss="nonsaturating"))
        picks = np.random.default_rng(0)
        next_real = lambda: minigan.tensor(images[picks.integers(0, len(images), batch)], device=device)
        for _ in range(WARMUP):
            updater.step(next_real)
        times = []
        for _ in range(TIMED):
            synchronize(device)
            start = time.perf_counter()
            updater.step(next_real)
            synchronize(device)
            times.append(time.perf_counter() - start)
        return float(np.median(times))


    timings = {(device, batch): seconds_per_step(device, batch) for device in DEVICES for batch in BATCHES}
    print(f"DCGAN (ngf = ndf = {WIDTH}) on 28x28 images, one D step + one G step:")
    print(f"{'batch':>6s} " + " ".join(f"{d + ' (s)':>10s}" for d in DEVICES) + ("   speed-up" if GPU else ""))
    for batch in BATCHES:
        row = f"{batch:6d} " + " ".join(f"{timings[d, batch]:10.4f}" for d in DEVICES)
        if GPU:
            row += f"   {timings['cpu', batch] / timings['cuda', batch]:8.1f}x"
        print(row)
    if not GPU:
        print("\n(no GPU: install CuPy with `pip install 'minigan[gpu]'` on a machine with an NVIDIA GPU "
              "to add the GPU column)")
    '''),
    md(r"""
    On the CPU the time grows about linearly with the batch: NumPy is
    already using the cores for each convolution's matrix product. On a
    GPU the time of a small batch is dominated by Python and launch
    overheads (minigan runs one kernel per operation, with no fusion), so
    the time per *image* keeps falling as the batch grows, and the speed-up
    over the CPU is largest for large batches and wide networks.

    **Same code, not the same numbers.** Each device has its own random
    stream, and float32 sums on a GPU are added in a different order, so a
    run on the GPU is not bit-for-bit the run on the CPU (a checkpoint must
    be resumed on the device that wrote it to continue exactly). The same
    weights on the same input agree to float32 rounding:
    """),
    code(r'''
    if GPU:
        minigan.manual_seed(0)
        G_cpu, D_cpu, _ = build("dcgan", "image", ngf=16, ndf=16)
        G_gpu, D_gpu, _ = build("dcgan", "image", ngf=16, ndf=16)
        G_gpu.load_state_dict(G_cpu.state_dict())
        D_gpu.load_state_dict(D_cpu.state_dict())
        G_gpu.to("cuda")
        D_gpu.to("cuda")
        z = minigan.randn(16, 100)
        with minigan.no_grad():
            out_cpu = D_cpu(G_cpu(z)).numpy()
            out_gpu = D_gpu(G_gpu(z.to("cuda"))).cpu().numpy()
        print(f"largest difference between D(G(z)) on CPU and GPU: {np.abs(out_cpu - out_gpu).max():.2e}")
    else:
        print("(skipped: no GPU)")
    '''),
    md(r"""
    ## 4. The trainer on any device

    The `Trainer` (and the command line, `python -m minigan train dcgan
    --device cuda`) takes the device as one setting: it moves the networks
    and the whole dataset there once, and brings only the logged numbers,
    samples and checkpoints back to the host. Asking for `"cuda"` without
    a GPU is an error that says what to install.
    """),
    code(r'''
    DEVICE = "cuda" if GPU else "cpu"
    out_dir = tempfile.mkdtemp(prefix="minigan-lesson9-")
    steps = 4 if SMALL else 50
    trainer = Trainer(TrainConfig(model="dcgan", data="digits", steps=steps, batch_size=32, device=DEVICE,
                                  out=out_dir, progress=False, log_every=2, sample_every=steps,
                                  checkpoint_every=steps))
    start = time.perf_counter()
    history = trainer.run()
    last = [record for record in history if "d_loss" in record][-1]      # the others are evaluations
    print(f"{steps} steps on {DEVICE} in {time.perf_counter() - start:.1f} s; "
          f"last d_loss {last['d_loss']:.3f}, g_loss {last['g_loss']:.3f}")
    print("final evaluation:", {k: round(v, 3) for k, v in history[-1].items()})
    samples = trainer.generate(8)
    print("samples come back as", type(samples).__module__ + "." + type(samples).__name__, samples.shape)
    print("outputs in", out_dir, ":", sorted(os.listdir(out_dir)))

    try:
        Trainer(TrainConfig(model="dcgan", data="digits", steps=1, device="cuda", out=out_dir, progress=False))
        print("(a GPU is present, so device='cuda' works)")
    except RuntimeError as error:
        print("device='cuda' without a GPU:", error)
    '''),
    md(r"""
    ## Exercise: device-agnostic code

    Code that uses only minigan operations runs on every device. Write
    `pairwise_sq_distances(x, y)`: for `x` of shape (N, D) and `y` of shape
    (M, D), the (N, M) matrix of squared Euclidean distances, using
    $\|x - y\|^2 = \|x\|^2 + \|y\|^2 - 2\,x^\top y$ and minigan operations
    only (no `.numpy()`, no NumPy), so that the result stays on the inputs'
    device. The check runs it on every available device.
    """),
    code(r'''
    def pairwise_sq_distances(x, y):
        """(N, M) squared distances between the rows of x (N, D) and y (M, D), on their device."""
        ### BEGIN SOLUTION
        xx = (x * x).sum(axis=1, keepdims=True)          # (N, 1)
        yy = (y * y).sum(axis=1, keepdims=True).T        # (1, M)
        return xx + yy - 2.0 * (x @ y.T)
        ### END SOLUTION
    '''),
    code(r'''
    a, b = rng.standard_normal((5, 3)).astype(np.float32), rng.standard_normal((4, 3)).astype(np.float32)
    expected = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1)
    for device in DEVICES:
        result = pairwise_sq_distances(minigan.tensor(a, device=device), minigan.tensor(b, device=device))
        assert isinstance(result, minigan.Tensor) and result.device == device, (type(result), device)
        np.testing.assert_allclose(result.cpu().numpy(), expected, rtol=1e-4, atol=1e-5)
    ### BEGIN HIDDEN TESTS
    p = minigan.tensor(a, requires_grad=True)
    (g,) = minigan.grad(pairwise_sq_distances(p, minigan.tensor(b)).sum(), p)
    np.testing.assert_allclose(g.numpy(), 2 * (4 * a - b.sum(axis=0)), rtol=1e-4, atol=1e-4)
    ### END HIDDEN TESTS
    print("pairwise_sq_distances is right on", DEVICES)
    '''),
    md(r"""
    ## Summary

    * `minigan.backend` decides NumPy or CuPy from the arrays themselves;
      every op is written once, with `xp = get_array_module(...)`.
    * `tensor.to(device)`, `module.to(device)`; mixing devices is an error.
    * Time GPU code after a warm-up and with the device synchronised; GPUs
      pay off with large batches and wide layers.
    * Without a GPU: `pip install 'minigan[gpu]'` (CuPy for CUDA 12) on a
      machine with an NVIDIA GPU and driver, and `device="cuda"` works
      everywhere: tensors, modules, the `Trainer`, the command line.
    """),
]

LESSONS = {
    "04_original_gan.ipynb": LESSON_4,
    "05_dcgan_mnist.ipynb": LESSON_5,
    "06_wgan_mode_collapse.ipynb": LESSON_6,
    "07_spectral_norm_sagan.ipynb": LESSON_7,
    "08_evaluating_gans.ipynb": LESSON_8,
    "09_gpu.ipynb": LESSON_9,
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
    unknown = [n for n in names if n not in LESSONS]
    if unknown:
        raise SystemExit(f"unknown lesson(s) {unknown}; choose from {list(LESSONS)}")
    for name in names:
        nbformat.write(notebook(name, LESSONS[name]), HERE / name)
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main(sys.argv[1:])
