"""Write lesson 10 (style mixing with AdaIN on digits) as a notebook without
outputs, from the cell list below.

    python lessons/_make_lesson_10.py          # rewrites lessons/10_style_mixing.ipynb

It reuses the cell helpers of ``_make_lessons_4_9.py`` (the small-mode setup
cell, fixed cell ids), so running it twice gives identical files. With
``MINIGAN_SMALL_LESSONS=1`` the training is a few dozen steps: the pictures are
noise-like, but every cell runs.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _make_lessons_4_9 import code, md, notebook, setup  # noqa: E402

LESSON_10 = [
    md(r"""
    # Lesson 10: Style mixing with AdaIN

    StyleGAN (Karras, Laine & Aila, 2019) changed *where* the latent code
    enters the generator. Instead of feeding $z$ to the first layer, it

    1. maps $z$ to an intermediate latent $w = f(z)$ with an MLP, the
       *mapping network*;
    2. starts the synthesis from a **learned constant** and, after every
       convolution, sets the feature maps' statistics from $w$ with
       **adaptive instance normalisation** (Huang & Belongie, 2017):

    $$\mathrm{AdaIN}(x, w)_{n,c} = y_{s}(w)_{n,c}\,
      \frac{x_{n,c} - \mu_{n,c}(x)}{\sigma_{n,c}(x)} + y_{b}(w)_{n,c},
      \qquad (y_s, y_b) = A\,w + b,$$

    where $\mu_{n,c}, \sigma_{n,c}$ are the mean and standard deviation of
    channel $c$ of sample $n$ over the pixels, and $A$ is a learned affine
    map, one per layer. Normalising first erases the previous layer's
    style, so each style acts only until the next AdaIN. That is what makes
    **style mixing** possible: give the coarse layers $w_1 = f(z_1)$ and the
    fine layers $w_2 = f(z_2)$, and the image takes its overall shape from
    $z_1$ and its details from $z_2$.

    In this lesson we check AdaIN's formula, train a small style-based
    generator on the embedded 8x8 UCI digits (upsampled to 16x16), and draw
    a style-mixing grid.
    """),
    setup(stdlib=["import time"], third_party=["import matplotlib.pyplot as plt"],
          ours=["from minigan import nn, optim", "from minigan.data import get_dataset",
                "from minigan.gan.models import build",
                "from minigan.viz.plots import image_grid"]),
    md(r"""
    ## 1. AdaIN replaces a sample's channel statistics

    After AdaIN, channel $c$ of sample $n$ has mean exactly $y_b$ and
    standard deviation (almost exactly, because of the $\epsilon$ inside
    $\sigma$) $y_s$, whatever $x$ was. We check that with the functional
    form, then look at the layer, whose affine map $A$ starts with bias
    $(1, \dots, 1, 0, \dots, 0)$: at initialisation $y_s \approx 1$ and
    $y_b \approx 0$, plain instance normalisation.
    """),
    code(r'''
    from minigan.nn.adain import adaptive_instance_norm, instance_norm

    x = minigan.randn(2, 3, 8, 8) * 4.0 + 1.5          # any feature maps
    y_s = minigan.tensor([[1.0, 0.5, 2.0], [3.0, 1.0, 0.1]])
    y_b = minigan.tensor([[0.0, -1.0, 1.0], [2.0, 0.0, 0.5]])
    out = adaptive_instance_norm(x, y_s, y_b).numpy()
    print("per-channel means:\n", out.mean(axis=(2, 3)).round(4))
    print("per-channel stds:\n", out.std(axis=(2, 3)).round(4))

    ada = nn.AdaIN(num_features=3, style_dim=5)
    w = minigan.zeros(2, 5)
    print("AdaIN(x, w=0) == instance_norm(x):",
          np.allclose(ada(x, w).detach().numpy(), instance_norm(x).numpy(), atol=1e-6))
    '''),
    md(r"""
    ## 2. A small style-based generator

    `build("stylegan", "image", ...)` gives the generator below and DCGAN's
    discriminator. At 16x16 it has three resolution blocks, 4x4, 8x8 and
    16x16; each block has two layers (convolution, per-pixel noise,
    LeakyReLU, AdaIN) that use the same $w$. The noise adds stochastic
    detail whose strength each channel learns (it starts at zero).
    """),
    code(r'''
    SIZE = 16
    LATENT, STYLE = 32, 32
    G, D, info = build("stylegan", "image", image_size=SIZE, latent_dim=LATENT,
                       ngf=8 if SMALL else 16, ndf=16 if SMALL else 32, style_dim=STYLE,
                       mapping_layers=4)
    print(G)
    print("blocks:", G.num_blocks, "| G parameters:", sum(p.numel() for p in G.parameters()),
          "| D parameters:", sum(p.numel() for p in D.parameters()))
    '''),
    md(r"""
    ## 3. Training on digits

    The non-saturating GAN loss, written out: $D$ minimises
    $\mathrm{softplus}(-D(x)) + \mathrm{softplus}(D(G(z)))$ and $G$ minimises
    $\mathrm{softplus}(-D(G(z)))$ (the logits form of $-\log D$), with Adam
    at DCGAN's settings. The 1,797 digits are upsampled to 16x16.
    """),
    code(r'''
    digits = get_dataset("digits", size=SIZE)
    images = digits.data                              # (1797, 1, 16, 16) in [-1, 1]
    BATCH = 32 if SMALL else 64
    STEPS = 20 if SMALL else 1500          # about 5 minutes on one CPU core
    opt_G = optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.99))
    opt_D = optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.99))
    pick = np.random.default_rng(0)
    history, start = [], time.perf_counter()
    for step in range(STEPS):
        real = minigan.tensor(images[pick.integers(0, len(images), BATCH)])
        fake = G(minigan.randn(BATCH, LATENT))
        d_loss = minigan.softplus(-D(real)).mean() + minigan.softplus(D(fake.detach())).mean()
        opt_D.zero_grad()
        d_loss.backward()
        opt_D.step()
        g_loss = minigan.softplus(-D(fake)).mean()
        opt_G.zero_grad()
        g_loss.backward()
        opt_G.step()
        history.append((d_loss.item(), g_loss.item()))
    print(f"{STEPS} steps in {time.perf_counter() - start:.0f} s")

    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 3.5))
    ax0.plot(np.array(history), label=["D loss", "G loss"])
    ax0.set_xlabel("step")
    ax0.legend()
    G.eval()
    with minigan.no_grad():
        samples = G(minigan.randn(64, LATENT))
    ax1.imshow(image_grid(samples, nrow=16)[..., 0], cmap="gray")
    ax1.set_title("samples")
    ax1.axis("off")
    plt.show()
    '''),
    md(r"""
    ## 4. Style mixing

    `G.mix(z1, z2, crossover)` runs the synthesis network with $w_1 = f(z_1)$
    in blocks $0, \dots, \text{crossover} - 1$ and $w_2 = f(z_2)$ in the
    rest. In the grids below the top row shows $G(z_2)$ for a few "fine
    style" latents, the left column $G(z_1)$ for a few "coarse style"
    latents, and cell $(i, j)$ the mix of row $i$'s $z_1$ with column $j$'s
    $z_2$. With `crossover=1` only the 4x4 block follows $z_1$: rows keep
    their rough layout, columns give stroke and detail. With `crossover=2`
    the 8x8 block follows $z_1$ too, so rows keep more of their own digit.
    (After the short small-mode run the pictures are rough; train longer to
    see clean digits.)
    """),
    code(r'''
    ROWS, COLS = 5, 6
    z1 = minigan.randn(ROWS, LATENT)
    z2 = minigan.randn(COLS, LATENT)


    def mixing_grid(crossover):
        """(ROWS + 1) x (COLS + 1) images: corner blank, top row G(z2), left column G(z1)."""
        with minigan.no_grad():
            top, left = G(z2).numpy(), G(z1).numpy()
            # every pair (i, j): repeat z1 along columns and tile z2 along rows
            a = minigan.tensor(np.repeat(z1.numpy(), COLS, axis=0))
            b = minigan.tensor(np.tile(z2.numpy(), (ROWS, 1)))
            mixed = G.mix(a, b, crossover).numpy().reshape(ROWS, COLS, 1, SIZE, SIZE)
        cells = np.full((ROWS + 1, COLS + 1, 1, SIZE, SIZE), -1.0, np.float32)
        cells[0, 1:], cells[1:, 0], cells[1:, 1:] = top, left, mixed
        return image_grid(cells.reshape(-1, 1, SIZE, SIZE), nrow=COLS + 1)[..., 0]


    fig, axes = plt.subplots(1, 2, figsize=(12, 5.5))
    for ax, crossover in zip(axes, (1, 2)):
        ax.imshow(mixing_grid(crossover), cmap="gray")
        ax.set_title(f"crossover={crossover}: blocks < {crossover} from z1 (rows)")
        ax.axis("off")
    plt.show()
    '''),
    md(r"""
    ## Summary

    * AdaIN normalises each sample's channels and then sets their mean and
      standard deviation to a style $(y_s, y_b) = A w + b$.
    * The mapping network $f$ (pixel norm of $z$, then an MLP with
      LeakyReLU 0.2) gives $w$; the synthesis network starts from a learned
      constant, and $w$ reaches it only through the AdaIN layers.
    * Because every AdaIN erases the previous style, different layers can
      take styles from different latents: `G.mix(z1, z2, crossover)`.
    * Try: `crossover=3` (all from $z_1$) and `0` (all from $z_2$); set
      the noise weights to zero (`noise=False` in `build`) and compare the
      samples; mix in $w$ space by hand with `G.synthesis([w_a, w_b, w_c])`.
    """),
]

LESSONS = {"10_style_mixing.ipynb": LESSON_10}


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
