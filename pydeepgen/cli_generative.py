"""Autoencoders, VAEs and diffusion models in the ``pydeepgen`` command line.

Importing this module extends three commands of :mod:`pydeepgen.cli` (through its
``COMMANDS`` registry; nothing else in that module changes):

    pydeepgen train {ae,vae,ddpm} [--dataset mnist|fashion-mnist|digits] [--latent-dim N]
                    [--arch mlp|conv] [--conditional] [--timesteps T] [--schedule linear|cosine]
                    [--ch C] [--ch-mult 1,2,2] [--num-res-blocks N] [--no-attention]
                    [--dropout P] [--ema DECAY] [--grad-clip X] [--sampler ddpm|ddim]
                    [--steps N] [--score-every N] ... (plus every common train option)
    pydeepgen sample CHECKPOINT [--sampler ddpm|ddim] [--steps N] [--eta X] [--guidance W]
                    [--label K]                  (VAE and DDPM checkpoints; AE: reconstructions)
    pydeepgen eval CHECKPOINT --metric elbo [--k 100]     (VAE: nats per test image)
    pydeepgen eval CHECKPOINT --metric fid|tvd [--sampler ...]   (VAE/DDPM samples)
    pydeepgen eval CHECKPOINT --metric digits [--sampler ...]    (8x8-digit VAE/DDPM samples)

GAN, classifier and LSTM runs go to the original handlers unchanged.
"""

import argparse
from pathlib import Path

from . import cli as _cli
from .cli import (CLIError, finite_float, finite_nonnegative_float, finite_positive_float,
                  nonnegative_int, positive_int, unit_interval)

__all__ = ["install"]

_GEN_CLASSES = ("Autoencoder", "VAE", "ConvVAE", "DDPM")
# option dest -> default, for "does not apply to this model" checks
_GEN_OPTS = {"arch": None, "latent_dim": None, "conditional": False, "timesteps": None,
             "schedule": None, "ch": None, "ch_mult": None, "num_res_blocks": None,
             "no_attention": False, "dropout": None, "grad_clip": None, "sampler": None,
             "steps": None}
# --ema and --score-every apply to diffusion runs too
_GAN_ONLY = tuple(kd for kd in _cli.GAN_OPTION_DEFAULTS if kd[0] not in ("ema", "score_every"))


def _extend_choices(parser, dest, extra):
    for action in parser._actions:  # argparse keeps no public handle on an added argument
        if action.dest == dest and action.choices is not None:
            action.choices = tuple(action.choices) + tuple(c for c in extra
                                                           if c not in action.choices)
            return
    raise RuntimeError(f"cli_generative: the parser has no {dest!r} choices to extend")


def _ch_mult(text):
    """The ``type=`` of --ch-mult: "1,2,2" -> (1, 2, 2)."""
    try:
        vals = tuple(positive_int(v) for v in str(text).split(","))
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"must be comma-separated integers >= 1 like 1,2,2, "
                                         f"got {text!r}") from None
    return vals


_ch_mult.constraint = "comma-separated integers >= 1"


# --------------------------------------------------------------------------------------
# train
# --------------------------------------------------------------------------------------


def _train_generative(args):
    from .datasets import DatasetError
    from .train import generative as G

    kind = args.model
    _cli.start_distributed(args)
    out = Path(args.out) if args.out else Path("runs") / kind
    _cli.check_resume(args, out)
    _cli.check_init_from(args)
    bad = [f"--{k.replace('_', '-')}" for k, d in _GAN_ONLY if getattr(args, k, d) != d]
    if bad:
        raise CLIError(f"GAN options ({', '.join(bad)}) do not apply to {kind!r}")
    ddpm_only = ("conditional", "timesteps", "schedule", "ch", "ch_mult", "num_res_blocks",
                 "no_attention", "dropout", "sampler", "steps")
    if kind != "ddpm":
        wrong = [k for k in ddpm_only + ("ema", "score_every")
                 if getattr(args, k) not in (None, False, 0)]
        if kind == "vae":
            wrong = [k for k in wrong if k not in ("score_every",)]  # VAE samples can be scored
        if wrong:
            opts = ", ".join("--" + k.replace("_", "-") for k in wrong)
            raise CLIError(f"diffusion options ({opts}) "
                           f"do not apply to {kind!r}")
    else:
        if args.latent_dim is not None or args.arch is not None:
            raise CLIError("--latent-dim and --arch apply to ae/vae, not ddpm")
    if kind == "ae" and args.arch is not None:
        raise CLIError("--arch applies to vae (mlp or conv); the autoencoder is an MLP")
    dataset = args.dataset or "mnist"
    if dataset not in G.GEN_DATASETS:
        raise CLIError(f"{kind} trains on {', '.join(G.GEN_DATASETS)}, not {dataset!r}")
    overrides = {}
    if kind == "ddpm":
        for k in ("timesteps", "schedule", "ch", "num_res_blocks", "dropout"):
            if getattr(args, k) is not None:
                overrides[k] = getattr(args, k)
        if args.ch_mult is not None:
            overrides["ch_mult"] = args.ch_mult
        if args.no_attention:
            overrides["attention"] = False
    kw = dict(checkpoint_every=args.checkpoint_every, log_format=args.log_format,
              progress=not args.quiet, plot_every=args.checkpoint_every or 1,
              sample_every=args.checkpoint_every, score_every=args.score_every,
              score_n=args.score_n, grad_clip=args.grad_clip)
    if args.ema is not None:
        kw["ema_decay"] = args.ema
    if args.lr_schedule != "constant":
        kw["lr_schedule"] = args.lr_schedule
    if args.sampler is not None:
        kw["sampler"] = args.sampler
    if args.steps is not None:
        kw["sample_steps"] = args.steps
    if args.distributed:
        kw["distributed"] = True
    _cli.prepare_run_dir_once(args, out)
    try:
        trainer = G.train(kind, dataset=dataset, data_root=args.data_root, epochs=args.epochs,
                          batch_size=args.batch_size, lr=args.lr, seed=args.seed, out_dir=out,
                          resume=args.resume, limit=args.limit, arch=args.arch or "mlp",
                          latent_dim=args.latent_dim, conditional=args.conditional,
                          model_overrides=overrides, init_from=args.init_from,
                          download=args.download, **kw)
    except ImportError as e:
        raise CLIError(str(e)) from None
    except DatasetError as e:
        raise CLIError(_cli.data_error(e, dataset, args.data_root, kind)) from None
    if _cli.report_interrupted(trainer):
        return 130
    print(f"{_cli.done_text(trainer)}; {_cli.last_epoch_summary(trainer)}")
    files = [f"{out}/checkpoint.safetensors", f"{out}/log.{args.log_format}", f"{out}/losses.png"]
    files += [str(out / f) for f in ("samples.png", "reconstructions.png", "latent.png")
              if (out / f).is_file()]
    print("wrote " + ", ".join(files))
    return 0


def _wrap_train(orig):
    def train(args):
        from .train.generative import GEN_KINDS

        if args.model in GEN_KINDS:
            return _train_generative(args)
        used = [k for k, d in _GEN_OPTS.items() if getattr(args, k, d) != d
                and not (k == "dropout" and args.model in ("mlp", "cnn"))]
        if used:
            raise CLIError(f"autoencoder/VAE/diffusion options "
                           f"({', '.join('--' + k.replace('_', '-') for k in used)}) do not "
                           f"apply to {args.model!r}")
        return orig(args)

    def configure(p):
        from .train.generative import GEN_KINDS

        orig.configure(p)
        _extend_choices(p, "model", GEN_KINDS)
        g = p.add_argument_group("autoencoder / VAE options")
        g.add_argument("--latent-dim", type=positive_int, default=None,
                       help="latent size (default: 2 for ae, 20 for vae)")
        g.add_argument("--arch", choices=("mlp", "conv"), default=None,
                       help="vae: the 784-400-20 MLP (default) or the small conv VAE")
        g = p.add_argument_group("diffusion (ddpm) options; --ema and --score-every apply too")
        g.add_argument("--conditional", action="store_true",
                       help="class-conditional UNet with classifier-free guidance")
        g.add_argument("--timesteps", type=positive_int, default=None, help="T (default 1000)")
        g.add_argument("--schedule", choices=("linear", "cosine"), default=None,
                       help="noise schedule of the betas (default linear)")
        g.add_argument("--ch", type=positive_int, default=None,
                       help="UNet base width (default 32)")
        g.add_argument("--ch-mult", type=_ch_mult, default=None,
                       help="width multipliers per level, e.g. 1,2,2 (default: 1,2,2 for "
                            "28x28 images, 1,2 for 8x8)")
        g.add_argument("--num-res-blocks", type=positive_int, default=None,
                       help="residual blocks per level (default 1)")
        g.add_argument("--no-attention", action="store_true",
                       help="no self-attention at the lowest resolution")
        g.add_argument("--dropout", type=unit_interval, default=None,
                       help="dropout probability (ddpm's UNet; also the mlp/cnn classifiers; "
                            "default: the model's)")
        g.add_argument("--grad-clip", type=finite_positive_float, default=None,
                       help="clip the gradient norm to this (default: no clipping)")
        g.add_argument("--sampler", choices=("ddpm", "ddim"), default=None,
                       help="sampler for the per-epoch grids (default ddim: fast and "
                            "deterministic)")
        g.add_argument("--steps", type=positive_int, default=None,
                       help="sampling steps for the grids (default 50)")

    train.configure = configure
    train.__doc__ = orig.__doc__
    return train


# --------------------------------------------------------------------------------------
# sample / eval
# --------------------------------------------------------------------------------------


def _is_generative(model):
    return type(model).__name__ in _GEN_CLASSES


def _steps(args):
    """Sampling steps: --steps, else 50 for ddim and all T for ddpm."""
    if args.steps is not None:
        return args.steps
    return 50 if args.sampler == "ddim" else None


def _draw(model, args, n):
    """``n`` samples from a VAE or DDPM, mapped to [-1, 1], and their labels (None unless the
    model is a class-conditional DDPM)."""
    import pydeepgen as pdg

    _cli.check_label(args, model)
    g = pdg.Generator().manual_seed(args.seed)
    name = type(model).__name__
    if name == "DDPM":
        labels = None
        if model.conditional:
            labels = model._labels(n, None if args.label is None else [args.label] * n)
        elif args.label is not None:
            raise CLIError("--label needs a class-conditional DDPM (train ddpm --conditional)")
        x = _sample_ddpm(model, n, labels, g, args)
        return x, labels
    if name == "Autoencoder":
        raise CLIError("an autoencoder has no prior to sample from; train a vae, or see "
                       "reconstructions.png in its run directory")
    for opt, default in (("label", None), ("eta", 0.0), ("guidance", 1.0), ("steps", None)):
        if getattr(args, opt) != default:
            raise CLIError(f"--{opt} applies to diffusion checkpoints, not a {name}")
    return model.sample(n, generator=g) * 2.0 - 1.0, None  # Bernoulli means -> [-1, 1]


SAMPLE_BATCH = 500  # images denoised at a time (memory; any size gives the same DDIM images)


def _sample_ddpm(model, n, labels, generator, args):
    """``model.sample`` with a progress bar on stderr (a tqdm bar on a terminal; otherwise
    plain lines, one at most every 10 s and one at the end): ancestral sampling visits all
    T timesteps, minutes on a CPU."""
    from .utils.progress import progress_bar

    steps = len(model.sampling_timesteps(_steps(args)))
    batches = -(-n // SAMPLE_BATCH)
    bar = progress_bar(steps * batches, f"sampling {n} images ({args.sampler}, {steps} steps"
                       + (f" x {batches} batches of <= {SAMPLE_BATCH}" if batches > 1 else "")
                       + ")", unit="steps")
    try:
        return model.sample(n, labels, generator=generator, sampler=args.sampler,
                            steps=_steps(args), eta=args.eta, guidance=args.guidance,
                            batch_size=SAMPLE_BATCH, callback=lambda i, t, x: bar.update(1))
    finally:
        bar.close()


def _add_sampler_options(group):
    """The DDPM sampling options of ``sample`` and ``eval``."""
    group.add_argument("--sampler", choices=("ddpm", "ddim"), default="ddim",
                       help="ddim (deterministic, 50 steps by default) or ddpm (ancestral, all "
                            "T steps: minutes on a CPU)")
    group.add_argument("--steps", type=positive_int, default=None,
                       help="timesteps visited (default: 50 for ddim, all T for ddpm)")
    group.add_argument("--eta", type=finite_nonnegative_float, default=0.0,
                       help="DDIM noise (0: deterministic)")
    group.add_argument("--guidance", type=finite_float, default=1.0,
                       help="classifier-free guidance weight (conditional models)")


def _wrap_sample(orig):
    def sample(args):
        from .train.logs import save_sample_grid

        model, meta = _cli._load_generator(args.checkpoint)
        if not _is_generative(model):
            if (args.sampler, args.steps, args.eta, args.guidance) != ("ddim", None, 0.0, 1.0):
                raise CLIError("--sampler/--steps/--eta/--guidance apply to diffusion "
                               "checkpoints")
            return orig(args)
        x, _ = _draw(model, args, args.n)
        cond = getattr(model, "conditional", False)
        nrow = args.nrow or (10 if cond else 8)
        out = _cli.sample_path(args)
        save_sample_grid(x, out, nrow=nrow)
        how = ""
        if type(model).__name__ == "DDPM":
            how = f", {args.sampler} sampler, {len(model.sampling_timesteps(_steps(args)))} steps"
        print(f"wrote {out} ({_cli.grid_text(args.n, nrow)}{how})")
        return 0

    def configure(p):
        orig.configure(p)
        _add_sampler_options(p.add_argument_group("diffusion checkpoints"))

    sample.configure = configure
    return sample


def _wrap_eval(orig):
    def eval_(args):
        from .datasets import DatasetError

        model, meta = _cli._load_generator(args.checkpoint)
        if not _is_generative(model):
            if args.metric == "elbo":
                raise CLIError(f"--metric elbo needs a VAE; {args.checkpoint} holds a "
                               f"{type(model).__name__}")
            return orig(args)
        try:
            return _eval_generative(args, model, meta)
        except DatasetError as e:
            raise CLIError(_cli.eval_data_error(e, args, meta)) from None

    def _eval_generative(args, model, meta):
        data = meta.get("data", {})
        data_root = _cli.resolve_eval(args, meta)
        name = type(model).__name__
        if args.metric == "elbo":
            from .metrics.elbo import elbo
            from .train.generative import load_gen_data

            if name not in ("VAE", "ConvVAE"):
                raise CLIError(f"--metric elbo needs a VAE; {args.checkpoint} holds a {name}")
            test, _ = load_gen_data("vae", data.get("dataset", "mnist"), data_root, train=False)
            r = elbo(model, test[0], k=args.k, seed=args.seed)
            what = "negative ELBO" if args.k == 1 else f"importance-weighted bound (k={args.k})"
            print(f"{what} {r['nll_bound']:.2f} nats per image (reconstruction {r['rec']:.2f}"
                  f" + KL {r['kl']:.2f}; {r['n']} {data.get('dataset', 'mnist')} test images)")
            return 0
        if args.metric == "digits":
            if name == "Autoencoder":
                raise CLIError("an autoencoder has no prior to sample from; --metric digits "
                               "scores vae, ddpm and GAN generators")
            _cli.check_digits_model(model, data)
            x, labels = _draw(model, args, args.n)
            how = ""
            if name == "DDPM":
                how = (f", {args.sampler} sampler, "
                       f"{len(model.sampling_timesteps(_steps(args)))} steps")
                if labels is not None:
                    how += f", guidance={args.guidance}"
            _cli.print_digits_eval(x, labels, args, how)
            return 0
        if args.metric in ("fid", "tvd", "label-accuracy"):
            from .metrics import label_accuracy, mnist_scores

            if list(getattr(model, "data_shape", ())) not in ([1, 28, 28], [784]):
                raise CLIError(f"--metric {args.metric} scores 28x28 MNIST models; this one "
                               f"makes {tuple(model.data_shape)} images ({data.get('dataset')})"
                               + ("; score 8x8 digits with --metric digits"
                                  if list(model.data_shape) in ([1, 8, 8], [64]) else ""))
            if args.metric == "label-accuracy" and not getattr(model, "conditional", False):
                raise CLIError(f"--metric label-accuracy needs a class-conditional model "
                               f"(cgan, or ddpm --conditional); this is an unconditional {name}")
            x, labels = _draw(model, args, args.n)
            if args.metric == "label-accuracy":
                print(f"label accuracy {label_accuracy(x, labels):.4f} (n={args.n}, "
                      f"seed={args.seed}, guidance={args.guidance})")
                return 0
            _cli.print_scores(args.metric, mnist_scores(x, protocol=args.protocol, n=args.n,
                                                        data_root=data_root), args, data_root)
            return 0
        raise CLIError(f"--metric {args.metric} does not apply to a {name}; use elbo (VAE), "
                       f"digits (8x8 digits), fid/tvd (MNIST), or label-accuracy (conditional "
                       f"DDPM)")

    def configure(p):
        orig.configure(p)
        _extend_choices(p, "metric", ("elbo",))
        g = p.add_argument_group("VAE / diffusion checkpoints")
        g.add_argument("--k", type=positive_int, default=1,
                       help="elbo: importance samples (1: the ELBO; >1: the IWAE bound)")
        _add_sampler_options(g)
        g.add_argument("--label", type=nonnegative_int, default=None,
                       help="conditional models: only this class (default: every class)")

    eval_.configure = configure
    return eval_


def install(commands=None):
    """Wrap the ``train``, ``sample`` and ``eval`` entries of ``commands`` (default
    ``pydeepgen.cli.COMMANDS``). Idempotent."""
    commands = _cli.COMMANDS if commands is None else commands
    for name, wrap in (("train", _wrap_train), ("sample", _wrap_sample), ("eval", _wrap_eval)):
        fn, help_ = commands[name]
        if getattr(fn, "_generative", False):
            continue
        new = wrap(fn)
        new._generative = True
        if name == "train":
            help_ = help_.replace("cgan or dcgan", "cgan, dcgan, ae, vae or ddpm")
        elif name == "sample":
            help_ = help_.replace("cgan or dcgan", "cgan, dcgan, vae or ddpm (an ae shows "
                                  "reconstructions.png in its run folder)")
        else:
            help_ = help_ + ", elbo (VAE)"
        commands[name] = (new, help_)


install()
