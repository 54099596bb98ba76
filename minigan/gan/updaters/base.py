"""The loop every updater runs (Goodfellow et al. 2014, Algorithm 1)::

    n_disc times:  x real, z noise, fake = G(z) detached
                   D <- opt_D step on  d_loss(score(x), score(fake)) [+ d_penalty]
    then once:     z noise;  G <- opt_G step on  g_loss(score(G(z)))

An algorithm (one module each) gives ``score`` (D's verdict per sample),
``d_loss``, ``g_loss``, ``probability``, maybe ``d_penalty``, ``after_d_step``;
tricks hook in at ``self.tricks.*``. D sees real and fake in separate calls
(a batch-normed D could tell a mixed batch by its statistics, Chintala 2016).
"""
from ...autograd.grad_mode import no_grad
from . import parts
from .tricks import from_config


class GANUpdater:
    def __init__(self, G, D, opt_G, opt_D, latent_dim: int, config, batch_size: int | None = None):
        config.validate()
        self.G, self.D, self.opt_G, self.opt_D, self.config = G, D, opt_G, opt_D, config
        self.latent_dim, self.num_classes = latent_dim, getattr(G, "num_classes", None)
        self.tricks = from_config(config, G, D, batch_size)

    def step(self, next_real, progress: float = 0.0) -> dict:
        """One iteration on batches from ``next_real()``; ``progress`` = step / total steps."""
        tricks, log, n_disc = self.tricks, {}, self.config.n_disc
        tricks.begin(progress)
        for i in range(n_disc):
            real, y_real = parts.split_batch(next_real(), self.num_classes)
            y_fake = parts.fake_labels(real.shape[0], self.num_classes, real)
            with no_grad():
                fake = parts.call(self.G, parts.noise(real.shape[0], self.latent_dim, real), y_fake)
            fake, y_fake = tricks.fake_for_d(fake, y_fake)
            real_in, fake_in = tricks.perturb(real), tricks.perturb(fake)
            real_out, fake_out = self.score(real_in, y_real), self.score(fake_in, y_fake)
            total = self.d_loss(real_out, fake_out)
            if not tricks.skip_d(total):  # figures from the last step only: a float is a GPU sync
                figures = log if i == n_disc - 1 else None
                total = self.d_penalty(total, real_in, fake_in, y_real, figures)
                total = tricks.d_penalty(self.D, total)
                parts.update(self.opt_D, total, self.D, figures, "d_grad_norm")
                self.after_d_step()
                tricks.after_d_step(self.D)
        log.update(parts.d_figures(total, real_out.detach(), fake_out.detach(), self.probability))
        log.setdefault("d_grad_norm", 0.0)
        tricks.log_d(log)
        with parts.frozen(self.D):
            g_steps, figures = 1, self.g_step(real_in, y_real)
            while tricks.repeat_g(figures["g_loss"], g_steps):
                g_steps, figures = g_steps + 1, self.g_step(real_in, y_real)
        log.update(figures)
        tricks.log_g(log)
        return log

    def g_step(self, real_in, y_real) -> dict:
        """One update of G (D frozen); returns its figures. A trick may replace G's loss."""
        n, figures = real_in.shape[0], {}
        y = parts.fake_labels(n, self.num_classes, real_in)
        fake_in = self.tricks.perturb(parts.call(self.G, parts.noise(n, self.latent_dim, real_in), y))
        g_loss = self.tricks.g_loss(self, fake_in, y, real_in, y_real)
        if g_loss is None:
            g_loss = self.g_loss(fake_in, y, figures)
        total = self.tricks.g_penalty(self.G, g_loss, figures)
        parts.update(self.opt_G, total, self.G, figures, "g_grad_norm")
        self.tricks.after_g_step(self.G)
        figures["g_loss"] = float(g_loss.item())  # the objective alone, without regularisers
        return figures

    def d_penalty(self, total, real_in, fake_in, y_real, log): return total

    def after_d_step(self): pass

    def state_dict(self) -> dict:
        """Training state beyond the networks and optimisers: the tricks' (and BEGAN's k_t)."""
        return self.tricks.state_dict()

    def load_state_dict(self, state: dict, device: str = "cpu") -> None:
        parts.check_state(state, self.state_dict())
        self.tricks.load_state_dict(state, device)
