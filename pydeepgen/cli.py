"""The ``pydeepgen`` command line (also ``python -m pydeepgen``).

    pydeepgen train {mlp,cnn,lstm,gan,cgan,dcgan,ae,vae,ddpm} [--dataset D] [--data-root DIR]
                    [--download] [--epochs N] [--batch-size N] [--lr X] [--seed S] [--out DIR]
                    [--resume | --overwrite] ...
    pydeepgen sample CHECKPOINT [--n 64] [--out PNG]   (default: <run>/samples/sample-seed<S>.png)
    pydeepgen eval CHECKPOINT --metric digits|fid|tvd|label-accuracy|accuracy|rmse|elbo
    pydeepgen info
    pydeepgen demo [xor|hiring]

Subcommands register themselves in ``COMMANDS``; errors are one clear line on stderr and
a non-zero exit status (2 for usage errors), never a traceback.
"""

import argparse
import math
import os
import sys
from pathlib import Path

from .datasets.roots import data_root as find_data_root
from .datasets.roots import searched_text

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
    """An error to report to the user as one line (exit status 1)."""

    exit_code = 1


class UsageError(CLIError):
    """A command that must be given differently (exit status 2, as argparse's errors)."""

    exit_code = 2


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
    """Shows an option's default (unless its help already speaks of one, or there is none to
    show) and a checked option's constraint at the end of its help line."""

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        shown = not (default is None or default is False or default == argparse.SUPPRESS)
        if action.option_strings and shown and "default" not in text:
            text += " (default: %(default)s)"
        constraint = getattr(action.type, "constraint", None)
        return f"{text}; {constraint}" if constraint else text


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
                       ("d_minibatch_std", 0),
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


# what a run writes into its folder (samples/ holds epoch_XXXX.png and `pydeepgen sample`'s
# sample-*.png): --overwrite removes exactly these, never other files the folder may hold
RUN_MARKERS = ("checkpoint.safetensors", "log.jsonl", "log.csv")
RUN_FILES = RUN_MARKERS + ("losses.png", "samples.png", "reconstructions.png", "latent.png")
RUN_SAMPLE_PATTERNS = ("epoch_*.png", "sample-*.png", "sample-*.txt")


def check_resume(args, out):
    """--resume needs the run's checkpoint, and does not go with --overwrite."""
    if args.resume and getattr(args, "overwrite", False):
        raise UsageError(f"--resume continues the run in {out}, --overwrite starts it over: "
                         f"pick one")
    if args.resume and not (out / "checkpoint.safetensors").is_file():
        raise CLIError(f"--resume: no checkpoint in {out} (train without --resume first, or "
                       f"pass the run's --out DIR)")


def prepare_run_dir(args, out):
    """Refuse to start a new run over a previous one in ``out`` unless --overwrite, which
    first removes the previous run's checkpoint, log, plots and samples (nothing else)."""
    if args.resume:
        return []
    found = [f for f in RUN_MARKERS if (out / f).is_file()]
    if not found:
        return []
    if not args.overwrite:
        raise UsageError(f"{out} holds a previous run ({', '.join(found)}): pass --resume to "
                         f"continue it, --overwrite to start over (deletes its checkpoint, log "
                         f"and samples), or --out DIR to train elsewhere")
    removed = [out / f for f in RUN_FILES if (out / f).is_file()]
    samples = out / "samples"
    if samples.is_dir():
        removed += [p for pat in RUN_SAMPLE_PATTERNS for p in sorted(samples.glob(pat))
                    if p.is_file()]
    for p in removed:
        p.unlink()
    if samples.is_dir() and not any(samples.iterdir()):
        samples.rmdir()
    print(f"--overwrite: removed the previous run's {len(removed)} files from {out}",
          file=sys.stderr)
    return removed


def data_error(e, dataset, data_root, model=None):
    """A dataset error in the CLI's words: its options (--download, --data-root, $PDG_DATA,
    --dataset digits) instead of the Python API's (download=True, root=)."""
    import re

    msg = _one_line(e)
    m = re.search(r"file (\S+) not found", msg)
    if m is None:  # a corrupt or truncated file: the message says which
        return msg.replace("(download=True)", "(--download)")
    from .train.recipes import DOWNLOADABLE, _dataset_class

    cls = _dataset_class(dataset) if dataset in DOWNLOADABLE else None
    root = find_data_root(data_root, need=cls._needs() if cls is not None else dataset)
    text = (f"{dataset}: {m.group(1)} not found (searched "
            f"{searched_text(data_root, cls.folder if cls is not None else None)}). Pass "
            f"--download to fetch it"
            + (f" from {cls.mirrors[0]}" if cls is not None else "")
            + f" into {root}, or point --data-root DIR (or $PDG_DATA) at a folder holding "
              f"{cls.folder if cls is not None else dataset}/")
    if model is not None and model_trains_on(model, "digits"):
        text += (f", or train on the embedded 8x8 digits instead: pydeepgen train {model} "
                 f"--dataset digits")
    return text


def model_trains_on(model, dataset):
    from .train.generative import GEN_DATASETS, GEN_KINDS
    from .train.recipes import ALLOWED

    allowed = GEN_DATASETS if model in GEN_KINDS else ALLOWED.get(model, ())
    return dataset in allowed


def seconds_text(s):
    """A duration for people: '140 ms', '2.41 s', '12.3 s', '4 min 05 s', '2 h 03 min'."""
    s = float(s)
    if s < 1:
        return f"{s * 1000:.0f} ms"
    if s < 10:
        return f"{s:.2f} s"
    if s < 100:
        return f"{s:.1f} s"
    if s < 3600:
        return f"{int(s // 60)} min {int(s % 60):02d} s"
    return f"{int(s // 3600)} h {int(s % 3600 // 60):02d} min"


def done_text(trainer):
    """'done: 3 epochs in 2.41 s' -- or, for a resumed run, how much of it this run trained."""
    hist = trainer.history
    new = min(getattr(trainer, "epochs_trained", len(hist)), len(hist))
    total = sum(r.get("seconds", 0.0) for r in hist)
    this = sum(r.get("seconds", 0.0) for r in hist[len(hist) - new:]) if new else 0.0
    if new == trainer.epoch:
        return f"done: {epochs_text(trainer.epoch)} in {seconds_text(this)}"
    if new == 0:
        return (f"done: {epochs_text(trainer.epoch)} (none trained now: the checkpoint holds "
                f"them all; {seconds_text(total)} of training over all runs)")
    return (f"done: {epochs_text(trainer.epoch)} ({epochs_text(new)} in this run, "
            f"{seconds_text(this)}; {seconds_text(total)} of training over all runs)")


def print_digits_readout(trainer, log_path=None):
    """After a digits GAN run: the class-coverage readout its last epoch logged."""
    from .metrics.digits import format_digits_scores, from_record

    rec = trainer.history[-1] if trainer.history else {}
    scores = from_record(rec)
    if scores is not None:
        print(format_digits_scores(scores) + (f"\n  (logged in {log_path} as digits_*)"
                                              if log_path is not None else ""))


def start_distributed(args):
    """--distributed: join the MPI job; ranks other than 0 print nothing to stdout (their
    errors still reach stderr). Returns this process's rank (0 without --distributed)."""
    if not getattr(args, "distributed", False):
        return 0
    rank, world = _join_mpi()
    if world == 1:
        print("pydeepgen train: --distributed with one process (start it with mpiexec -n N; "
              "without mpi4py: pip install \"pydeepgen[mpi]\")", file=sys.stderr)
    return rank


def _join_mpi():
    """(rank, world) of the MPI job; every rank but 0 stops writing to stdout."""
    from .distributed import comm

    rank, world = comm.init()
    if rank != 0:
        sys.stdout = open(os.devnull, "w")
    return rank, world


def prepare_run_dir_once(args, out):
    """prepare_run_dir on rank 0 only (an --overwrite must not race), then every rank on."""
    if not getattr(args, "distributed", False):
        return prepare_run_dir(args, out)
    from .distributed import comm

    err = None
    if comm.rank() == 0:
        try:
            prepare_run_dir(args, out)
        except CLIError as e:
            err = e
    comm.barrier()
    if err is not None:
        raise err
    if not args.resume and any((out / f).is_file() for f in RUN_MARKERS):
        raise UsageError(f"{out} holds a previous run: pass --resume or --overwrite")


@command("train", "train a model: mlp, cnn, lstm, gan, cgan or dcgan")
def _train(args):
    from .datasets import DatasetError
    from .train import recipes

    if args.model == "lipizzaner":
        return _train_lipizzaner(args)
    start_distributed(args)
    out = Path(args.out) if args.out else Path("runs") / args.model
    check_resume(args, out)
    check_init_from(args)
    kw = dict(checkpoint_every=args.checkpoint_every, log_format=args.log_format,
              progress=not args.quiet, plot_every=args.checkpoint_every or 1)
    if args.distributed:
        kw["distributed"] = True
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
        if args.d_minibatch_std:
            if args.model != "gan":
                raise CLIError("--d-minibatch-std applies to the MLP gan")
            kw.setdefault("model_overrides", {})["d_minibatch_std"] = args.d_minibatch_std
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
        if (args.dataset or recipes.DEFAULT_DATASET[args.model]) == "digits" and not args.no_readout:
            kw["digits_readout"] = True  # class coverage of the final generator, in the log
    else:
        if any(getattr(args, k) not in (None, d) for k, d in GAN_OPTION_DEFAULTS):
            raise CLIError(f"GAN options (--loss, --d-steps, --lr-g, ...) do not apply to "
                           f"{args.model!r}")
        dropout = getattr(args, "dropout", None)  # the option comes with cli_generative
        if dropout is not None:
            kw["model_overrides"] = {"dropout": dropout}
    prepare_run_dir_once(args, out)
    dataset = args.dataset or recipes.DEFAULT_DATASET[args.model]
    try:
        trainer = recipes.train(args.model, dataset=args.dataset, data_root=args.data_root,
                                epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                                seed=args.seed, out_dir=out, resume=args.resume,
                                limit=args.limit, init_from=args.init_from,
                                download=args.download, **kw)
    except ImportError as e:
        raise CLIError(str(e)) from None
    except DatasetError as e:
        raise CLIError(data_error(e, dataset, args.data_root, args.model)) from None
    if report_interrupted(trainer):
        return 130
    print(f"{done_text(trainer)}; {last_epoch_summary(trainer)}")
    print(f"wrote {out}/checkpoint.safetensors, {out}/log.{args.log_format}, {out}/losses.png"
          + (f", {out}/samples.png" if (out / "samples.png").is_file() else ""))
    print_digits_readout(trainer, out / f"log.{args.log_format}")
    return 0


def _train_lipizzaner(args):
    """pydeepgen train lipizzaner: the coevolution grid (pydeepgen.coevolution), one cell
    per MPI process; the MNIST or 8x8-digits GAN of each cell trains against its neighbours."""
    from .coevolution.run import coevolve

    out = Path(args.out) if args.out else Path("runs") / "lipizzaner"
    dataset = args.dataset or "digits"
    if dataset not in ("digits", "mnist"):
        raise CLIError(f"lipizzaner trains on digits or mnist, not {dataset!r}")
    try:
        rows, cols = (int(v) for v in args.grid.lower().split("x"))
    except ValueError:
        raise UsageError(f"--grid must look like 2x2, got {args.grid!r}") from None
    rank, _ = _join_mpi()
    if args.resume and not (out / f"cell-{rank}.safetensors").is_file():
        raise CLIError(f"--resume: no cell checkpoint in {out} (train without --resume first)")
    if not args.resume and (out / "cell-0.safetensors").is_file() and not args.overwrite:
        raise UsageError(f"{out} holds a previous grid run: pass --resume to continue it, "
                         f"--overwrite to start over, or --out DIR")
    try:
        res = coevolve(f"{rows}x{cols}", dataset, iterations=args.iterations or 10,
                       steps=args.cell_steps, batch_size=args.batch_size or 100,
                       lr=args.lr or 2e-4, seed=args.seed, out=str(out),
                       checkpoint_every=args.checkpoint_every, resume=args.resume,
                       data_root=args.data_root, score_n=args.score_n,
                       log=None if args.quiet else print)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if res is not None:
        print(f"wrote {out}/ensemble.safetensors (+ .json manifest), {out}/summary.json and "
              f"{out}/cell-<rank>.safetensors")
    return 0


def print_scores(metric, scores, args, data_root):
    """The eval line of an MNIST fid/tvd score, and beside it the same metric for real images
    (``mnist_real_floor``: the floor a perfect generator would reach at this n)."""
    from .metrics import mnist_real_floor

    other = "tvd" if metric == "fid" else "fid"
    floor = mnist_real_floor(args.protocol, args.n, data_root)
    used = scores["n_used"]
    why = ""
    if used != args.n:  # Lipizzaner's batching: only whole batches of 64 are scored
        why = (f": the lipizzaner protocol scores whole batches of 64 as Lipizzaner does, "
               f"{used} = {used // 64} x 64, the last {args.n - used} dropped; --protocol "
               f"clean scores all {args.n}")
    print(f"{metric} {scores[metric]:.4f}  (protocol={args.protocol}, n={args.n}, images used="
          f"{used}{why}, seed={args.seed}; {other} {scores[other]:.4f})")
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
                     if isinstance(v, float) and k != "seconds" and not k.startswith("digits_"))


def _configure_train(p):
    from .train.recipes import DATASETS, KINDS

    p.add_argument("model", choices=KINDS + ("lipizzaner",),
                   help="what to train (lipizzaner: the coevolution grid of GANs, under mpiexec)")
    p.add_argument("--dataset", choices=DATASETS, default=None,
                   help="training data (default: digits for gan and cgan; mnist for mlp, cnn, "
                        "dcgan, ae, vae and ddpm; airline for lstm). digits (scikit-learn's "
                        "8x8 digits) and airline ship with the install; mnist and "
                        "fashion-mnist need --download or --data-root")
    p.add_argument("--data-root", default=None, metavar="DIR",
                   help="folder holding mnist/ or fashion-mnist/ (default: $PDG_DATA, else a "
                        "shared/data folder beside the checkout that holds the dataset, else "
                        "$PDG_CACHE/data, i.e. ~/.cache/pydeepgen/data, where --download puts "
                        "the files)")
    p.add_argument("--download", action="store_true",
                   help="fetch MNIST or Fashion-MNIST into the data root first if files are "
                        "missing (md5-checked; the other datasets need no download)")
    p.add_argument("--epochs", type=epoch_count, default=None,
                   help="epochs to train, in all (a resumed run continues up to this number; "
                        "default: the model's: 100 for gan/cgan, 200 for lstm, 20 for ddpm, "
                        "10 for the others)")
    p.add_argument("--batch-size", type=positive_int, default=None,
                   help="samples per step (default: the model's: 64, 128 for ae/vae/ddpm, 8 "
                        "for lstm)")
    p.add_argument("--lr", type=finite_positive_float, default=None,
                   help="learning rate (default: the model's)")
    p.add_argument("--seed", type=seed_int, default=0,
                   help="seed of every random draw (initialization, noise, shuffling)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="run folder: checkpoint, log, plots and samples go there (default: "
                        "./runs/<model>)")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its checkpoint (bit-for-bit)")
    p.add_argument("--overwrite", action="store_true",
                   help="start over in --out: first delete the previous run's checkpoint, log, "
                        "plots and samples (without it, training into a folder that holds a "
                        "run is refused)")
    p.add_argument("--init-from", default=None, metavar="CHECKPOINT",
                   help="start a fresh run from this checkpoint's weights (fine-tuning; a new "
                        "optimizer and epoch count). A conditional DDPM can start from an "
                        "unconditional one")
    p.add_argument("--checkpoint-every", type=nonnegative_int, default=5,
                   help="epochs between checkpoints, loss plots and sample grids (0: only at "
                        "the end, where there is always one; Ctrl-C saves one too)")
    p.add_argument("--log-format", choices=("jsonl", "csv"), default="jsonl",
                   help="per-epoch log: log.jsonl (a JSON object per line) or log.csv")
    p.add_argument("--limit", type=positive_int, default=None,
                   help="use only the first N samples (default: all)")
    p.add_argument("--threads", type=thread_count, default=None,
                   help="CPU threads (default: all)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or per-epoch lines")
    p.add_argument("--distributed", action="store_true",
                   help="data-parallel over MPI: start with mpiexec -n N; --batch-size is per "
                        "process, rank 0 writes the run (docs/distributed.md)")
    c = p.add_argument_group("coevolution options (train lipizzaner)")
    c.add_argument("--grid", default="2x2",
                   help="rows x cols of the toroidal grid; needs rows*cols MPI processes")
    c.add_argument("--iterations", type=positive_int, default=None,
                   help="coevolution iterations (default 10)")
    c.add_argument("--cell-steps", type=positive_int, default=10,
                   help="training batches per cell and iteration")
    p.add_argument("--lr-schedule", choices=("constant", "cosine"), default="constant",
                   help="constant learning rate, or cosine decay to 0 over the run")
    g = p.add_argument_group("GAN options")
    g.add_argument("--loss", choices=("bce", "saturating", "lsgan", "hinge"), default="bce",
                   help="GAN loss (bce: the non-saturating one)")
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
                   help="EMA decay of generator weights, by default none (ddpm: 0.999) "
                        "(0: no EMA)")
    g.add_argument("--mode-seeking", type=finite_nonnegative_float, default=0.0,
                   help="weight of the mode-seeking diversity term in the generator loss")
    g.add_argument("--d-dropout", type=unit_interval, default=0.0,
                   help="dropout after the MLP discriminator's hidden layers (gan, cgan; 0: "
                        "none)")
    g.add_argument("--noise", choices=("normal", "uniform", "mixture"), default=None,
                   help="the generator's prior (gan, dcgan): mixture = 10 separated Gaussians "
                        "(default: normal)")
    g.add_argument("--d-spectral-norm", action="store_true",
                   help="spectral normalization of the discriminator's layers (gan, dcgan)")
    g.add_argument("--d-minibatch-std", type=nonnegative_int, default=0, metavar="GROUP",
                   help="minibatch standard deviation feature in the discriminator over groups "
                        "of GROUP samples (Karras et al. 2018; gan; 0: off)")
    g.add_argument("--info-weight", type=finite_nonnegative_float, default=0.0,
                   help="InfoGAN: weight of the term that makes each mixture component "
                        "recognisable to a head on the discriminator (gan, dcgan; needs "
                        "--noise mixture)")
    g.add_argument("--score-every", type=nonnegative_int, default=0,
                   help="MNIST FID/TVD every N epochs (28x28 MNIST GANs; 0: never; a digits run "
                        "gets its class-coverage readout at the end anyway)")
    g.add_argument("--score-n", type=positive_int, default=1000,
                   help="samples per FID/TVD score")
    g.add_argument("--no-readout", action="store_true",
                   help="skip the class-coverage readout at the end of a digits run (its "
                        "classifier trains in a few seconds on first use)")
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
    if Path(f"{path}.json").is_file():  # a coevolution ensemble (pydeepgen train lipizzaner)
        from .coevolution import Ensemble

        ens = Ensemble.load(str(path))
        shape = list(ens.data_shape)
        dataset = "mnist" if shape[-1] == 28 else "digits"
        return ens.eval(), {"kind": "gan", "data": {"dataset": dataset, "image_shape": shape}}
    from .train.checkpoint import load_checkpoint
    from .train.recipes import model_from_checkpoint

    return model_from_checkpoint(load_checkpoint(path), prefer_ema)


def sample_path(args, ext=".png"):
    """Where ``pydeepgen sample`` writes: --out, else beside the checkpoint in its run folder,
    ``<run>/samples/sample-seed<S>[-label<K>].png`` (a Lipizzaner .npz, which has no run
    folder: ``./samples/<name>-seed<S>.png``)."""
    if args.out:
        return Path(args.out)
    ck = Path(args.checkpoint)
    stem = ck.stem if ck.suffix == ".npz" else "sample"
    folder = Path("samples") if ck.suffix == ".npz" else ck.parent / "samples"
    label = "" if getattr(args, "label", None) is None else f"-label{args.label}"
    return folder / f"{stem}-seed{args.seed}{label}{ext}"


def grid_text(n, nrow):
    """'64 samples, 8 rows of 8' / '500 samples, 62 rows of 8 and one of 4'."""
    nrow = min(nrow, n)
    full, rest = divmod(n, nrow)
    rows = f"{full} row{'s' if full != 1 else ''} of {nrow}"
    return f"{n} samples, {rows}" + (f" and one of {rest}" if rest else "")


@command("sample", "write a grid of samples from a trained generator: gan, cgan or dcgan")
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

        out = sample_path(args, ".txt")
        if out.suffix not in (".txt", ".csv"):
            out = out.with_name(out.name + ".txt")
        out.parent.mkdir(parents=True, exist_ok=True)
        np.savetxt(out, x.numpy(), delimiter=",")
        print(f"wrote {out} ({args.n} samples of {tuple(shape)} values as text, one per line)")
        return 0
    nrow = args.nrow or (10 if labels is not None else 8)
    out = sample_path(args)
    save_sample_grid(x, out, nrow=nrow)
    print(f"wrote {out} ({grid_text(args.n, nrow)})")
    return 0


def _configure_sample(p):
    p.add_argument("checkpoint", help="checkpoint.safetensors of a generative run (gan, cgan, "
                                      "dcgan, vae, ddpm), or a Lipizzaner "
                                      "mnist-generator-00X.npz")
    p.add_argument("--n", type=positive_int, default=64, help="samples to draw")
    p.add_argument("--out", default=None, metavar="PNG",
                   help="where to write the grid (default: the run folder, beside the "
                        "checkpoint: <run>/samples/sample-seed<SEED>.png, -label<K> added with "
                        "--label; ./samples/<name>-seed<SEED>.png for a Lipizzaner .npz). "
                        "Non-image samples (gaussian, line GANs) go to a .txt file")
    p.add_argument("--seed", type=seed_int, default=0, help="seed of the latent draw")
    p.add_argument("--nrow", type=positive_int, default=None,
                   help="images per grid row (default: 8; 10 for conditional models, a column "
                        "per class)")
    p.add_argument("--label", type=nonnegative_int, default=None,
                   help="conditional models: only this class (default: every class, a column "
                        "each)")
    p.add_argument("--threads", type=thread_count, default=None,
                   help="CPU threads (default: all)")


_sample.configure = _configure_sample


EVAL_N = {"digits": 1000}  # --n by metric when not given (else 10000)


def resolve_eval(args, meta):
    """--n's per-metric default, the data root (--data-root, else the run's), and the files
    that --download fetches first. Returns the data root."""
    from .train.recipes import fetch_data

    if args.n is None:
        args.n = EVAL_N.get(args.metric, 10000)
    data = meta.get("data", {})
    data_root = args.data_root or data.get("data_root")
    if args.download:
        if args.metric in ("fid", "tvd", "label-accuracy"):
            fetch_data("mnist", data_root)
        elif args.metric in ("accuracy", "elbo") and data.get("dataset"):
            fetch_data(data["dataset"], data_root)
    return data_root


def check_digits_model(model, data, metric="digits"):
    if list(getattr(model, "data_shape", ())) not in ([1, 8, 8], [64]):
        raise CLIError(f"--metric {metric} scores 8x8-digit generators (--dataset digits); "
                       f"this one makes {tuple(getattr(model, 'data_shape', ()))} samples "
                       f"({data.get('dataset')}): use fid or tvd for 28x28 MNIST")


def print_digits_eval(x, labels, args, extra=""):
    from .metrics.digits import digits_scores, format_digits_scores

    print(format_digits_scores(digits_scores(x, labels), note=f"seed={args.seed}{extra}"))


def eval_data_error(e, args, meta):
    dataset = ("mnist" if args.metric in ("fid", "tvd", "label-accuracy")
               else meta.get("data", {}).get("dataset", "mnist"))
    return data_error(e, dataset, args.data_root or meta.get("data", {}).get("data_root"))


@command("eval", "score a checkpoint: digits (class coverage of 8x8-digit generators), fid, "
                 "tvd (MNIST generators), label-accuracy (cGAN, conditional DDPM), accuracy "
                 "(classifiers), rmse (LSTM)")
def _eval(args):
    from .datasets import DatasetError

    model, meta = _load_generator(args.checkpoint)
    try:
        return _eval_checkpoint(args, model, meta)
    except DatasetError as e:
        raise CLIError(eval_data_error(e, args, meta)) from None


def _eval_checkpoint(args, model, meta):
    import pydeepgen as pdg

    data = meta.get("data", {})
    data_root = resolve_eval(args, meta)
    metric = args.metric
    if metric == "digits":
        if not hasattr(model, "sample_noise"):
            raise CLIError(f"--metric digits needs a generator; {args.checkpoint} holds a "
                           f"{type(model).__name__}")
        check_digits_model(model, data)
        check_label(args, model)
        g = pdg.Generator().manual_seed(args.seed)
        cond = getattr(model, "conditional", False)
        labels = model._labels(args.n, None) if cond else None
        x = model.sample(args.n, labels, generator=g) if cond else model.sample(args.n, generator=g)
        print_digits_eval(x, labels, args)
        return 0
    if metric in ("fid", "tvd", "label-accuracy"):
        from .metrics import label_accuracy, mnist_scores

        if not hasattr(model, "sample_noise"):
            raise CLIError(f"--metric {metric} needs a generator; {args.checkpoint} holds a "
                           f"{type(model).__name__}")
        if list(getattr(model, "data_shape", ())) not in ([1, 28, 28], [784]):
            raise CLIError(f"--metric {metric} scores 28x28 MNIST generators; this one makes "
                           f"{tuple(model.data_shape)} samples ({data.get('dataset')})"
                           + ("; score 8x8 digits with --metric digits"
                              if list(model.data_shape) in ([1, 8, 8], [64]) else ""))
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
                   choices=("digits", "fid", "tvd", "label-accuracy", "accuracy", "rmse"),
                   help="digits: class histogram, TVD to uniform and share of confident "
                        "samples of an 8x8-digit generator (the main job's); fid, tvd: 28x28 "
                        "MNIST generators (Lipizzaner's classifier); label-accuracy: "
                        "conditional models; accuracy: classifiers; rmse: the LSTM; elbo: "
                        "VAEs (nats per test image)")
    p.add_argument("--protocol", choices=("lipizzaner", "clean"), default="lipizzaner",
                   help="FID/TVD protocol: lipizzaner (training images, whole batches of 64) "
                        "or clean (test images, all n); see docs/models.md")
    p.add_argument("--n", type=positive_int, default=None,
                   help="generated samples to score (default: 1000 for digits, 10000 for the "
                        "others)")
    p.add_argument("--seed", type=seed_int, default=0, help="seed of the latent draw")
    p.add_argument("--data-root", default=None, metavar="DIR",
                   help="folder holding mnist/ (default: the run's --data-root, else "
                        "$PDG_DATA, else a shared/data folder beside the checkout that holds "
                        "mnist/, else $PDG_CACHE/data, i.e. ~/.cache/pydeepgen/data)")
    p.add_argument("--download", action="store_true",
                   help="fetch the MNIST files the metric needs into the data root first if "
                        "missing")
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
    d.add_argument("name", nargs="?", default="xor", choices=["xor", "hiring"],
                   help="which toy problem: xor, or hiring (a small hiring-decision table); "
                        "default: xor")
    d.add_argument("--epochs", type=epoch_count, default=None,
                   help="training steps (default: 3000 for xor, 2000 for hiring)")
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
        return e.exit_code
    except (FileNotFoundError, ValueError, RuntimeError, TypeError, OSError, KeyError) as e:
        print(f"pydeepgen {args.command}: error: {_one_line(e)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"pydeepgen {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
