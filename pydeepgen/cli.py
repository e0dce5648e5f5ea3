"""The ``pydeepgen`` command line (also ``python -m pydeepgen``).

Subcommands register themselves in ``COMMANDS``; errors are one clear line on stderr and
a non-zero exit status, never a traceback.
"""

import argparse
import sys

COMMANDS = {}


def command(name, help):
    def deco(fn):
        COMMANDS[name] = (fn, help)
        return fn

    return deco


class CLIError(Exception):
    """An error to report to the user as one line."""


@command("info", "print version, compiler, SIMD level, threads and CUDA status")
def _info(args):
    import pydeepgen as pdg

    pdg.show_config()
    return 0


@command("demo", "train a tiny network on embedded data (XOR by default) and print what it learned")
def _demo(args):
    from .demos import run_demo

    return run_demo(args.name, epochs=args.epochs, seed=args.seed)


def build_parser():
    p = argparse.ArgumentParser(prog="pydeepgen", description="pydeepgen: see every kernel.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("info", help=COMMANDS["info"][1])
    d = sub.add_parser("demo", help=COMMANDS["demo"][1])
    d.add_argument("name", nargs="?", default="xor", choices=["xor", "hiring"])
    d.add_argument("--epochs", type=int, default=None)
    d.add_argument("--seed", type=int, default=0)
    for name, (fn, help_) in COMMANDS.items():
        if name not in ("info", "demo") and hasattr(fn, "configure"):
            fn.configure(sub.add_parser(name, help=help_))
    return p


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    fn = COMMANDS[args.command][0]
    try:
        return int(fn(args) or 0)
    except CLIError as e:
        print(f"pydeepgen {args.command}: error: {e}", file=sys.stderr)
        return 1
    except (FileNotFoundError, ValueError, RuntimeError, TypeError, OSError) as e:
        print(f"pydeepgen {args.command}: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"pydeepgen {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
