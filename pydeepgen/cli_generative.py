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
    from .train import generative as G

    kind = args.model
    out = Path(args.out) if args.out else Path("runs") / kind
    if args.resume and not (out / "checkpoint.safetensors").is_file():
        raise CLIError(f"--resume: no checkpoint in {out} (train without --resume first, or "
                       f"pass the run's --out DIR)")
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
    try:
        trainer = G.train(kind, dataset=dataset, data_root=args.data_root, epochs=args.epochs,
                          batch_size=args.batch_size, lr=args.lr, seed=args.seed, out_dir=out,
                          resume=args.resume, limit=args.limit, arch=args.arch or "mlp",
                          latent_dim=args.latent_dim, conditional=args.conditional,
                          model_overrides=overrides, init_from=args.init_from, **kw)
    except ImportError as e:
        raise CLIError(str(e)) from None
    if _cli.report_interrupted(trainer):
        return 130
    total = sum(r.get("seconds", 0.0) for r in trainer.history)
    print(f"done: {_cli.epochs_text(trainer.epoch)} ({total:.1f} s of training over all runs); "
          f"{_cli.last_epoch_summary(trainer)}")
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
        g.add_argument("--schedule", choices=("linear", "cosine"), default=None)
        g.add_argument("--ch", type=positive_int, default=None,
                       help="UNet base width (default 32)")
        g.add_argument("--ch-mult", type=_ch_mult, default=None,
                       help="width multipliers per level, e.g. 1,2,2")
        g.add_argument("--num-res-blocks", type=positive_int, default=None,
                       help="residual blocks per level")
        g.add_argument("--no-attention", action="store_true",
                       help="no self-attention at the lowest resolution")
        g.add_argument("--dropout", type=unit_interval, default=None,
                       help="dropout probability (ddpm's UNet; also the mlp/cnn classifiers)")
        g.add_argument("--grad-clip", type=finite_positive_float, default=None,
                       help="clip the gradient norm to this")
        g.add_argument("--sampler", choices=("ddpm", "ddim"), default=None,
                       help="sampler for the per-epoch grids (default ddim)")
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
        x = model.sample(n, labels, generator=g, sampler=args.sampler, steps=_steps(args),
                         eta=args.eta, guidance=args.guidance, batch_size=500)
        return x, labels
    if name == "Autoencoder":
        raise CLIError("an autoencoder has no prior to sample from; train a vae, or see "
                       "reconstructions.png in its run directory")
    for opt, default in (("label", None), ("eta", 0.0), ("guidance", 1.0), ("steps", None)):
        if getattr(args, opt) != default:
            raise CLIError(f"--{opt} applies to diffusion checkpoints, not a {name}")
    return model.sample(n, generator=g) * 2.0 - 1.0, None  # Bernoulli means -> [-1, 1]


def _add_sampler_options(group):
    """The DDPM sampling options of ``sample`` and ``eval``."""
    group.add_argument("--sampler", choices=("ddpm", "ddim"), default="ddim")
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
        save_sample_grid(x, args.out, nrow=args.nrow or (10 if cond else 8))
        how = ""
        if type(model).__name__ == "DDPM":
            how = f", {args.sampler} sampler, {len(model.sampling_timesteps(_steps(args)))} steps"
        print(f"wrote {args.out} ({args.n} samples{how})")
        return 0

    def configure(p):
        orig.configure(p)
        _add_sampler_options(p.add_argument_group("diffusion checkpoints"))

    sample.configure = configure
    return sample


def _wrap_eval(orig):
    def eval_(args):
        model, meta = _cli._load_generator(args.checkpoint)
        if not _is_generative(model):
            if args.metric == "elbo":
                raise CLIError(f"--metric elbo needs a VAE; {args.checkpoint} holds a "
                               f"{type(model).__name__}")
            return orig(args)
        data = meta.get("data", {})
        data_root = args.data_root or data.get("data_root")
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
        if args.metric in ("fid", "tvd", "label-accuracy"):
            from .metrics import label_accuracy, mnist_scores

            if list(getattr(model, "data_shape", ())) not in ([1, 28, 28], [784]):
                raise CLIError(f"--metric {args.metric} scores 28x28 MNIST models; this one "
                               f"makes {tuple(model.data_shape)} images ({data.get('dataset')})")
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
                       f"fid/tvd, or label-accuracy (conditional DDPM)")

    def configure(p):
        orig.configure(p)
        _extend_choices(p, "metric", ("elbo",))
        g = p.add_argument_group("VAE / diffusion checkpoints")
        g.add_argument("--k", type=positive_int, default=1,
                       help="elbo: importance samples (1: the ELBO; >1: the IWAE bound)")
        _add_sampler_options(g)
        g.add_argument("--label", type=nonnegative_int, default=None,
                       help="conditional models: only this class")

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
            help_ = help_.replace("or dcgan", "dcgan, ae, vae or ddpm")
        else:
            help_ = help_ + "; ae/vae/ddpm (see pydeepgen.cli_generative)"
        commands[name] = (new, help_)


install()
