"""The ``pydeepgen`` command line (also ``python -m pydeepgen``).

    pydeepgen train {mlp,cnn,lstm,gan,cgan,dcgan} [--dataset D] [--data-root DIR] [--epochs N]
                    [--batch-size N] [--lr X] [--seed S] [--out DIR] [--resume] ...
    pydeepgen sample CHECKPOINT [--n 64] [--out grid.png]
    pydeepgen eval CHECKPOINT --metric fid|tvd|accuracy|label-accuracy|rmse
    pydeepgen info
    pydeepgen demo [xor|hiring]

Subcommands register themselves in ``COMMANDS``; errors are one clear line on stderr and
a non-zero exit status, never a traceback.
"""

import argparse
import math
import sys
from pathlib import Path

COMMANDS = {}


def command(name, help):
    def deco(fn):
        COMMANDS[name] = (fn, help)
        return fn

    return deco


def epochs_text(n):
    """'1 epoch', '2 epochs': the count the train commands report."""
    return f"{n} epoch" + ("" if n == 1 else "s")


class CLIError(Exception):
    """An error to report to the user as one line."""


# --------------------------------------------------------------------------------------
# option types: argparse ``type=`` callables that parse and range-check a number, so a bad
# value is a usage error naming the option (exit status 2) before any data is loaded
# --------------------------------------------------------------------------------------

MAX_EPOCHS = 10 ** 6  # far more than a day of training even on the tiniest data
MAX_THREADS = 1024


def _option_type(parse, ok, constraint):
    """A ``type=`` for argparse: ``parse(text)``, refused unless ``ok(value)``. The
    ``constraint`` text goes into the error message and the option's --help line."""

    def check(text):
        try:
            value = parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {constraint}, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"must be {constraint}, got {text}")
        return value

    check.constraint = constraint
    return check


def int_range(low, high, constraint):
    return _option_type(int, lambda v: low <= v <= high, constraint)


def _finite_float(ok, constraint):
    # float() parses "nan", "inf" and "1e999" (inf): refuse them all
    return _option_type(float, lambda v: math.isfinite(v) and ok(v), constraint)


positive_int = int_range(1, 2 ** 31 - 1, "an integer in [1, 2**31)")
nonnegative_int = int_range(0, 2 ** 31 - 1, "an integer in [0, 2**31)")
epoch_count = int_range(1, MAX_EPOCHS, f"an integer in [1, {MAX_EPOCHS}]")
thread_count = int_range(1, MAX_THREADS, f"an integer in [1, {MAX_THREADS}]")
seed_int = int_range(0, 2 ** 63 - 1, "an integer in [0, 2**63)")
finite_float = _finite_float(lambda v: True, "a finite number")
finite_positive_float = _finite_float(lambda v: v > 0, "a finite number > 0")
finite_nonnegative_float = _finite_float(lambda v: v >= 0, "a finite number >= 0")
unit_interval = _finite_float(lambda v: 0 <= v < 1, "a number in [0, 1)")


class _HelpFormatter(argparse.HelpFormatter):
    """Shows a checked option's constraint at the end of its help line."""

    def _get_help_string(self, action):
        constraint = getattr(action.type, "constraint", None)
        return f"{action.help}; {constraint}" if constraint else action.help


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit status 2), no usage dump."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


@command("info", "print version, compiler, SIMD level, threads and CUDA status")
def _info(args):
    import pydeepgen as pdg

    pdg.show_config()
    return 0


@command("demo", "train a tiny network on embedded data (XOR by default) and print what it learned")
def _demo(args):
    from .demos import run_demo

    return run_demo(args.name, epochs=args.epochs, seed=args.seed)


# --------------------------------------------------------------------------------------
# train
# --------------------------------------------------------------------------------------


# the GAN options' dests and defaults, for "does not apply to this model" checks
GAN_OPTION_DEFAULTS = (("loss", "bce"), ("d_steps", 1), ("lr_g", None), ("lr_d", None),
                       ("ema", None), ("label_smoothing", 0.0), ("instance_noise", 0.0),
                       ("score_every", 0), ("score_protocol", "clean"), ("d_dropout", 0.0),
                       ("mode_seeking", 0.0), ("d_spectral_norm", False), ("noise", None),
                       ("info_weight", 0.0))


def check_label(args, model):
    """--label must be one of a conditional model's classes (only the model knows how many)."""
    n = getattr(model, "num_classes", None) if getattr(model, "conditional", False) else None
    if args.label is not None and n is not None and args.label >= n:
        raise CLIError(f"--label must be in [0, {n}) for this {type(model).__name__}, got "
                       f"{args.label}")


def check_init_from(args):
    if args.init_from is None:
        return
    if args.resume:
        raise CLIError("--init-from starts a new run; --resume continues one (pick one)")
    if not Path(args.init_from).is_file():
        raise CLIError(f"--init-from: checkpoint {args.init_from} does not exist")


@command("train", "train a model: mlp, cnn, lstm, gan, cgan or dcgan")
def _train(args):
    from .train import recipes

    out = Path(args.out) if args.out else Path("runs") / args.model
    if args.resume and not (out / "checkpoint.safetensors").is_file():
        raise CLIError(f"--resume: no checkpoint in {out} (train without --resume first, or "
                       f"pass the run's --out DIR)")
    check_init_from(args)
    kw = dict(checkpoint_every=args.checkpoint_every, log_format=args.log_format,
              progress=not args.quiet, plot_every=args.checkpoint_every or 1)
    if args.lr_schedule != "constant":
        kw["lr_schedule"] = args.lr_schedule
    if args.model in ("gan", "cgan", "dcgan"):
        kw.update(loss=args.loss, d_steps=args.d_steps, label_smoothing=args.label_smoothing,
                  instance_noise=args.instance_noise, ema_decay=args.ema,
                  mode_seeking=args.mode_seeking,
                  score_every=args.score_every, score_n=args.score_n,
                  score_protocol=args.score_protocol,
                  sample_every=args.checkpoint_every)
        if args.d_dropout:
            if args.model == "dcgan":
                raise CLIError("--d-dropout applies to gan and cgan, not dcgan")
            kw["model_overrides"] = {"d_dropout": args.d_dropout}
        if args.noise is not None:
            if args.model == "cgan" or (args.model == "dcgan" and args.noise == "uniform"):
                raise CLIError(f"--noise {args.noise} does not apply to {args.model!r} (gan: "
                               f"normal, uniform, mixture; dcgan: normal, mixture)")
            kw.setdefault("model_overrides", {})["noise"] = args.noise
        if args.d_spectral_norm:
            if args.model == "cgan":
                raise CLIError("--d-spectral-norm applies to gan and dcgan, not cgan")
            kw.setdefault("model_overrides", {})["d_spectral_norm"] = True
        if args.info_weight:
            if args.noise != "mixture":
                raise CLIError(f"--info-weight needs --noise mixture (its components are the "
                               f"codes), not --noise {args.noise or 'normal'}")
            kw.setdefault("model_overrides", {})["info_head"] = True
            kw["info_weight"] = args.info_weight
        if args.lr_g is not None:
            kw["lr_g"] = args.lr_g
        if args.lr_d is not None:
            kw["lr_d"] = args.lr_d
    else:
        if any(getattr(args, k) not in (None, d) for k, d in GAN_OPTION_DEFAULTS):
            raise CLIError(f"GAN options (--loss, --d-steps, --lr-g, ...) do not apply to "
                           f"{args.model!r}")
        dropout = getattr(args, "dropout", None)  # the option comes with cli_generative
        if dropout is not None:
            kw["model_overrides"] = {"dropout": dropout}
    try:
        trainer = recipes.train(args.model, dataset=args.dataset, data_root=args.data_root,
                                epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                                seed=args.seed, out_dir=out, resume=args.resume,
                                limit=args.limit, init_from=args.init_from, **kw)
    except ImportError as e:
        raise CLIError(str(e)) from None
    if report_interrupted(trainer):
        return 130
    print(f"done: {epochs_text(trainer.epoch)}; {last_epoch_summary(trainer)}")
    print(f"wrote {out}/checkpoint.safetensors, {out}/log.{args.log_format}, {out}/losses.png"
          + (f", {out}/samples.png" if (out / "samples.png").is_file() else ""))
    return 0


def print_scores(metric, scores, args, data_root):
    """The eval line of an MNIST fid/tvd score, and beside it the same metric for real images
    (``mnist_real_floor``: the floor a perfect generator would reach at this n)."""
    from .metrics import mnist_real_floor

    other = "tvd" if metric == "fid" else "fid"
    floor = mnist_real_floor(args.protocol, args.n, data_root)
    print(f"{metric} {scores[metric]:.4f}  (protocol={args.protocol}, n={args.n}, images used="
          f"{scores['n_used']}, seed={args.seed}; {other} {scores[other]:.4f})")
    print(f"real-vs-real floor: {metric} {floor[metric]:.4f}, {other} {floor[other]:.4f}  "
          f"({'training' if args.protocol == 'clean' else 'test'} images in place of samples)")


def report_interrupted(trainer):
    """After ``fit``: if Ctrl-C stopped the run, say where its checkpoint is and how to go on."""
    if trainer.interrupted:
        print(f"interrupted after {trainer.global_step} steps; checkpoint saved to "
              f"{trainer.last_checkpoint}; continue with the same command and --resume",
              file=sys.stderr)
    return trainer.interrupted


def last_epoch_summary(trainer):
    """The last epoch's logged numbers as "name value, ..." (wall time left out)."""
    last = trainer.history[-1] if trainer.history else {}
    return ", ".join(f"{k} {v:.4f}" for k, v in last.items()
                     if isinstance(v, float) and k != "seconds")


def _configure_train(p):
    from .train.recipes import DATASETS, KINDS

    p.add_argument("model", choices=KINDS, help="what to train")
    p.add_argument("--dataset", choices=DATASETS, default=None,
                   help="training data (default: digits for gan/cgan, mnist for mlp/cnn/dcgan, "
                        "airline for lstm)")
    p.add_argument("--data-root", default=None,
                   help="directory holding mnist/ or fashion-mnist/ (default $PDG_DATA, else "
                        "~/.cache/pydeepgen/data)")
    p.add_argument("--epochs", type=epoch_count, default=None,
                   help="epochs to train (default: the model's)")
    p.add_argument("--batch-size", type=positive_int, default=None,
                   help="samples per step (default: the model's)")
    p.add_argument("--lr", type=finite_positive_float, default=None,
                   help="learning rate (default: the model's)")
    p.add_argument("--seed", type=seed_int, default=0, help="seed of every random draw")
    p.add_argument("--out", default=None, help="run directory (default ./runs/<model>)")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its checkpoint (bit-for-bit)")
    p.add_argument("--init-from", default=None, metavar="CHECKPOINT",
                   help="start a fresh run from this checkpoint's weights (fine-tuning; a new "
                        "optimizer and epoch count). A conditional DDPM can start from an "
                        "unconditional one")
    p.add_argument("--checkpoint-every", type=nonnegative_int, default=5,
                   help="epochs between checkpoints, loss plots and sample grids (0: only at "
                        "the end, where there is always one; Ctrl-C saves one too)")
    p.add_argument("--log-format", choices=("jsonl", "csv"), default="jsonl")
    p.add_argument("--limit", type=positive_int, default=None,
                   help="use only the first N samples")
    p.add_argument("--threads", type=thread_count, default=None,
                   help="CPU threads (default: all)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or per-epoch lines")
    p.add_argument("--lr-schedule", choices=("constant", "cosine"), default="constant",
                   help="constant learning rate, or cosine decay to 0 over the run")
    g = p.add_argument_group("GAN options")
    g.add_argument("--loss", choices=("bce", "saturating", "lsgan", "hinge"), default="bce")
    g.add_argument("--d-steps", type=positive_int, default=1,
                   help="discriminator steps per G step")
    g.add_argument("--lr-g", type=finite_positive_float, default=None,
                   help="generator learning rate (default --lr)")
    g.add_argument("--lr-d", type=finite_positive_float, default=None,
                   help="discriminator learning rate (default --lr)")
    g.add_argument("--label-smoothing", type=unit_interval, default=0.0,
                   help="one-sided: the real label is 1 minus this")
    g.add_argument("--instance-noise", type=finite_nonnegative_float, default=0.0,
                   help="std of the noise added to D's inputs, annealed to 0")
    g.add_argument("--ema", type=unit_interval, default=None,
                   help="EMA decay of generator weights (0: no EMA)")
    g.add_argument("--mode-seeking", type=finite_nonnegative_float, default=0.0,
                   help="weight of the mode-seeking diversity term in the generator loss")
    g.add_argument("--d-dropout", type=unit_interval, default=0.0,
                   help="dropout after the MLP discriminator's hidden layers (gan, cgan; 0: "
                        "none)")
    g.add_argument("--noise", choices=("normal", "uniform", "mixture"), default=None,
                   help="the generator's prior (gan, dcgan): mixture = 10 separated Gaussians")
    g.add_argument("--d-spectral-norm", action="store_true",
                   help="spectral normalization of the discriminator's layers (gan, dcgan)")
    g.add_argument("--info-weight", type=finite_nonnegative_float, default=0.0,
                   help="InfoGAN: weight of the term that makes each mixture component "
                        "recognisable to a head on the discriminator (gan, dcgan; needs "
                        "--noise mixture)")
    g.add_argument("--score-every", type=nonnegative_int, default=0,
                   help="MNIST FID/TVD every N epochs (28x28 MNIST GANs; 0: never)")
    g.add_argument("--score-n", type=positive_int, default=1000,
                   help="samples per FID/TVD score")
    g.add_argument("--score-protocol", choices=("clean", "lipizzaner"), default="clean",
                   help="FID/TVD protocol of the per-epoch scores")


_train.configure = _configure_train


# --------------------------------------------------------------------------------------
# sample / eval
# --------------------------------------------------------------------------------------


def _load_generator(path, prefer_ema=True):
    """A generative model and its meta from a training checkpoint, or Lipizzaner's
    generator .npz files (keys 0.weight ... 4.bias)."""
    path = Path(path)
    if not path.is_file():
        raise CLIError(f"checkpoint {path} does not exist")
    if path.suffix == ".npz":
        import numpy as np

        from .models import GAN

        gan = GAN(data_shape=(1, 28, 28))
        try:
            with np.load(path) as f:
                gan.generator.load_state_dict({k: f[k] for k in f.files})
        except (RuntimeError, ValueError, OSError) as e:
            raise CLIError(f"{path} is not a Lipizzaner MNIST generator: "
                           f"{_one_line(e)}") from None
        return gan.eval(), {"kind": "gan", "data": {"dataset": "mnist", "image_shape": [1, 28, 28]}}
    from .train.checkpoint import load_checkpoint
    from .train.recipes import model_from_checkpoint

    return model_from_checkpoint(load_checkpoint(path), prefer_ema)


@command("sample", "write a grid of samples from a trained generator")
def _sample(args):
    import pydeepgen as pdg

    from .train.logs import save_sample_grid

    model, meta = _load_generator(args.checkpoint)
    if not hasattr(model, "sample_noise"):
        raise CLIError(f"{args.checkpoint} holds a {type(model).__name__}, not a generative "
                       f"model")
    check_label(args, model)
    g = pdg.Generator().manual_seed(args.seed)
    labels = None
    if getattr(model, "conditional", False):
        labels = model._labels(args.n, None if args.label is None else [args.label] * args.n)
    x = model.sample(args.n, labels, generator=g) if labels is not None else \
        model.sample(args.n, generator=g)
    shape = getattr(model, "data_shape", ())
    if not (len(shape) == 3 or (len(shape) == 1 and int(shape[0] ** 0.5) ** 2 == shape[0])):
        import numpy as np

        np.savetxt(args.out if args.out.endswith((".txt", ".csv")) else args.out + ".txt",
                   x.numpy(), delimiter=",")
        print(f"wrote {args.n} samples of {shape} values as text")
        return 0
    nrow = args.nrow or (10 if labels is not None else 8)
    save_sample_grid(x, args.out, nrow=nrow)
    print(f"wrote {args.out} ({args.n} samples)")
    return 0


def _configure_sample(p):
    p.add_argument("checkpoint", help="checkpoint.safetensors of a GAN run, or a Lipizzaner "
                                      "mnist-generator-00X.npz")
    p.add_argument("--n", type=positive_int, default=64, help="samples to draw")
    p.add_argument("--out", default="grid.png")
    p.add_argument("--seed", type=seed_int, default=0, help="seed of the latent draw")
    p.add_argument("--nrow", type=positive_int, default=None, help="images per grid row")
    p.add_argument("--label", type=nonnegative_int, default=None,
                   help="conditional GANs: only this class")
    p.add_argument("--threads", type=thread_count, default=None,
                   help="CPU threads (default: all)")


_sample.configure = _configure_sample


@command("eval", "score a checkpoint: fid, tvd (MNIST GANs), label-accuracy (cGAN, "
                 "conditional DDPM), accuracy (classifiers), rmse (LSTM)")
def _eval(args):
    import pydeepgen as pdg

    model, meta = _load_generator(args.checkpoint)
    data = meta.get("data", {})
    data_root = args.data_root or data.get("data_root")
    metric = args.metric
    if metric in ("fid", "tvd", "label-accuracy"):
        from .metrics import label_accuracy, mnist_scores

        if not hasattr(model, "sample_noise"):
            raise CLIError(f"--metric {metric} needs a generator; {args.checkpoint} holds a "
                           f"{type(model).__name__}")
        if list(getattr(model, "data_shape", ())) not in ([1, 28, 28], [784]):
            raise CLIError(f"--metric {metric} scores 28x28 MNIST generators; this one makes "
                           f"{tuple(model.data_shape)} samples ({data.get('dataset')})")
        cond = getattr(model, "conditional", False)
        if metric == "label-accuracy" and not cond:
            raise CLIError("--metric label-accuracy needs a conditional GAN (cgan)")
        g = pdg.Generator().manual_seed(args.seed)
        labels = model._labels(args.n, None) if cond else None
        x = model.sample(args.n, labels, generator=g) if cond else model.sample(args.n, generator=g)
        if metric == "label-accuracy":
            print(f"label accuracy {label_accuracy(x, labels):.4f} (n={args.n}, seed={args.seed})")
            return 0
        print_scores(metric, mnist_scores(x, protocol=args.protocol, n=args.n,
                                          data_root=data_root), args, data_root)
        return 0
    if metric in ("accuracy", "rmse"):
        from .train.recipes import load_data
        from .train.supervised import evaluate

        if hasattr(model, "sample_noise"):
            raise CLIError(f"--metric {metric} needs a classifier or regressor; "
                           f"{args.checkpoint} holds a {type(model).__name__}")
        if "dataset" not in data:
            raise CLIError(f"{args.checkpoint} does not say which dataset it was trained on")
        test, info = load_data(data["dataset"], data_root, train=False)
        if data["dataset"] == "airline":
            from .datasets import airline_passengers
            from .metrics import rmse
            from .train.recipes import airline_to_passengers

            if metric != "rmse":
                raise CLIError("the LSTM regressor is scored with --metric rmse")
            with pdg.no_grad():
                pred = model(pdg.from_numpy(test[0])).numpy()[:, 0]
            if data.get("scaling") != "logratio" or len(info["target_months"]) != len(pred):
                raise CLIError(f"{args.checkpoint} was trained on other airline windows "
                               f"(an older pydeepgen?); train it again")
            pred_p, true_p, last_p = airline_to_passengers(pred, info,
                                                           airline_passengers().numpy())
            print(f"test RMSE {rmse(pred_p, true_p):.2f} passengers (thousands); persistence "
                  f"baseline {rmse(last_p, true_p):.2f}; {len(true_p)} test months")
            return 0
        if metric != "accuracy":
            raise CLIError("classifiers are scored with --metric accuracy")
        res = evaluate(model, test, "cross_entropy")
        print(f"test accuracy {res['acc']:.4f} ({len(test[0])} {data['dataset']} test images), "
              f"loss {res['loss']:.4f}")
        return 0
    raise CLIError(f"unknown metric {metric!r}")


def _configure_eval(p):
    p.add_argument("checkpoint", help="checkpoint.safetensors, or a Lipizzaner generator .npz")
    p.add_argument("--metric", required=True,
                   choices=("fid", "tvd", "label-accuracy", "accuracy", "rmse"))
    p.add_argument("--protocol", choices=("lipizzaner", "clean"), default="lipizzaner",
                   help="FID/TVD protocol (see docs/models.md)")
    p.add_argument("--n", type=positive_int, default=10000, help="generated images for FID/TVD")
    p.add_argument("--seed", type=seed_int, default=0, help="seed of the latent draw")
    p.add_argument("--data-root", default=None)
    p.add_argument("--threads", type=thread_count, default=None,
                   help="CPU threads (default: all)")


_eval.configure = _configure_eval


# --------------------------------------------------------------------------------------


from . import cli_generative  # noqa: E402,F401  (registers train/sample/eval for ae, vae, ddpm)


def build_parser():
    p = _Parser(prog="pydeepgen", description="pydeepgen: see every kernel.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.add_parser("info", help=COMMANDS["info"][1])
    d = sub.add_parser("demo", help=COMMANDS["demo"][1])
    d.add_argument("name", nargs="?", default="xor", choices=["xor", "hiring"])
    d.add_argument("--epochs", type=epoch_count, default=None, help="training steps")
    d.add_argument("--seed", type=seed_int, default=0, help="seed of the initialization")
    for name, (fn, help_) in COMMANDS.items():
        if name not in ("info", "demo") and hasattr(fn, "configure"):
            fn.configure(sub.add_parser(name, help=help_, description=help_))
    return p


def _one_line(e):
    """An exception's message on one line (multi-line messages joined with '; ')."""
    parts = [ln.strip() for ln in str(e).strip().splitlines() if ln.strip()]
    return "; ".join(parts) if parts else type(e).__name__


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    fn = COMMANDS[args.command][0]
    try:
        threads = getattr(args, "threads", None)
        if threads is not None:
            import pydeepgen as pdg

            pdg.set_num_threads(threads)
        return int(fn(args) or 0)
    except CLIError as e:
        print(f"pydeepgen {args.command}: error: {_one_line(e)}", file=sys.stderr)
        return 1
    except (FileNotFoundError, ValueError, RuntimeError, TypeError, OSError, KeyError) as e:
        print(f"pydeepgen {args.command}: error: {_one_line(e)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"pydeepgen {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
