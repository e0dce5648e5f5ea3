"""Denoising diffusion (Ho et al. 2020, "DDPM") with a small UNet, DDIM sampling (Song et al.
2021), cosine schedules (Nichol & Dhariwal 2021), classifier-free guidance (Ho & Salimans
2021) and an exponential moving average of the weights.

Forward process: x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, eps ~ N(0, I), with
abar_t = prod_{s <= t} (1 - beta_s), t = 0 .. T-1 (0-based, as in the code). The UNet predicts
eps from (x_t, t[, class]); the training loss is the mean squared error to the true eps
(the "simple" loss of Ho et al.).

Sampling walks a decreasing sequence of timesteps tau_1 > ... > tau_S (all T of them, or S
evenly spaced ones). At each step the model's eps gives x0_hat = (x_t - sqrt(1-abar_t) eps) /
sqrt(abar_t), clipped to the data range [-1, 1] (eps is then recomputed from the clipped x0_hat);
with abar' = abar at the next timestep (1 after the last):

- "ddpm" (ancestral): x' = posterior mean of q(x' | x_t, x0_hat) + sqrt(beta~) z, z ~ N(0, I),
  where beta' = 1 - abar_t / abar', mean = sqrt(abar') beta' / (1-abar_t) x0_hat +
  sqrt(1-beta') (1-abar') / (1-abar_t) x_t and beta~ = beta' (1-abar') / (1-abar_t) (the
  "fixed small" variance). With S < T this is the ancestral sampler of the respaced chain.
- "ddim": x' = sqrt(abar') x0_hat + sqrt(1 - abar' - sigma^2) eps + sigma z with
  sigma = eta sqrt((1-abar')/(1-abar_t) (1 - abar_t/abar')); eta = 0 is deterministic,
  eta = 1 equals "ddpm".

Everything here is composed from existing ops (conv2d, group_norm, silu, linear, bmm,
softmax, interpolate, cat); the schedules are float64 NumPy arrays computed from the config,
so they are not part of the state dict.
"""

import copy
import math

import numpy as np

from .. import nn
from ..nn import functional as F
from ._util import as_tuple

__all__ = ["UNet", "DDPM", "EMA", "beta_schedule", "timestep_embedding", "SCHEDULES",
           "SAMPLERS"]

SCHEDULES = ("linear", "cosine")
SAMPLERS = ("ddpm", "ddim")


# --------------------------------------------------------------------------------------
# schedules and the time embedding
# --------------------------------------------------------------------------------------


def beta_schedule(name, timesteps, beta_start=1e-4, beta_end=0.02, cosine_s=0.008):
    """float64 betas of length ``timesteps``.

    "linear": evenly spaced from ``beta_start`` to ``beta_end`` (Ho et al.; their values are
    for T = 1000 and are rescaled by 1000 / T so shorter chains end at the same noise level).
    "cosine": abar(t) = cos^2(((t/T + s) / (1 + s)) pi/2), beta_t = 1 - abar(t+1)/abar(t),
    clipped to 0.999 (Nichol & Dhariwal)."""
    T = int(timesteps)
    if T < 1:
        raise ValueError(f"beta_schedule: timesteps must be >= 1, got {timesteps}")
    if name == "linear":
        scale = 1000.0 / T
        return np.linspace(beta_start * scale, min(beta_end * scale, 0.999), T, dtype=np.float64)
    if name == "cosine":
        steps = np.arange(T + 1, dtype=np.float64) / T
        f = np.cos((steps + cosine_s) / (1.0 + cosine_s) * math.pi / 2.0) ** 2
        abar = f / f[0]
        return np.clip(1.0 - abar[1:] / abar[:-1], 0.0, 0.999)
    raise ValueError(f"unknown beta schedule {name!r}; choose from {SCHEDULES}")


def timestep_embedding(t, dim, max_period=10000.0):
    """Sinusoidal embedding of integer (or real) timesteps: (N,) -> (N, dim) float32 tensor,
    [sin(t f_0), ..., sin(t f_{h-1}), cos(t f_0), ..., cos(t f_{h-1})] with
    f_i = max_period^(-i/h), h = dim // 2 (a zero column pads odd ``dim``). No gradient
    flows to ``t`` (it is data, not a parameter), so it is computed in NumPy."""
    import pydeepgen as pdg

    t = np.asarray(t.numpy() if hasattr(t, "numpy") else t, dtype=np.float64).reshape(-1)
    half = dim // 2
    freqs = np.exp(-math.log(max_period) * np.arange(half, dtype=np.float64) / max(half, 1))
    args = t[:, None] * freqs[None, :]
    emb = np.concatenate([np.sin(args), np.cos(args)], axis=1)
    if dim % 2:
        emb = np.concatenate([emb, np.zeros((emb.shape[0], 1))], axis=1)
    return pdg.from_numpy(np.ascontiguousarray(emb, dtype=np.float32))


# --------------------------------------------------------------------------------------
# the UNet
# --------------------------------------------------------------------------------------


def _groups(channels, max_groups):
    """The largest group count <= max_groups that divides ``channels``."""
    g = max(1, min(int(max_groups), int(channels)))
    while channels % g:
        g -= 1
    return g


def _zero_(module):
    import pydeepgen as pdg

    with pdg.no_grad():
        for p in module.parameters():
            p.zero_()
    return module


class ResBlock(nn.Module):
    """GroupNorm -> SiLU -> Conv3x3 -> (+ time/class embedding, per channel) -> GroupNorm ->
    SiLU -> Dropout -> Conv3x3 (zero-initialized), plus a skip (1x1 conv when the channel
    count changes); optionally followed by self-attention."""

    def __init__(self, in_ch, out_ch, emb_dim, groups=8, dropout=0.0, attention=False, heads=1):
        super().__init__()
        self.norm1 = nn.GroupNorm(_groups(in_ch, groups), in_ch)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.emb = nn.Linear(emb_dim, out_ch)
        self.norm2 = nn.GroupNorm(_groups(out_ch, groups), out_ch)
        self.dropout = nn.Dropout(dropout) if dropout else None
        self.conv2 = _zero_(nn.Conv2d(out_ch, out_ch, 3, padding=1))
        self.skip = nn.Conv2d(in_ch, out_ch, 1) if in_ch != out_ch else None
        self.attn = SelfAttention(out_ch, heads, groups) if attention else None

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        e = self.emb(F.silu(emb))
        h = h + e.reshape(e.shape[0], e.shape[1], 1, 1)
        h = F.silu(self.norm2(h))
        if self.dropout is not None:
            h = self.dropout(h)
        h = self.conv2(h) + (self.skip(x) if self.skip is not None else x)
        return self.attn(h) if self.attn is not None else h


class SelfAttention(nn.Module):
    """Multi-head self-attention over the H*W positions of a feature map, with a residual:
    x + proj(softmax(q^T k / sqrt(d)) v), q, k, v = 1x1 conv of GroupNorm(x). Built from
    ``bmm`` and ``softmax``; cost O((HW)^2 C), so it is used only at the lowest resolution."""

    def __init__(self, channels, heads=1, groups=8):
        super().__init__()
        if channels % heads:
            raise ValueError(f"SelfAttention: {channels} channels do not split into {heads} heads")
        self.heads = int(heads)
        self.norm = nn.GroupNorm(_groups(channels, groups), channels)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.proj = _zero_(nn.Conv2d(channels, channels, 1))

    def forward(self, x):
        import pydeepgen as pdg

        n, c, h, w = x.shape
        d = c // self.heads
        qkv = self.qkv(self.norm(x)).reshape(n, 3, self.heads, d, h * w)
        q = qkv[:, 0].reshape(n * self.heads, d, h * w)
        k = qkv[:, 1].reshape(n * self.heads, d, h * w)
        v = qkv[:, 2].reshape(n * self.heads, d, h * w)
        scores = pdg.bmm(q.transpose(1, 2), k) * (1.0 / math.sqrt(d))  # (nh, hw, hw)
        attn = F.softmax(scores, dim=-1)
        out = pdg.bmm(v, attn.transpose(1, 2))  # (nh, d, hw): out[:, :, i] = sum_j attn[i, j] v_j
        return x + self.proj(out.reshape(n, c, h, w))


class Downsample(nn.Module):
    """Conv3x3 with stride 2: halves H and W."""

    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=1)

    def forward(self, x):
        return self.conv(x)


class Upsample(nn.Module):
    """Nearest-neighbour x2 then Conv3x3."""

    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))


class UNet(nn.Module):
    """A small UNet for eps-prediction.

    Levels: one per entry of ``ch_mult`` (widths ``ch * m``), each with ``num_res_blocks``
    residual blocks, a stride-2 downsampling between levels; a middle of ResBlock ->
    self-attention -> ResBlock; the up path mirrors it with ``num_res_blocks + 1`` blocks per
    level reading the skip connections (concatenated along channels). With ``attention`` the
    residual blocks at the lowest resolution carry self-attention too.

    Args:
        in_channels, image_size: the images (C x S x S); S must be divisible by
            2^(len(ch_mult) - 1) (MNIST 28 with ch_mult (1, 2, 2): 28 -> 14 -> 7).
        ch: base width.  ch_mult: width multipliers per level.  num_res_blocks: per level.
        attention: self-attention at the lowest resolution.  heads: attention heads.
        dropout: in the residual blocks.  groups: GroupNorm groups (at most).
        num_classes: class-conditional if set; label ``num_classes`` is the "no class" token
            used by classifier-free guidance.
    """

    def __init__(self, in_channels=1, image_size=28, ch=32, ch_mult=(1, 2, 2), num_res_blocks=1,
                 attention=True, heads=1, dropout=0.0, groups=8, num_classes=None):
        super().__init__()
        ch_mult = as_tuple(ch_mult)
        if not ch_mult or ch < 1 or num_res_blocks < 1:
            raise ValueError(f"UNet: need ch >= 1, num_res_blocks >= 1 and a non-empty ch_mult, "
                             f"got ch={ch}, num_res_blocks={num_res_blocks}, ch_mult={ch_mult}")
        factor = 2 ** (len(ch_mult) - 1)
        if image_size % factor:
            raise ValueError(f"UNet: image_size {image_size} is not divisible by {factor} "
                             f"({len(ch_mult)} levels with ch_mult={ch_mult})")
        self.in_channels, self.image_size, self.ch = int(in_channels), int(image_size), int(ch)
        self.num_classes = None if num_classes is None else int(num_classes)
        emb_dim = 4 * ch
        self.time_mlp = nn.Sequential(nn.Linear(ch, emb_dim), nn.SiLU(),
                                      nn.Linear(emb_dim, emb_dim))
        self.label_emb = (nn.Embedding(self.num_classes + 1, emb_dim)
                          if self.num_classes is not None else None)
        self.conv_in = nn.Conv2d(in_channels, ch, 3, padding=1)
        last = len(ch_mult) - 1
        block = dict(emb_dim=emb_dim, groups=groups, dropout=dropout, heads=heads)

        self.down = nn.ModuleList()
        chans = [ch]
        cur = ch
        for i, m in enumerate(ch_mult):
            for _ in range(num_res_blocks):
                self.down.append(ResBlock(cur, ch * m, attention=attention and i == last, **block))
                cur = ch * m
                chans.append(cur)
            if i != last:
                self.down.append(Downsample(cur))
                chans.append(cur)
        self.mid1 = ResBlock(cur, cur, attention=attention, **block)
        self.mid2 = ResBlock(cur, cur, **block)
        self.up = nn.ModuleList()
        for i, m in reversed(list(enumerate(ch_mult))):
            for _ in range(num_res_blocks + 1):
                self.up.append(ResBlock(cur + chans.pop(), ch * m,
                                        attention=attention and i == last, **block))
                cur = ch * m
            if i != 0:
                self.up.append(Upsample(cur))
        self.norm_out = nn.GroupNorm(_groups(cur, groups), cur)
        self.conv_out = _zero_(nn.Conv2d(cur, in_channels, 3, padding=1))

    def forward(self, x, t, labels=None):
        """eps prediction for images ``x`` (N, C, S, S) at integer timesteps ``t`` (N,);
        ``labels`` (N,) int64 in [0, num_classes] (num_classes = unconditional) for a
        class-conditional net (None there means all unconditional)."""
        import pydeepgen as pdg

        emb = self.time_mlp(timestep_embedding(t, self.ch))
        if self.label_emb is not None:
            if labels is None:
                labels = pdg.full((x.shape[0],), self.num_classes, dtype=pdg.int64)
            emb = emb + self.label_emb(labels)
        h = self.conv_in(x)
        skips = [h]
        for m in self.down:
            h = m(h, emb) if isinstance(m, ResBlock) else m(h)
            skips.append(h)
        h = self.mid2(self.mid1(h, emb), emb)
        for m in self.up:
            if isinstance(m, ResBlock):
                h = m(pdg.cat([h, skips.pop()], dim=1), emb)
            else:
                h = m(h)
        return self.conv_out(F.silu(self.norm_out(h)))


# --------------------------------------------------------------------------------------
# DDPM: schedule, loss, samplers
# --------------------------------------------------------------------------------------


class DDPM(nn.Module):
    """A denoising diffusion model: a :class:`UNet` (``self.net``) plus the noise schedule.

    Args:
        in_channels, image_size, ch, ch_mult, num_res_blocks, attention, heads, dropout,
            groups: the UNet (see :class:`UNet`).
        num_classes: class-conditional (classifier-free guidance) if set.
        p_uncond: conditional models drop the label (use the "no class" token) with this
            probability during training, so one net also learns the unconditional eps.
        timesteps: T.  schedule: "linear" or "cosine" (see :func:`beta_schedule`).

    Images are in [-1, 1] (``value_range``). API: ``loss(x, labels) -> {"loss"}``,
    ``q_sample(x0, t, noise)``, ``predict_eps(x, t, labels, guidance)``,
    ``sample(n, labels, generator, sampler="ddim", steps=50, eta=0.0, guidance=1.0)``,
    ``sample_noise(n)``.
    """

    value_range = (-1.0, 1.0)

    def __init__(self, in_channels=1, image_size=28, ch=32, ch_mult=(1, 2, 2), num_res_blocks=1,
                 attention=True, heads=1, dropout=0.0, groups=8, num_classes=None, p_uncond=0.1,
                 timesteps=1000, schedule="linear"):
        super().__init__()
        if schedule not in SCHEDULES:
            raise ValueError(f"unknown beta schedule {schedule!r}; choose from {SCHEDULES}")
        if not 0.0 <= float(p_uncond) < 1.0:
            raise ValueError(f"DDPM: p_uncond must be in [0, 1), got {p_uncond}")
        self.config = dict(in_channels=int(in_channels), image_size=int(image_size), ch=int(ch),
                           ch_mult=list(as_tuple(ch_mult)), num_res_blocks=int(num_res_blocks),
                           attention=bool(attention), heads=int(heads), dropout=float(dropout),
                           groups=int(groups),
                           num_classes=None if num_classes is None else int(num_classes),
                           p_uncond=float(p_uncond), timesteps=int(timesteps), schedule=schedule)
        self.net = UNet(in_channels, image_size, ch, ch_mult, num_res_blocks, attention, heads,
                        dropout, groups, num_classes)
        self.num_classes = self.net.num_classes
        self.conditional = self.num_classes is not None
        self.p_uncond = float(p_uncond)
        self.data_shape = (int(in_channels), int(image_size), int(image_size))
        self.timesteps = int(timesteps)
        self.schedule = schedule
        self.betas = beta_schedule(schedule, self.timesteps)
        self.alphas_cumprod = np.cumprod(1.0 - self.betas)

    # -- helpers ---------------------------------------------------------------------------
    def _coef(self, values, shape_n):
        """Per-sample scalars as an (N, 1, 1, 1) float32 tensor."""
        import pydeepgen as pdg

        v = np.broadcast_to(np.asarray(values, dtype=np.float32), (shape_n,))
        return pdg.from_numpy(np.ascontiguousarray(v).reshape(shape_n, 1, 1, 1))

    def _labels(self, n, labels=None):
        """Labels for a batch of ``n`` samples: the given ones, or 0..9 repeated."""
        import pydeepgen as pdg

        if labels is None:
            return pdg.from_numpy(np.arange(int(n), dtype=np.int64) % self.num_classes)
        if hasattr(labels, "numpy"):
            return labels
        return pdg.from_numpy(np.asarray(labels, dtype=np.int64).reshape(-1))

    def sample_noise(self, n, generator=None):
        import pydeepgen as pdg

        return pdg.randn(int(n), *self.data_shape, generator=generator)

    def forward(self, x, t, labels=None):
        return self.net(x, t, labels)

    def warm_start_init(self, missing_keys):
        """Called by :meth:`Trainer.warm_start` with the tensors the source checkpoint
        lacked. A conditional DDPM started from an unconditional one zeroes its label
        embedding, so it begins as exactly the unconditional model (the embedding is added
        to the time embedding) and learns the classes from there."""
        import pydeepgen as pdg

        if "net.label_emb.weight" in missing_keys:
            with pdg.no_grad():
                self.net.label_emb.weight.zero_()

    # -- training --------------------------------------------------------------------------
    def q_sample(self, x0, t, noise):
        """x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) noise for integer timesteps ``t`` (N,)."""
        t = np.asarray(t.numpy() if hasattr(t, "numpy") else t, dtype=np.int64).reshape(-1)
        ab = self.alphas_cumprod[t]
        n = x0.shape[0]
        return self._coef(np.sqrt(ab), n) * x0 + self._coef(np.sqrt(1.0 - ab), n) * noise

    def loss(self, x, labels=None, generator=None):
        """``{"loss": mse}``: the eps-prediction error at uniformly drawn timesteps."""
        import pydeepgen as pdg

        n = x.shape[0]
        t = pdg.randint(0, self.timesteps, (n,), generator=generator)
        noise = pdg.randn(*x.shape, generator=generator, dtype=x.dtype)
        xt = self.q_sample(x, t, noise)
        if self.conditional:
            if labels is None:
                labels = pdg.full((n,), self.num_classes, dtype=pdg.int64)
            elif self.p_uncond > 0:
                drop = pdg.rand(n, generator=generator).numpy() < self.p_uncond
                lab = np.where(drop, self.num_classes, labels.numpy()).astype(np.int64)
                labels = pdg.from_numpy(lab)
        return {"loss": F.mse_loss(self.net(xt, t, labels), noise)}

    # -- sampling --------------------------------------------------------------------------
    def predict_eps(self, x, t, labels=None, guidance=1.0):
        """The net's eps at the scalar timestep ``t`` for the whole batch; with ``guidance``
        w != 1 on a conditional model: eps_uncond + w (eps_cond - eps_uncond)."""
        import pydeepgen as pdg

        n = x.shape[0]
        tt = np.full((n,), int(t), dtype=np.int64)
        if not self.conditional or labels is None or guidance == 1.0:
            return self.net(x, tt, labels if self.conditional else None)
        null = pdg.full((n,), self.num_classes, dtype=pdg.int64)
        both = self.net(pdg.cat([x, x], 0), np.concatenate([tt, tt]), pdg.cat([labels, null], 0))
        cond, uncond = both[:n], both[n:]
        return uncond + (cond - uncond) * float(guidance)

    def sampling_timesteps(self, steps=None):
        """The decreasing timesteps a sampler visits: all T, or ``steps`` evenly spaced ones
        from T-1 down to 0."""
        T = self.timesteps
        if steps is None or int(steps) >= T:
            return np.arange(T - 1, -1, -1, dtype=np.int64)
        if int(steps) < 1:
            raise ValueError(f"sample: steps must be >= 1, got {steps}")
        ts = np.unique(np.round(np.linspace(0, T - 1, int(steps))).astype(np.int64))
        return ts[::-1].copy()

    def sample(self, n, labels=None, generator=None, sampler="ddim", steps=50, eta=0.0,
               guidance=1.0, clip=True, noise=None, callback=None, batch_size=None):
        """``n`` images in [-1, 1] (no gradients, eval mode).

        Args:
            labels: class labels (conditional models; default 0..9 repeated).
            generator: pdg.Generator for the initial noise and the sampler's noise.
            sampler: "ddpm" (ancestral) or "ddim".  steps: timesteps visited (None: all T).
            eta: DDIM stochasticity (0 deterministic).  guidance: classifier-free guidance
                weight (1 = plain conditional).  clip: clip x0_hat to [-1, 1].
            noise: start from this x_T instead of drawing it.
            callback: ``callback(i, t, x)`` after each step (e.g. to record a trajectory).
            batch_size: denoise at most this many images at a time (memory: 10,000 MNIST
                images at once hold ~8 GB of activations). x_T is drawn for all ``n`` first,
                so deterministic DDIM (eta = 0) gives the same images for any batch size.
        """
        import pydeepgen as pdg

        if batch_size is not None and int(batch_size) < 1:
            raise ValueError(f"sample: batch_size must be >= 1, got {batch_size}")
        if batch_size is not None and n > int(batch_size):
            bs = int(batch_size)
            if self.conditional:
                labels = self._labels(n, labels)
            x_t = self.sample_noise(n, generator) if noise is None else noise
            parts = [self.sample(min(bs, n - lo), None if labels is None else labels[lo: lo + bs],
                                 generator, sampler, steps, eta, guidance, clip,
                                 x_t[lo: lo + bs], callback)
                     for lo in range(0, n, bs)]
            return pdg.cat(parts, 0)

        if sampler not in SAMPLERS:
            raise ValueError(f"unknown sampler {sampler!r}; choose from {SAMPLERS}")
        if sampler == "ddpm" and eta != 0.0:
            raise ValueError("sample: eta applies to the ddim sampler only")
        ts = self.sampling_timesteps(steps)
        if self.conditional:
            labels = self._labels(n, labels)
        was = self.training
        self.eval()
        try:
            with pdg.no_grad():
                x = self.sample_noise(n, generator) if noise is None else noise
                for i, t in enumerate(ts):
                    ab_t = float(self.alphas_cumprod[t])
                    ab_prev = float(self.alphas_cumprod[ts[i + 1]]) if i + 1 < len(ts) else 1.0
                    eps = self.predict_eps(x, t, labels, guidance)
                    x0 = (x - eps * math.sqrt(1.0 - ab_t)) * (1.0 / math.sqrt(ab_t))
                    if clip:
                        x0 = pdg.clamp(x0, -1.0, 1.0)
                        eps = (x - x0 * math.sqrt(ab_t)) * (1.0 / math.sqrt(1.0 - ab_t))
                    last = i + 1 == len(ts)
                    if sampler == "ddim":
                        var = 0.0 if last else (eta ** 2 * (1 - ab_prev) / (1 - ab_t)
                                                * (1 - ab_t / ab_prev))
                        x = x0 * math.sqrt(ab_prev) + eps * math.sqrt(max(1.0 - ab_prev - var, 0.0))
                    else:
                        beta = 1.0 - ab_t / ab_prev
                        x = (x0 * (math.sqrt(ab_prev) * beta / (1.0 - ab_t))
                             + x * (math.sqrt(1.0 - beta) * (1.0 - ab_prev) / (1.0 - ab_t)))
                        var = 0.0 if last else beta * (1.0 - ab_prev) / (1.0 - ab_t)
                    if var > 0.0:
                        x = x + pdg.randn(*x.shape, generator=generator) * math.sqrt(var)
                    if callback is not None:
                        callback(i, int(t), x)
                return pdg.clamp(x, -1.0, 1.0)
        finally:
            self.train(was)


# --------------------------------------------------------------------------------------
# EMA
# --------------------------------------------------------------------------------------


class EMA:
    """Exponential moving average of a model's weights: a frozen deep copy ``ema.module``
    updated after each optimizer step as p_ema <- d p_ema + (1 - d) p, with buffers copied.
    With ``warmup`` the decay is min(decay, (1 + k) / (10 + k)) at update k, so early
    averages are not dominated by the random initialization."""

    def __init__(self, model, decay=0.999, warmup=True):
        if not 0.0 < float(decay) < 1.0:
            raise ValueError(f"EMA: decay must be in (0, 1), got {decay}")
        self.decay = float(decay)
        self.warmup = bool(warmup)
        self.num_updates = 0
        self.module = copy.deepcopy(model)
        self.module.requires_grad_(False)
        self.module.eval()

    def current_decay(self):
        k = self.num_updates
        return min(self.decay, (1.0 + k) / (10.0 + k)) if self.warmup else self.decay

    def update(self, model):
        import pydeepgen as pdg

        d = self.current_decay()
        with pdg.no_grad():
            for pe, p in zip(self.module.parameters(), model.parameters()):
                pe.mul_(d)
                pe.add_(p * (1.0 - d))
            for be, b in zip(self.module.buffers(), model.buffers()):
                be.copy_(b)
        self.num_updates += 1
