"""Seeded bad-input fuzz: random INVALID calls of the public API, run in child processes.

Every call the generator makes is invalid on purpose (a negative or float size, a dim or
an index out of range, shapes that cannot broadcast, a corrupt checkpoint, ...). The
contract checked for each one:

* a Python exception of an expected type (TypeError, ValueError, IndexError, RuntimeError,
  OverflowError, MemoryError, OSError and subclasses such as FileNotFoundError, or the
  library's own ``pdg.io.CheckpointError``), never a silent success;
* its message names the op (a per-call substring such as ``'gather'``) and is not a pybind11
  signature dump (``'incompatible function arguments'``);
* never a signal (the child's return code would be negative) and never a hang (the child
  runs under a timeout).

The calls run in batches of ~100 in one ``python -c`` child each, so a crash takes down the
child, not pytest. The child prints the running call's number to stderr (flushed) before it
runs it, so a signal or a hang names the call; the rest of the batch then runs in a fresh
child. Each call's source is one line of Python; the failure report prints it with the
imports, as a repro.

``pdg.load`` calls use ``corrupt(...)``, a helper the child defines: it writes a damaged
copy of a small checkpoint (saved by the child into pytest's tmp_path) and returns its path.

``REGRESSIONS`` below are explicit calls that this suite once found broken (the message did
not name the op, the call was accepted, a bare C++ error, a damaged checkpoint header that
loaded); each runs as its own test and must now raise properly. A new finding goes there
first as a ``pytest.mark.xfail(strict=True)`` entry until it is fixed.

Budget: each child spends ~0.5 s importing pydeepgen and ~0.05 s on its 100 calls; the
children run two at a time, and the whole file takes well under 15 s on a 2-core machine
(``python -m pytest -q tests/test_fuzz_bad_input.py``). More calls per batch are almost free;
more batches cost an import each.
"""

import json
import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

SEEDS = (0, 1, 2, 3, 4, 5)  # one batch (one child process) per seed
CALLS_PER_BATCH = 100
BATCH_TIMEOUT_S = 60  # a batch takes ~1 s; a hang is what exceeds this

PRELUDE = ("import math; import numpy as np; import pydeepgen as pdg; from pydeepgen import nn, optim; "
           "import pydeepgen.nn.functional as F")

# The child: reads {"snippets": [...], "tmp": dir, "pdg": bool, "start": i} on stdin, prints
# one JSON line per snippet on stdout. Snippets run in a fresh copy of one namespace.
_DRIVER = r'''
import faulthandler, json, os, sys
faulthandler.enable()
cfg = json.loads(sys.stdin.read())


def _cap_address_space(extra=6 << 30):
    """A safety net set after the imports: an allocation of more than `extra` bytes past what
    the process has mapped fails (MemoryError) instead of exhausting the host."""
    try:
        import resource
        with open("/proc/self/statm") as f:
            mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = mapped + extra
        if (soft == resource.RLIM_INFINITY or soft > cap) and (hard == resource.RLIM_INFINITY or hard >= cap):
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, OSError, ValueError):
        pass


allowed = (TypeError, ValueError, IndexError, RuntimeError, OverflowError, MemoryError, OSError)
base = {"__name__": "__fuzz__"}
if cfg["pdg"]:
    exec(cfg["prelude"], base)
    import pydeepgen as pdg
    from pydeepgen.io import CheckpointError
    allowed = allowed + (CheckpointError,)
    tmp = cfg["tmp"]
    GOOD = os.path.join(tmp, "good.pdg")
    pdg.save({"w": pdg.arange(24.0).reshape(4, 6), "b": pdg.ones(6, dtype=pdg.float64),
              "step": 3, "names": ["a", "b"], "ids": pdg.arange(5)}, GOOD)
    with open(GOOD, "rb") as f:
        GOOD_BYTES = f.read()
    HEADER_END = 8 + int.from_bytes(GOOD_BYTES[:8], "little")
    _count = [0]

    def corrupt(kind, a=0, b=0):
        """A damaged copy of GOOD (or a missing path); returns the path."""
        _count[0] += 1
        path = os.path.join(tmp, f"bad{_count[0]}.pdg")
        raw = GOOD_BYTES
        if kind == "missing":
            return os.path.join(tmp, f"missing{_count[0]}.pdg")
        if kind == "truncate":            # keep the first a bytes
            data = raw[:a]
        elif kind == "flip_data":         # flip bit b of byte a of the tensor data
            i = HEADER_END + a % (len(raw) - HEADER_END)
            data = raw[:i] + bytes([raw[i] ^ (1 << b)]) + raw[i + 1:]
        elif kind == "flip_header":       # flip bit b of byte a of the JSON header
            i = 8 + a % (HEADER_END - 8)
            data = raw[:i] + bytes([raw[i] ^ (1 << b)]) + raw[i + 1:]
        elif kind == "flip_len":          # flip bit b of the 8-byte header length
            data = (int.from_bytes(raw[:8], "little") ^ (1 << b)).to_bytes(8, "little") + raw[8:]
        elif kind == "header_len":        # a header length of a (too big / past the end)
            data = int(a).to_bytes(8, "little") + raw[8:]
        elif kind == "random":            # a bytes of seeded garbage
            import random
            data = random.Random(b).randbytes(a)
        elif kind == "garbage_header":    # a valid length field, a non-JSON header
            import random
            body = random.Random(b).randbytes(a)
            data = len(body).to_bytes(8, "little") + body
        elif kind == "flip_after":        # flip bit b of the byte after the first match of a
            i = raw.index(a.encode()) + len(a)
            data = raw[:i] + bytes([raw[i] ^ (1 << b)]) + raw[i + 1:]
        elif kind == "drop_data":         # the header intact, a bytes of data cut off the end
            data = raw[:len(raw) - a]
        else:
            raise AssertionError(kind)
        with open(path, "wb") as f:
            f.write(data)
        return path

    base.update(corrupt=corrupt, GOOD=GOOD)
_cap_address_space()
for i, src in enumerate(cfg["snippets"], cfg["start"]):
    sys.stderr.write(f"@@RUNNING {i} {json.dumps(src)}\n")
    sys.stderr.flush()
    env = dict(base)
    rec = {"i": i}
    try:
        exec(compile(src, f"<snippet {i}>", "exec"), env)
    except BaseException as e:  # noqa: B902 - SystemExit/KeyboardInterrupt are findings too
        rec.update(ok=False, exc_type=type(e).__name__, allowed=isinstance(e, allowed),
                   message=str(e)[:1500])
    else:
        rec.update(ok=True, exc_type=None, allowed=False, message="")
    del env
    sys.stdout.write(json.dumps(rec) + "\n")
    sys.stdout.flush()
sys.stderr.write("@@DONE\n")
'''


def _last_running(stderr):
    idx = None
    for line in stderr.splitlines():
        if line.startswith("@@RUNNING "):
            idx = int(line.split(maxsplit=2)[1])
    return idx


def _child(snippets, start, tmp, use_pdg, timeout):
    cfg = json.dumps({"snippets": snippets, "start": start, "tmp": str(tmp), "pdg": use_pdg,
                      "prelude": PRELUDE})
    env = dict(os.environ, PYTHONFAULTHANDLER="1")
    env.setdefault("OMP_NUM_THREADS", "2")
    try:
        p = subprocess.run([sys.executable, "-c", _DRIVER], input=cfg.encode(), capture_output=True,
                           timeout=timeout, env=env)
        out, err, rc, hung = p.stdout, p.stderr, p.returncode, False
    except subprocess.TimeoutExpired as e:
        out, err, rc, hung = e.stdout or b"", e.stderr or b"", None, True
    out, err = out.decode(errors="replace"), err.decode(errors="replace")
    recs = {}
    for line in out.splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if isinstance(r, dict) and "i" in r:
            recs[r["i"]] = r
    return recs, rc, hung, err


def run_snippets(snippets, tmp, use_pdg=True, timeout=BATCH_TIMEOUT_S):
    """{index: record} for every snippet; a crash or hang is recorded for the snippet that
    was running, and the rest of the batch runs on in a fresh child."""
    results = {}
    start = 0
    while start < len(snippets):
        recs, rc, hung, err = _child(snippets[start:], start, tmp, use_pdg, timeout)
        results.update(recs)
        if not hung and rc == 0:
            missing = [i for i in range(start, len(snippets)) if i not in results]
            for i in missing:
                results[i] = {"i": i, "ok": False, "exc_type": None, "allowed": False,
                              "message": f"no result from the child; stderr: {err[-1500:]}"}
            break
        what = (f"hang: the child ran past {timeout}s" if hung else
                f"signal {-rc}" if rc < 0 else f"exit code {rc}")
        running = _last_running(err)
        if running is None:  # died in its imports / setup: every snippet would
            for i in range(start, len(snippets)):
                results[i] = {"i": i, "ok": False, "exc_type": None, "allowed": False,
                              "crash": what + " before the first snippet ran",
                              "message": f"stderr tail: {err[-1500:]}"}
            break
        if running in results:  # its record was printed: it died in the cleanup after it
            what += " after the snippet returned (while freeing its objects, or at exit)"
        results[running] = {"i": running, "ok": False, "exc_type": None, "allowed": False,
                            "crash": what, "message": f"stderr tail: {err[-1500:]}"}
        start = running + 1
    return results


def problem(rec, expect):
    """None if ``rec`` honours the contract for a call whose message must name ``expect``
    (a str or a tuple of alternatives), else a one-line description."""
    if rec.get("crash"):
        return f"CRASH ({rec['crash']}): {rec['message']}"
    if rec["ok"]:
        return "accepted: the invalid call raised nothing"
    if rec["exc_type"] is None:
        return rec["message"]
    msg = rec["message"]
    if not rec["allowed"]:
        return f"unexpected exception type {rec['exc_type']}: {msg!r}"
    if "incompatible function arguments" in msg:
        return f"pybind11 signature dump ({rec['exc_type']}): {msg[:300]!r}"
    alts = (expect,) if isinstance(expect, str) else tuple(expect)
    if not any(a in msg for a in alts):
        return f"{rec['exc_type']} whose message does not name {' / '.join(alts)}: {msg[:300]!r}"
    return None


def repro(src):
    r = f"python -c {PRELUDE + '; ' + src!r}"
    if "corrupt(" in src or "GOOD" in src:
        r += "  (corrupt() and GOOD: see _DRIVER in tests/test_fuzz_bad_input.py)"
    return r


# -- the generator ----------------------------------------------------------------------------
# Each family is f(r) -> (source, expected substring(s)). Sizes stay tiny; "huge" sizes are
# far past what any machine holds (2**62 elements and up), never a few GB.

def _shape(r, nd=None, lo=1, hi=4):
    nd = r.randint(1, 3) if nd is None else nd
    return tuple(r.randint(lo, hi) for _ in range(nd))


def _args(shape):
    return ", ".join(str(s) for s in shape)


def _randn(shape):
    return f"pdg.randn({_args(shape)})" if shape else "pdg.randn(())"


def _bad_dim(r, ndim):
    """A dim outside [-ndim, ndim)."""
    return r.choice([ndim + r.randint(0, 3), -ndim - 1 - r.randint(0, 3)])


def _other_size(r, s, lo=2, hi=6):
    return r.choice([v for v in range(lo, hi + 1) if v != s])


def _nonbroadcast(r):
    """Two shapes that cannot broadcast together."""
    a = _shape(r, lo=2, hi=4)
    b = list(a[r.randint(0, len(a) - 1):])
    k = r.randrange(len(b))
    b[k] = _other_size(r, b[k])
    if r.random() < 0.5:
        a, b = tuple(b), a
    return tuple(a), tuple(b)


CREATE = ["zeros", "ones", "empty", "rand", "randn"]


def g_create_negative(r):
    op = r.choice(CREATE)
    s = list(_shape(r, lo=0, hi=3))
    s[r.randrange(len(s))] = -r.randint(1, 9)
    return f"pdg.{op}({_args(s)})", op


def g_create_float(r):
    op = r.choice(CREATE)
    s = [str(v) for v in _shape(r)]
    s[r.randrange(len(s))] = r.choice(["2.5", "0.5", "3.0", "float('nan')", "'3'"])
    return f"pdg.{op}({', '.join(s)})", op


def g_create_huge(r):
    op = r.choice(CREATE)
    s = r.choice(["2**62", "2**63", "2**64", "2**40, 2**40", "2**31, 2**31, 2**31", "3, 2**70"])
    return f"pdg.{op}({s})", op


def g_full_bad_size(r):
    s = list(_shape(r))
    s[r.randrange(len(s))] = r.choice([-1, -5, 2.5, 2**62])
    return f"pdg.full({tuple(s)!r}, {r.choice(['1.0', '0', 'True'])})", "full"


def g_arange(r):
    a, b = r.randint(-5, 5), r.randint(-5, 5)
    kind = r.randrange(2)
    if kind == 0:
        return f"pdg.arange({a}, {b}, 0)", "arange"
    lo, hi = min(a, b), max(a, b) + 1
    return f"pdg.arange({lo}, {hi}, {-r.randint(1, 3)})", "arange"


def g_linspace(r):
    return f"pdg.linspace({r.randint(-3, 0)}, {r.randint(1, 4)}, {-r.randint(1, 9)})", "linspace"


def g_eye(r):
    n, m = r.randint(-5, -1), r.randint(0, 4)
    return (f"pdg.eye({n})" if r.random() < 0.5 else f"pdg.eye({m}, {n})"), "eye"


def g_randint(r):
    k = r.randrange(3)
    if k == 0:  # empty range
        lo = r.randint(-3, 5)
        return f"pdg.randint({lo}, {lo - r.randint(0, 3)}, ({r.randint(1, 4)},))", "randint"
    if k == 1:
        return f"pdg.randint(0, 5, ({r.randint(1, 3)}, {-r.randint(1, 4)}))", "randint"
    return "pdg.randint(0, 5)", "randint"


def g_randperm(r):
    return f"pdg.randperm({-r.randint(1, 100)})", "randperm"


def g_tensor_bad(r):
    return r.choice([
        ("pdg.tensor([[1.0, 2.0], [3.0]])", "tensor"),
        ("pdg.tensor(['a'])", "tensor"),
        (f"pdg.tensor([{r.choice(['math.nan', 'math.inf', '-math.inf'])}], dtype=pdg.int64)", "tensor"),
        ("pdg.tensor({'a': 1})", "tensor"),
    ])


def g_reshape(r):
    s = _shape(r)
    n = 1
    for v in s:
        n *= v
    op = r.choice(["reshape", "view"])
    k = r.randrange(3)
    if k == 0:
        new = (n + r.randint(1, 5),)
    elif k == 1:
        new = (-1, -1)
    else:
        new = (n, r.choice([-2, -3]))
    return f"{_randn(s)}.{op}({_args(new)})", op


def g_expand(r):
    s = list(_shape(r, lo=2, hi=4))
    k = r.randrange(3)
    if k == 0:  # a non-1 size changed
        new = list(s)
        j = r.randrange(len(s))
        new[j] = _other_size(r, s[j])
    elif k == 1 and len(s) > 1:  # fewer sizes than dims
        new = s[1:]
    else:  # -1 in a new leading dim
        new = [-1] + s
    return f"{_randn(s)}.expand({_args(new)})", "expand"


def g_permute(r):
    s = _shape(r)
    nd = len(s)
    k = r.randrange(3)
    if k == 0:
        dims = list(range(nd + r.choice([1, -1]) if nd > 1 else nd + 1))
    elif k == 1 and nd > 1:
        dims = [0] * nd
    else:
        dims = list(range(nd))
        dims[r.randrange(nd)] = _bad_dim(r, nd)
    return f"{_randn(s)}.permute({_args(dims)})", "permute"


def g_transpose(r):
    s = _shape(r)
    a, b = _bad_dim(r, len(s)), r.randrange(len(s))
    if r.random() < 0.5:
        a, b = b, a
    return f"pdg.transpose({_randn(s)}, {a}, {b})", "transpose"


def g_squeeze_family(r):
    s = _shape(r)
    op = r.choice(["squeeze", "unsqueeze", "flatten", "unbind", "cumsum", "cumprod"])
    d = _bad_dim(r, len(s) + (1 if op == "unsqueeze" else 0))
    return f"pdg.{op}({_randn(s)}, {d})", op


def g_narrow(r):
    s = _shape(r)
    d = r.randrange(len(s))
    k = r.randrange(5)
    if k == 0:
        return f"pdg.narrow({_randn(s)}, {_bad_dim(r, len(s))}, 0, 1)", "narrow"
    if k == 4:
        a, b = r.choice([("0.5", "1"), ("0", "1.5"), ("0", repr("1")), ("None", "1")])
        return f"{_randn(s)}.narrow({d}, {a}, {b})", "narrow"
    if k == 1:  # start + length past the end
        start = r.randint(0, s[d])
        return f"pdg.narrow({_randn(s)}, {d}, {start}, {s[d] - start + r.randint(1, 3)})", "narrow"
    if k == 2:
        return f"pdg.narrow({_randn(s)}, {d}, 0, {-r.randint(1, 3)})", "narrow"
    return f"pdg.narrow({_randn(s)}, {d}, {-s[d] - r.randint(1, 3)}, 1)", "narrow"


def g_chunk(r):
    s = _shape(r)
    k = r.randrange(3)
    if k == 0:
        return f"pdg.chunk({_randn(s)}, {-r.randint(0, 3)})", "chunk"
    if k == 1:
        return f"pdg.chunk({_randn(s)}, {r.choice(['2.5', '1.0', repr('2'), 'None'])})", "chunk"
    return f"pdg.chunk({_randn(s)}, 2, {_bad_dim(r, len(s))})", "chunk"


def g_split(r):
    s = _shape(r)
    d = r.randrange(len(s))
    k = r.randrange(4)
    if k == 0:
        return f"pdg.split({_randn(s)}, {-r.randint(0, 3)}, {d})", "split"
    if k == 3:
        return f"pdg.split({_randn(s)}, {r.choice(['1.5', '1.0', repr('a'), 'None'])}, {d})", "split"
    if k == 1:
        secs = [r.randint(0, 3) for _ in range(r.randint(1, 3))]
        if sum(secs) == s[d]:
            secs[0] += 1
        return f"pdg.split({_randn(s)}, {secs}, {d})", "split"
    return f"pdg.split({_randn(s)}, 1, {_bad_dim(r, len(s))})", "split"


def g_cat_stack(r):
    op = r.choice(["cat", "stack"])
    s = _shape(r, lo=2, hi=4)
    k = r.randrange(3)
    if k == 0:  # mismatched shapes (for cat: in a dim other than the cat dim)
        t = list(s)
        d = r.randrange(len(s))
        j = (d + 1) % len(s) if op == "cat" and len(s) > 1 else d
        t[j] = _other_size(r, s[j])
        if op == "cat" and len(s) == 1:
            t = list(s) + [2]
        return f"pdg.{op}([{_randn(s)}, {_randn(t)}], {d if op == 'cat' else 0})", op
    if k == 1:
        return f"pdg.{op}([{_randn(s)}, {_randn(s)}], {_bad_dim(r, len(s) + (op == 'stack'))})", op
    # (stack with a non-Tensor element: in REGRESSIONS)
    return f"pdg.cat([{_randn(s)}, {r.choice(['1.0', 'None', '[1, 2]'])}])", "cat"


def _int_list(r, shape, lo, hi):
    if not shape:
        return r.randint(lo, hi)
    return [_int_list(r, shape[1:], lo, hi) for _ in range(shape[0])]


def _out_of_range_index(r, shape, d):
    """An int64 index tensor literal of ``shape``: entries in [0, d) but one in [d, d + 4]."""
    vals = _int_list(r, shape, 0, d - 1)
    flat = vals
    while isinstance(flat, list) and isinstance(flat[0], list):
        flat = flat[r.randrange(len(flat))]
    bad = d + r.randint(0, 4)
    if isinstance(flat, list):
        flat[r.randrange(len(flat))] = bad
    else:
        vals = bad
    return f"pdg.tensor({vals!r})"


def g_gather(r):
    s = _shape(r)
    d = r.randrange(len(s))
    op = "gather"
    k = r.randrange(3)
    if k == 0:
        idx = _out_of_range_index(r, s, s[d])
    elif k == 1:
        idx = f"pdg.zeros({_args(s)})"  # float index
    else:
        idx = f"pdg.zeros({_args(s + (1,))}, dtype=pdg.int64)"  # one dim too many
        op = r.choice(["gather", "take_along_dim"])  # (take_along_dim out of range: in REGRESSIONS)
    return f"pdg.{op}({_randn(s)}, {d}, {idx})" if op == "gather" else \
        f"pdg.take_along_dim({_randn(s)}, {idx}, {d})", op


def g_scatter(r):
    s = _shape(r)
    d = r.randrange(len(s))
    op = r.choice(["scatter", "scatter_add"])
    k = r.randrange(3)
    if k == 0:
        idx, src = _out_of_range_index(r, s, s[d]), _randn(s)
    elif k == 1:
        idx, src = f"pdg.zeros({_args(s)}, dtype=pdg.int64)", f"pdg.randn({_args(s)}, dtype=pdg.float64)"
    else:
        idx, src = f"pdg.zeros({_args(s)})", _randn(s)
    return f"pdg.{op}({_randn(s)}, {d}, {idx}, {src})", op


def g_index_select_dim(r):
    s = _shape(r)
    return f"pdg.index_select({_randn(s)}, {_bad_dim(r, len(s))}, pdg.tensor([0]))", "index_select"


def g_masked_fill(r):
    s = _shape(r, lo=2, hi=4)
    if r.random() < 0.5:
        return f"{_randn(s)}.masked_fill(pdg.ones({_args(s)}), 0.0)", "masked_fill"
    t = list(s)
    t[-1] = _other_size(r, s[-1])
    return f"{_randn(s)}.masked_fill(pdg.ones({_args(t)}, dtype=pdg.bool), 0.0)", "masked_fill"


def g_getitem(r):
    s = _shape(r)
    d = r.randrange(len(s))
    pre = ":, " * d
    k = r.randrange(5)
    if k == 0:
        i = r.choice([s[d] + r.randint(0, 3), -s[d] - 1 - r.randint(0, 3)])
        return f"{_randn(s)}[{pre}{i}]", "index"
    if k == 1:
        return f"{_randn(s)}[{pre}{[0, s[d] + r.randint(0, 3)]}]", "index"
    if k == 2:
        return f"{_randn(s)}[{pre}pdg.tensor([0.0, 1.0])]", "index"
    if k == 3:
        return f"{_randn(s)}[{', '.join(['0'] * (len(s) + r.randint(1, 2)))}]", ("index", "indices")
    i = s[d] + r.randint(0, 3)
    return f"x = {_randn(s)}; x[{pre}{i}] = 1.0", "index"


BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le", "gt",
          "ge", "floor_divide", "remainder"]
OPERATORS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "lt": "<", "le": "<=",
             "gt": ">", "ge": ">=", "floor_divide": "//", "remainder": "%"}


def g_broadcast(r):
    op = r.choice(BINARY + ["logical_and", "logical_or", "logical_xor", "where"])
    a, b = _nonbroadcast(r)
    if op.startswith("logical"):
        return f"pdg.{op}({_randn(a)} > 0, {_randn(b)} > 0)", op
    if op == "where":
        return f"pdg.where({_randn(a)} > 0, {_randn(b)}, 0.0)", op
    if op in OPERATORS and r.random() < 0.5:
        return f"{_randn(a)} {OPERATORS[op]} {_randn(b)}", op
    return f"pdg.{op}({_randn(a)}, {_randn(b)})", op


def g_binary_bad_type(r):
    op = r.choice(["add", "sub", "mul", "div", "maximum", "minimum", "lt", "eq"])
    bad = r.choice(["'a'", "None", "object()", "{1: 2}"])
    if op in OPERATORS and r.random() < 0.5:
        return f"{_randn(_shape(r))} {OPERATORS[op]} {bad}", op
    return f"pdg.{op}({_randn(_shape(r))}, {bad})", op


def g_bool_arith(r):
    # bool + bool and bool * bool are logical or / and (PyTorch); - and ** are refused
    op = r.choice(["sub", "pow"])
    s = _shape(r)
    return f"pdg.{op}({_randn(s)} > 0, {_randn(s)} < 0)", op


def g_inplace(r):
    a = _shape(r, lo=2, hi=3)
    k = r.randrange(2)
    op = r.choice(["add_", "sub_", "mul_", "div_"])
    if k == 0:
        return f"{_randn(a)}.{op}({_randn((2,) + a)})", op
    return f"pdg.zeros({_args(a)}, dtype=pdg.int64).{op}(1.5)", op


# (all/any dim errors: in REGRESSIONS)
REDUCE = ["sum", "mean", "prod", "amax", "amin", "argmax", "argmin", "max", "min", "std", "var", "logsumexp",
          "softmax", "log_softmax", "count_nonzero", "cumsum", "cumprod"]


def g_reduce_dim(r):
    op = r.choice(REDUCE)
    s = _shape(r)
    return f"pdg.{op}({_randn(s)}, {_bad_dim(r, len(s))})", op


def g_reduce_dim_type(r):
    op = r.choice(["sum", "mean", "prod", "std", "var", "softmax", "cumsum", "argmax", "max", "amax", "amin"])
    return f"pdg.{op}({_randn(_shape(r))}, dim={r.choice(['1.5', repr('a'), 'None' if op == 'cumsum' else '(0.5,)'])})", op


def g_linalg(r):
    op = r.choice(["mm", "bmm", "matmul", "dot", "outer"])
    n, k, m = r.randint(1, 4), r.randint(1, 4), r.randint(1, 4)
    k2 = _other_size(r, k, 1, 5)
    if op == "mm":  # wrong rank (the inner-size mismatch: in REGRESSIONS)
        a, b = r.choice([((n, k), (k,)), ((k,), (k, m)), ((2, n, k), (k, m))])
    elif op == "bmm":
        # (the inner-size mismatch: in REGRESSIONS)
        a, b = r.choice([((2, n, k), (3, k, m)), ((n, k), (2, k, m)), ((2, n, k), (k, m))])
    elif op == "matmul":
        a, b = r.choice([((n, k), (k2, m)), ((k,), (k2,)), ((2, n, k), (3, k, m)), ((n, k), (k2,))])
        if r.random() < 0.3:
            return f"{_randn(a)} @ {_randn(b)}", op
    elif op == "dot":
        a, b = r.choice([((k,), (k2,)), ((n, k), (k,)), ((k,), ())])
    else:
        a, b = r.choice([((n, k), (m,)), ((k,), ()), ((n,), (k, m))])
    return f"pdg.{op}({_randn(a)}, {_randn(b)})", op


def g_matmul_dtype(r):
    n, k, m = r.randint(1, 4), r.randint(1, 4), r.randint(1, 4)
    a, b = r.sample(["pdg.float32", "pdg.float64"], 2)
    return f"pdg.matmul(pdg.randn({n}, {k}, dtype={a}), pdg.randn({k}, {m}, dtype={b}))", "matmul"


def g_conv2d(r):
    n, c, h = r.randint(1, 2), r.randint(1, 3), r.randint(3, 6)
    k = r.randrange(5)
    x = _randn((n, c, h, h))
    if k == 0:  # channel mismatch
        return f"F.conv2d({x}, {_randn((2, _other_size(r, c, 1, 4), 3, 3))})", "conv2d"
    if k == 1:  # kernel larger than the input
        return f"F.conv2d({x}, {_randn((2, c, h + 1, h + 1))})", "conv2d"
    if k == 2:
        return f"F.conv2d({x}, {_randn((2, c, 1, 1))}, stride={r.choice([0, -1])})", "conv2d"
    if k == 3:
        return f"F.conv2d({x}, {_randn((2, c, 1, 1))}, padding={-r.randint(1, 2)})", "conv2d"
    return f"F.conv2d({_randn((c, h))}, {_randn((2, c, 1, 1))})", "conv2d"


def g_pool(r):
    op = r.choice(["max_pool2d", "avg_pool2d"])
    h = r.randint(2, 5)
    x = _randn((1, 2, h, h))
    k = r.randrange(4)
    if k == 0:
        return f"F.{op}({x}, {h + r.randint(1, 3)})", op
    if k == 1:
        return f"F.{op}({x}, 2, stride={r.choice([0, -1])})", op
    if k == 2:
        return f"F.{op}({x}, 2, padding={r.choice([2, 3, -1])})", op
    return f"F.{op}({_randn((h,))}, 2)", op


def g_linear(r):
    n, i, o = r.randint(1, 3), r.randint(1, 4), r.randint(1, 4)
    return f"F.linear({_randn((n, i))}, {_randn((o, _other_size(r, i, 1, 5)))})", "linear"


def g_class_loss(r):
    op = r.choice(["cross_entropy", "nll_loss"])
    n, c = r.randint(1, 4), r.randint(2, 5)
    k = r.randrange(3)
    if k == 0:  # a class id out of range
        tgt = [r.randint(0, c - 1) for _ in range(n)]
        tgt[r.randrange(n)] = r.choice([c + r.randint(0, 3), -r.randint(1, 5)])
        return f"F.{op}({_randn((n, c))}, pdg.tensor({tgt}))", op
    if k == 1:  # batch size mismatch
        return f"F.{op}({_randn((n, c))}, pdg.zeros({n + 1}, dtype=pdg.int64))", op
    return f"F.{op}({_randn((n, c))}, pdg.zeros({n}, dtype=pdg.int64), reduction={r.choice(['bogus', 'avg'])!r})", op


def g_embedding(r):
    num, dim = r.randint(1, 6), r.randint(1, 3)
    ids = [r.randint(0, num - 1) for _ in range(r.randint(1, 4))]
    ids[r.randrange(len(ids))] = r.choice([num + r.randint(0, 3), -r.randint(1, 3)])
    if r.random() < 0.5:
        return f"F.embedding(pdg.tensor({ids}), {_randn((num, dim))})", "embedding"
    return f"nn.Embedding({num}, {dim})(pdg.tensor({ids}))", ("embedding", "Embedding")


def g_layer_norm(r):
    s = _shape(r, nd=r.randint(2, 3), lo=2, hi=4)
    ns = list(s[-r.randint(1, len(s)):])
    ns[r.randrange(len(ns))] += r.randint(1, 2)
    return f"F.layer_norm({_randn(s)}, {tuple(ns)!r})", "layer_norm"


def g_norm_other(r):
    c = r.randint(2, 4)
    k = r.randrange(3)
    if k == 0:
        g = _other_size(r, c, 3, 5)  # does not divide c (c <= 4 < 2g unless g == c)
        while c % g == 0:
            g += 1
        return f"F.group_norm({_randn((2, c, 3))}, {g})", "group_norm"
    if k == 1:
        return f"F.batch_norm({_randn((2, c))}, pdg.zeros({c + 1}), pdg.ones({c + 1}))", "batch_norm"
    return f"F.softmax({_randn((2, c))}, dim={_bad_dim(r, 2)})", "softmax"


def g_interpolate(r):
    x = _randn((1, 1, 3, 3))
    return r.choice([
        (f"F.interpolate({x})", "interpolate"),
        (f"F.interpolate({x}, size=4, scale_factor=2)", "interpolate"),
        (f"F.interpolate({x}, size={-r.randint(1, 3)})", "interpolate"),
        (f"F.interpolate({x}, scale_factor={r.choice([-1, 0, -0.5])})", "interpolate"),
        (f"F.interpolate({x}, size=4, mode={r.choice(['cubic', 'bogus'])!r})", "interpolate"),
        (f"F.interpolate({_randn((3,))}, size=4)", "interpolate"),
        (f"F.interpolate({x}, scale_factor={r.choice(['math.nan', 'math.inf', '-math.inf'])})", "interpolate"),
        (f"F.interpolate({x}, size={r.choice(['2.5', '(2.5, 2)', repr('a')])})", "interpolate"),
    ])


def g_dropout_pad(r):
    return r.choice([
        (f"F.dropout({_randn(_shape(r))}, p={r.choice([1.5, -0.1, 2])})", "dropout"),
        (f"F.pad({_randn((2, 3))}, {[1] * r.choice([1, 3])})", "pad"),
        (f"F.pad({_randn((2, 3))}, (1, 1), mode={r.choice(['bogus', 'wrap'])!r})", "pad"),
    ])


def g_layer_bad_size(r):
    bad = r.choice([f"{-r.randint(1, 5)}", "2.5", "'3'", "None"])
    cls, fmt = r.choice([
        ("Linear", "nn.Linear({b}, 3)"), ("Linear", "nn.Linear(3, {b})"),
        ("Conv2d", "nn.Conv2d({b}, 4, 3)"), ("Conv2d", "nn.Conv2d(3, {b}, 3)"),
        ("Embedding", "nn.Embedding({b}, 3)"),
        ("BatchNorm2d", "nn.BatchNorm2d({b})"), ("BatchNorm1d", "nn.BatchNorm1d({b})"),
        ("LSTM", "nn.LSTM({b}, 4)"), ("GRU", "nn.GRU(4, {b})"), ("RNN", "nn.RNN(4, {b})"),
        ("LSTMCell", "nn.LSTMCell({b}, 4)"), ("GRUCell", "nn.GRUCell(4, {b})"),
        ("GroupNorm", "nn.GroupNorm({b}, 4)"), ("ConvTranspose2d", "nn.ConvTranspose2d({b}, 2, 3)"),
        ("Bilinear", "nn.Bilinear({b}, 2, 3)"),
    ])
    if r.random() < 0.1:  # (LayerNorm(2.5) / LayerNorm(None): in REGRESSIONS)
        return f"nn.LayerNorm({-r.randint(1, 5)})", "LayerNorm"
    return fmt.format(b=bad), cls


def g_layer_bad_config(r):
    return r.choice([
        ("nn.Conv2d(3, 4, 0)", "Conv2d"),
        (f"nn.Conv2d(3, 4, 3, stride={r.choice([0, -1])})", "Conv2d"),
        (f"nn.Conv2d(3, 4, 3, padding={-r.randint(1, 2)})", "Conv2d"),
        (f"nn.Conv2d(4, 4, 3, groups={r.choice([3, 0, -1])})", "Conv2d"),
        (f"nn.Dropout({r.choice([1.5, -0.5, 2])})", "Dropout"),
        (f"nn.GroupNorm(3, {r.choice([4, 5, 7])})", "GroupNorm"),
        (f"nn.LSTM(4, 4, num_layers={r.choice([0, -1])})", "LSTM"),
        (f"nn.MaxPool2d({r.choice([0, -1])})({_randn((1, 1, 4, 4))})", "max_pool2d"),
        (f"nn.MaxPool2d(2, stride=-1)({_randn((1, 1, 4, 4))})", "max_pool2d"),  # (stride=0: in REGRESSIONS)
        (f"nn.AvgPool2d({r.choice([0, -1])})({_randn((1, 1, 4, 4))})", "avg_pool2d"),
        (f"nn.Linear(3, 4)({_randn((2, _other_size(r, 3, 1, 5)))})", ("linear", "Linear")),
        (f"nn.Conv2d(3, 4, 1)({_randn((1, _other_size(r, 3, 1, 5), 4, 4))})", "conv2d"),
        (f"nn.LayerNorm({r.randint(5, 8)})({_randn((2, 4))})", "layer_norm"),
    ])


def g_optim(r):
    neg = -r.choice([0.1, 1.0, 1e-3])
    name, fmt = r.choice([
        ("SGD", "optim.SGD(P, lr={n})"), ("SGD", "optim.SGD(P, lr=0.1, momentum={n})"),
        ("SGD", "optim.SGD(P, lr=0.1, weight_decay={n})"),
        ("SGD", "optim.SGD(P, lr=0.1, momentum=0.0, nesterov=True)"),
        ("Adam", "optim.Adam(P, lr={n})"), ("Adam", "optim.Adam(P, eps={n})"),
        ("Adam", "optim.Adam(P, betas=({b}, 0.999))"), ("Adam", "optim.Adam(P, betas=(0.9, {b}))"),
        ("Adam", "optim.Adam(P, weight_decay={n})"), ("AdamW", "optim.AdamW(P, lr={n})"),
        ("AdamW", "optim.AdamW(P, betas=({b}, 0.999))"), ("AdamW", "optim.AdamW(P, weight_decay={n})"),
        ("RMSprop", "optim.RMSprop(P, lr={n})"), ("RMSprop", "optim.RMSprop(P, alpha={n})"),
        ("RMSprop", "optim.RMSprop(P, momentum={n})"), ("RMSprop", "optim.RMSprop(P, eps={n})"),
        ("Adagrad", "optim.Adagrad(P, lr={n})"), ("Adagrad", "optim.Adagrad(P, lr_decay={n})"),
        ("Adagrad", "optim.Adagrad(P, weight_decay={n})"),
        ("SGD", "optim.SGD([], lr=0.1)"), ("Adam", "optim.Adam([1.0, 2.0])"),
    ])
    b = r.choice([-0.1, 1.0, 1.5, "float('nan')"])
    p = "P = [pdg.randn(2, requires_grad=True)]; "
    return p + fmt.format(n=neg, b=b), name


def g_scheduler(r):
    opt = "opt = optim.SGD([pdg.randn(2, requires_grad=True)], lr=0.1); "
    return r.choice([
        (opt + f"optim.lr_scheduler.StepLR(opt, {r.choice([0, -1])})", "StepLR"),
        (opt + f"optim.lr_scheduler.StepLR(opt, 2, gamma={r.choice([-1, 'math.nan'])})", "StepLR"),
        (opt + f"optim.lr_scheduler.MultiStepLR(opt, [{r.choice(['2.5', '-1', repr('a')])}])", "MultiStepLR"),
        (opt + f"optim.lr_scheduler.ExponentialLR(opt, gamma={r.choice(['math.inf', -0.5])})", "ExponentialLR"),
    ])


def g_load(r):
    k = r.randrange(8)
    if k == 7:  # anywhere in the header: the header digest must catch it
        return f"pdg.load(corrupt('flip_header', {r.randint(0, 10**6)}, {r.randint(0, 7)}))", "load"
    if k == 0:
        return f"pdg.load(corrupt('truncate', {r.randint(0, 600)}))", "load"
    if k == 1:
        return f"pdg.load(corrupt('flip_data', {r.randint(0, 10**6)}, {r.randint(0, 7)}))", "load"
    if k == 2:
        return f"pdg.load(corrupt('flip_len', 0, {r.randint(0, 63)}))", "load"
    if k == 3:
        return f"pdg.load(corrupt('header_len', {r.choice([2**63, 2**40, 10**6, 0, 1])}))", "load"
    if k == 4:
        return f"pdg.load(corrupt('random', {r.randint(0, 300)}, {r.randint(0, 10**6)}))", "load"
    if k == 5:
        return f"pdg.load(corrupt('garbage_header', {r.randint(1, 60)}, {r.randint(0, 10**6)}))", "load"
    return r.choice([("pdg.load(corrupt('missing'))", "load"),
                     (f"pdg.load(corrupt('drop_data', {r.randint(1, 200)}))", "load")])


def g_index_type(r):
    s = _shape(r)
    pre = ":, " * r.randrange(len(s))
    return r.choice([
        (f"{_randn(s)}[{pre}{r.choice(['1.5', repr('a'), '(0.5,)', 'object()'])}]", ("index", "indices")),
        (f"{_randn(s)}[{pre}::{r.choice([0, -1, -2])}]", "slice step"),
        (f"{_randn(s)}[..., ..., 0]", "ellipsis"),
        (f"{_randn(s)}[pdg.ones({_args(s + (2,))}, dtype=pdg.bool)]", ("index", "indices")),
    ])


def g_shape_misc(r):
    s = _shape(r, nd=r.randint(2, 3), lo=2, hi=4)
    a, b = _nonbroadcast(r)
    n = 1
    for v in s:
        n *= v
    return r.choice([
        (f"pdg.flatten({_randn(s)}, {len(s) - 1}, 0)", "flatten"),
        (f"{_randn((n,))}.unflatten(0, ({n + 1}, -1))", "unflatten"),
        (f"pdg.broadcast_to({_randn(a)}, {b})", ("expand", "broadcast")),
        (f"pdg.broadcast_tensors({_randn(a)}, {_randn(b)})", "broadcast_tensors"),
        (f"pdg.broadcast_shapes({a}, {b})", "broadcast"),
        (f"{_randn(a)}.masked_select({_randn(b)} > 0)", "masked_select"),
        (f"{_randn(s)}.index_put((pdg.tensor([{s[0] + r.randint(0, 3)}]),), pdg.tensor(1.0))", "index_put"),
        (f"x = {_randn(s)}; x[pdg.tensor([{s[0] + r.randint(0, 3)}])] = 1.0", "index"),
        (f"x = {_randn(s)}; x[0] = {_randn((s[-1] + 1,))}", "__setitem__"),
        (f"pdg.zeros({_args(a)}).copy_({_randn(b)})", "copy_"),
        (f"{_randn(s)}.masked_fill(pdg.ones({_args(s)}, dtype=pdg.bool), 'a')", "masked_fill"),
        (f"pdg.where({_randn(s)} > 0, 'a', 0.0)", "where"),
    ])


def g_functional_misc(r):
    c = r.randint(1, 3)
    x4 = _randn((1, c, 4, 4))
    return r.choice([
        (f"F.linear({_randn((2, 3))}, {_randn((4, 3))}, {_randn((r.choice([3, 5]),))})", "linear"),
        (f"F.linear({_randn((2, 3))}, pdg.randn(4, 3, dtype=pdg.float64))", "linear"),
        (f"F.conv2d({x4}, pdg.randn(2, {c}, 1, 1, dtype=pdg.float64))", "conv2d"),
        (f"F.conv2d({x4}, {_randn((2, c, 1, 1))}, stride={r.choice(['1.5', '(1, 0)', repr('a')])})", "conv2d"),
        (f"F.conv2d({_randn((1, 4, 4, 4))}, {_randn((2, 2, 1, 1))}, groups={r.choice([3, 0, -2])})", "conv2d"),
        (f"F.conv2d({x4}, {_randn((2, c, 1, 1))}, {_randn((3,))})", "conv2d"),
        (f"F.conv_transpose2d({x4}, {_randn((c + 1, 2, 2, 2))})", "conv_transpose2d"),
        (f"F.max_pool2d({x4}, {r.choice(['2.5', '(2, 2, 2)', repr('a')])})", "max_pool2d"),
        (f"F.max_pool2d({x4}, 2, dilation={r.choice([0, -1])})", "max_pool2d"),
        (f"F.avg_pool2d({x4}, 2, stride=0)", "avg_pool2d"),
        (f"F.adaptive_avg_pool2d({x4}, {r.choice([0, -2, '(2, 0)'])})", "adaptive_avg_pool2d"),
        (f"F.adaptive_max_pool2d({x4}, {r.choice(['4.5', '(2, 2, 2)', repr('a')])})", "adaptive_max_pool2d"),
        (f"F.embedding(pdg.tensor([0.5]), {_randn((3, 2))})", "embedding"),
        (f"F.embedding(pdg.tensor([0]), {_randn((3,))})", "embedding"),
        (f"F.layer_norm({_randn((2, 3))}, (3,), weight={_randn((4,))})", "layer_norm"),
        (f"F.nll_loss({_randn((2, 3, 4))}, pdg.zeros(2, 5, dtype=pdg.int64))", "nll_loss"),
        (f"F.cross_entropy({_randn((2, 3))}, pdg.tensor([0, 1]), weight={_randn((r.choice([2, 4]),))})", "cross_entropy"),
        (f"F.cross_entropy({_randn((2, 3))}, pdg.tensor([0, 1]), label_smoothing={r.choice([-0.1, 1.5])})", "cross_entropy"),
        (f"F.cross_entropy({_randn((2, 3))}, pdg.zeros(2))", "cross_entropy"),
        (f"F.binary_cross_entropy(pdg.tensor([{r.choice([1.5, -0.5])}]), pdg.tensor([1.0]))", "binary_cross_entropy"),
        (f"F.binary_cross_entropy(pdg.rand(3), pdg.rand({r.choice([2, 4])}))", "binary_cross_entropy"),
        ("F.binary_cross_entropy_with_logits(pdg.rand(3), pdg.rand(4))", "binary_cross_entropy_with_logits"),
        (f"F.{r.choice(['mse_loss', 'l1_loss', 'smooth_l1_loss', 'huber_loss'])}({_randn((3,))}, {_randn((4,))})",
         ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss")),
        (f"F.mse_loss({_randn((3,))}, {_randn((3,))}, reduction={r.choice(['bogus', 'avg'])!r})", "mse_loss"),
        (f"F.gelu({_randn((3,))}, approximate={r.choice(['bogus', 'erf'])!r})", "gelu"),
        (f"F.hardtanh({_randn((3,))}, min_val=2.0, max_val=1.0)", "hardtanh"),
        (f"F.leaky_relu({_randn((3,))}, negative_slope={r.choice([repr('a'), 'None', '[0.1]'])})", "leaky_relu"),
        (f"F.elu({_randn((3,))}, alpha={r.choice([repr('a'), 'None'])})", "elu"),
        (f"F.softplus({_randn((3,))}, beta={r.choice([repr('a'), 'None'])})", "softplus"),
        (f"F.cross_entropy({_randn((2, 3))}, pdg.tensor([0, 1]), ignore_index={r.choice(['1.5', repr('a')])})", "cross_entropy"),
        (f"F.dropout({_randn((3,))}, p=math.nan)", "dropout"),
        (f"F.log_softmax({_randn((2, 3))}, dim=1.5)", "log_softmax"),
        (f"F.relu({r.choice(['1.0', repr('a'), '[1.0]'])})", "relu"),
        (f"F.group_norm({_randn((2, 4, 3))}, 2, weight={_randn((3,))})", "group_norm"),
    ])


def g_module_misc(r):
    return r.choice([
        (f"nn.LSTM(4, 4)({_randn((3, 2, r.choice([3, 5])))})", "LSTM"),
        (f"nn.GRU(4, 4)({_randn((3, r.choice([3, 5])))})", "GRU"),
        (f"nn.RNN(4, 4)({_randn((3, 2, 4))}, {_randn((1, 3, 4))})", "RNN"),
        (f"nn.LSTMCell(4, 4)({_randn((2, 5))})", "LSTMCell"),
        (f"nn.BatchNorm2d(3)({_randn((2, r.choice([2, 4]), 2, 2))})", ("batch_norm", "BatchNorm")),
        (f"nn.BatchNorm1d(3)({_randn((2, 2, 3, 3))})", ("batch_norm", "BatchNorm")),
        (f"nn.Upsample(scale_factor={r.choice([-1, 0])})({_randn((1, 1, 2, 2))})", "interpolate"),
        (f"nn.Flatten({r.choice([5, -4])})({_randn((2, 3))})", "flatten"),
        (f"nn.Sequential({r.choice(['1', 'None', repr('relu')])})", "Sequential"),
        (f"nn.Embedding(10, 3, padding_idx={r.choice([10, 20, -11])})", "Embedding"),
        (f"nn.LSTM(4, 4, dropout={r.choice([2.0, -0.5])})", "LSTM"),
        (f"nn.Conv2d(3, 4, 3)({_randn((3, 2, 2))})", "conv2d"),
        (f"nn.Linear(3, 4).load_state_dict({{'weight': {_randn((4, 5))}, 'bias': {_randn((4,))}}})",
         ("load_state_dict", "weight")),
    ])


def g_global_misc(r):
    return r.choice([
        (f"pdg.manual_seed({r.choice(['2**64', '2**70'])})", "manual_seed"),  # (-2**64: in REGRESSIONS)
        (f"pdg.set_num_threads({r.choice([0, -1, -8])})", "set_num_threads"),
        (f"pdg.normal(0.0, {-r.randint(1, 3)}.0, size=(2,))", "normal"),
        (f"pdg.normal(0.0, 1.0, size=({-r.randint(1, 3)},))", "normal"),
        (f"pdg.tensor([1, 2]) {r.choice(['%', '//'])} pdg.tensor([0, 1])", ("remainder", "floor_divide")),
        (f"pdg.tensor([1, 2]).pow({-r.randint(1, 3)})", "pow"),
        (f"pdg.{r.choice(['mean', 'std', 'var'])}(pdg.tensor([1, 2]))", ("mean", "std", "var")),
        (f"pdg.from_numpy(np.zeros(2, dtype=np.{r.choice(['float16', 'complex64', 'int8', 'uint16'])}))", "from_numpy"),
        (f"pdg.clamp({_randn((3,))}, min={r.choice([repr('a'), 'None, max=[1]'])})", "clamp"),
        (f"{_randn((2, 3))}.var(correction='a')", "var"),
        (f"{_randn((2, 3))}.max({_randn((4,))})", "maximum"),
        (f"pdg.Generator().set_state(pdg.zeros({r.choice([3, 15, 17])}, dtype=pdg.uint8))", "set_state"),
        (f"{_randn((2,))}.item()", "item"),
        (f"({_randn((2,))} * 2).backward()", "backward"),
    ])


def g_more_creation(r):
    return r.choice([
        (f"nn.{r.choice(['Conv2d(3, 2**62, 3)', 'Conv2d(2**62, 3, 3)'])}", "Conv2d"),
        (f"nn.Embedding({r.choice(['2**62, 4', '4, 2**62', '2**40, 2**40'])})", "Embedding"),
        (f"nn.{r.choice(['LSTM', 'GRU', 'RNN'])}(4, {r.choice(['2**40', '2**62'])})", ("LSTM", "GRU", "RNN")),
        (f"nn.Bilinear({r.choice(['2**31, 2**31, 2**31', '2, 2, 2**62'])})", "Bilinear"),
        (f"nn.Linear({r.choice(['2**31, 2**31', '2**62, 2', '2, 2**62'])})", "Linear"),
        (f"pdg.eye({r.choice(['3, 2**62', '2**40', '2**62, 1'])})", "eye"),
        (f"pdg.full(({r.choice(['2**62', '2**40, 2**40', '2**64'])},), 1.0)", "full"),
        (f"pdg.linspace({r.choice([repr('a'), '0'])}, 1, {r.choice([repr('a'), '2.5', 'None', '2**62', '2**70'])})",
         "linspace"),
        (f"pdg.eye(3, {r.choice([repr('a'), '2.5', '-1'])})", "eye"),
        (f"pdg.randperm({r.choice([repr('a'), '2**70', '2**62', '1.5'])})", "randperm"),
        (f"pdg.randint(0, 5, ({r.choice(['2.5', repr('a'), '-1'])},))", "randint"),
        (f"pdg.arange({r.choice(['math.nan', 'math.inf', '2**70', repr('a'), '0, 1, math.nan'])})", "arange"),
        (f"pdg.full((2,), {r.choice([repr('a'), 'None', '[1]'])})", "full"),
        ("pdg.full((2,), math.nan, dtype=pdg.int64)", "full"),
        (f"pdg.zeros(3).fill_({r.choice([repr('a'), 'None'])})", "fill_"),
        (f"pdg.tensor([1]) + 2**{r.choice([63, 64, 70])}", "add"),
        (f"pdg.tensor([1]) * -2**{r.choice([64, 70])}", "mul"),
        (f"pdg.count_nonzero({_randn((2, 3))}, dim={r.choice([2, 5, -3])})", "count_nonzero"),
        (f"pdg.gather(pdg.randn(2, 3), 1, pdg.tensor([[0, {-r.randint(1, 3)}]]))", "gather"),
        (f"pdg.{r.choice(['scatter', 'scatter_add'])}(pdg.randn(2, 3), 1, pdg.tensor([[0, {-r.randint(1, 3)}]]), "
         "pdg.randn(1, 2))", ("scatter", "scatter_add")),
        (f"{_randn((3, 4))}.select({r.choice([0, 1, -1, -2])}, {r.choice([4, 5, -5, -9, 2**40])})", "select"),
        (f"{_randn((3, 4))}.select({r.choice([2, -3])}, 0)", "select"),
        (f"pdg.index_select({_randn((2, 3))}, 1, pdg.tensor([{r.choice([-1, 3, 7])}]))", "index_select"),
        (f"{_randn((2, 3))}.index_select(0, pdg.tensor([[0]]))", "index_select"),
    ])


def g_more_tensor(r):
    x = _randn(_shape(r, nd=2, lo=2, hi=3))
    return r.choice([
        (f"{x}.view(-1, 0)", "view"),
        (f"{x}.expand({-r.randint(2, 4)}, 3)", "expand"),
        (f"pdg.cat([{x}, {x}], dim={r.choice(['None', '1.5', repr('a')])})", "cat"),
        (f"{x}.chunk(2, dim={r.choice(['1.5', repr('a')])})", "chunk"),
        (f"{x}.split([1.5, 0.5], 1)", "split"),
        (f"{x}.split(2, dim='a')", "split"),
        (f"{x}.permute(*range({r.randint(5, 40)}))", "permute"),
        (f"F.pad({x}, ({-r.randint(4, 9)}, 0))", "pad"),
        (f"F.interpolate({_randn((1, 1, 3, 3))}, scale_factor=1e30)", "interpolate"),
        (f"{x}.gather(1.5, pdg.zeros(2, 3, dtype=pdg.int64))", "gather"),
        (f"{x}.index_select(0, [{r.randint(3, 9)}])", "index_select"),
        (f"pdg.where({x} > 0, {x}, {r.choice([repr('a'), 'None'])})", "where"),
        (f"{x}.sum(dim=(0, 1.5))", "sum"),
        (f"{x}.mean(dtype=pdg.int64)", "mean"),
        (f"{x}.softmax(0, dtype=pdg.int64)", "softmax"),
        (f"{x}.to(dtype={r.choice([repr('a'), repr('complex64'), '3'])})", "dtype"),
        (f"{_randn((2, 3, 4))}.t()", "t()"),
        (f"{_randn((2,))}.mT", "mT"),
        (f"{x}.clamp(min=2, max='a')", "clamp"),
        (f"{x}.clamp()", "clamp"),
        (f"{x} @ {r.choice([repr('a'), 'None', '1.0'])}", "matmul"),
        (f"pdg.matmul({x}, [1, 2, 3])", "matmul"),
        ("pdg.outer(pdg.randn(3), 'a')", "outer"),
        (f"pdg.{r.choice(['exp', 'log', 'relu', 'tanh', 'abs', 'sigmoid', 'sqrt', 'neg'])}({r.choice([repr('a'), 'None', '[1.0]'])})",
         ("exp", "log", "relu", "tanh", "abs", "sigmoid", "sqrt", "neg")),
        (f"pdg.{r.choice(['softmax', 'log_softmax'])}(pdg.tensor([1, 2]), 0)", ("softmax", "log_softmax")),
        (f"pdg.from_numpy({r.choice(['[1, 2]', '1.0', 'None'])})", "from_numpy"),
    ])


def g_more_nn(r):
    x4 = _randn((1, 2, 4, 4))
    return r.choice([
        ("F.cross_entropy(pdg.tensor([[1, 2]]), pdg.tensor([0]))", "cross_entropy"),
        ("F.nll_loss(pdg.randn(3), pdg.tensor([0, 1]))", "nll_loss"),
        (f"F.nll_loss(pdg.randn(2, 3), pdg.tensor([0, 1]), ignore_index={r.choice([repr('a'), 'None'])})", "nll_loss"),
        (f"F.embedding(pdg.tensor([0]), pdg.randn(3, 2), padding_idx={r.choice([5, 3, -4])})", "embedding"),
        (f"F.conv2d({x4}, pdg.randn(2, 2, 1, 1), padding={r.choice([repr('bogus'), repr('full')])})", "conv2d"),
        (f"F.conv2d({x4}, pdg.randn(2, 2, 1, 1), dilation={r.choice([0, -1])})", "conv2d"),
        (f"F.conv2d({x4}, pdg.randn(2, 2, 1))", "conv2d"),
        (f"F.conv2d({x4}, {r.choice([repr('a'), 'None', '1.0'])})", "conv2d"),
        ("F.conv2d(pdg.tensor([[[[1]]]]), pdg.tensor([[[[1]]]]))", "conv2d"),
        ("F.max_pool2d(pdg.tensor([[[[1, 2], [3, 4]]]]), 2)", "max_pool2d"),
        ("F.batch_norm(pdg.randn(2, 3), None, None, training=False)", "batch_norm"),
        ("F.batch_norm(pdg.randn(1, 3), None, None, training=True)", "batch_norm"),
        (f"F.group_norm(pdg.randn(2, 4, 3), {r.choice([0, 3, -2])})", "group_norm"),
        ("nn.Conv2d(3, 4, 3, padding_mode='bogus')", "Conv2d"),
        (f"nn.Conv2d(3, 4, {r.choice(['(3, 3, 3)', '(0, 3)', '()'])})", "Conv2d"),
        ("nn.RNN(4, 4, nonlinearity='bogus')", "RNN"),
        (f"nn.{r.choice(['CrossEntropyLoss', 'MSELoss', 'L1Loss', 'NLLLoss', 'BCELoss'])}(reduction='bogus')",
         ("CrossEntropyLoss", "MSELoss", "L1Loss", "NLLLoss", "BCELoss")),
        ("nn.Upsample(mode='bogus')", "Upsample"),
        (f"nn.Linear(3, 4).to({r.choice([repr('tpu'), repr('gpu')])})", "device"),  # ('cuda:x': in REGRESSIONS)
        ("nn.Linear(3, 4).load_state_dict([1, 2])", "load_state_dict"),
        ("nn.Linear(3, 4).load_state_dict({'weight': pdg.randn(4, 3)})", "state_dict"),
        ("nn.Linear(3, 4).load_state_dict({'weight': pdg.randn(4, 3), 'bias': pdg.randn(4), 'x': pdg.randn(1)})", "state_dict"),
        ("nn.Module().register_parameter('a', pdg.randn(2))", "register_parameter"),
        (f"nn.init.uniform_(pdg.randn(2), a={r.randint(1, 3)}, b=0)", "uniform_"),
        (f"nn.init.normal_(pdg.randn(2), std={-r.randint(1, 3)})", "normal_"),
        ("nn.init.calculate_gain('bogus')", "calculate_gain"),
    ])


def g_more_optim_data(r):
    p = "p = pdg.randn(2, requires_grad=True); "
    return r.choice([
        (p + f"optim.SGD([p], lr=0.1, dampening={-r.randint(1, 3)})", "SGD"),
        (p + "optim.SGD([p], lr=0.1, dampening=0.5, momentum=0.9, nesterov=True)", "SGD"),
        (p + f"optim.SGD([p], lr={r.choice(['1e400', '-1e400', 'math.nan'])})", "SGD"),
        (p + f"optim.{r.choice(['SGD', 'Adam', 'RMSprop', 'Adagrad'])}([p, p], lr=0.1)", ("SGD", "Adam", "RMSprop", "Adagrad")),
        (p + "o = optim.SGD([p], lr=0.1); o.add_param_group({'params': [pdg.randn(2)], 'lr': -1})", "SGD"),
        (p + "optim.SGD(p, lr=0.1)", "SGD"),
        (p + f"optim.lr_scheduler.CosineAnnealingLR(optim.SGD([p], lr=0.1), T_max={r.choice([0, -1])})", "CosineAnnealingLR"),
        (p + "optim.lr_scheduler.ReduceLROnPlateau(optim.SGD([p], lr=0.1), mode='bogus')", "ReduceLROnPlateau"),
        (p + f"optim.lr_scheduler.ReduceLROnPlateau(optim.SGD([p], lr=0.1), factor={r.choice([1.5, 0, -1])})", "ReduceLROnPlateau"),
        (f"pdg.data.DataLoader([1, 2], batch_size={r.choice([0, -1, 1.5])})", "DataLoader"),
        (f"pdg.data.DataLoader([1, 2], num_workers={-r.randint(1, 3)})", "DataLoader"),
        ("pdg.data.TensorDataset(pdg.randn(2), pdg.randn(3))", "TensorDataset"),
        (f"pdg.data.random_split([1, 2, 3], {r.choice(['[1, 1]', '[1.5, 1.5]', '[-1, 4]'])})", "random_split"),
        (f"pdg.data.Subset([1, 2], [{r.randint(2, 9)}])[0]", "Subset"),
        ("pdg.save({1: pdg.randn(2), 'a': 1}, GOOD + '.y')", "save"),
        ("pdg.save({'a': pdg.randn(2)}, GOOD + '.z', metadata={'k': 1})", "save"),
        (f"pdg.save({{'a': {r.choice(['object()', 'print', '1j'])}}}, GOOD + '.w')", "save"),
        (f"pdg.io.load_metadata(corrupt('truncate', {r.randint(0, 500)}))", "load"),
        ("pdg.io.load_metadata(corrupt('missing'))", "load"),
    ])


FAMILIES = [
    g_create_negative, g_create_float, g_create_huge, g_full_bad_size, g_arange,
    g_linspace, g_eye, g_randint, g_randperm, g_tensor_bad,
    g_reshape, g_expand, g_permute, g_transpose, g_squeeze_family, g_narrow, g_chunk, g_split,
    g_cat_stack,
    g_gather, g_scatter, g_index_select_dim, g_masked_fill, g_getitem,
    g_broadcast, g_binary_bad_type, g_bool_arith, g_inplace,
    g_reduce_dim, g_reduce_dim_type,
    g_linalg, g_matmul_dtype,
    g_conv2d, g_pool, g_linear, g_class_loss, g_embedding, g_layer_norm, g_norm_other,
    g_interpolate, g_dropout_pad,
    g_layer_bad_size, g_layer_bad_config, g_optim, g_scheduler,
    g_load, g_index_type, g_shape_misc, g_functional_misc, g_module_misc, g_global_misc,
    g_more_creation, g_more_tensor, g_more_nn, g_more_optim_data,
]


def generate(seed, n=CALLS_PER_BATCH):
    """n (source, expected) pairs; every family appears (round-robin over a shuffled order),
    with random parameters, so each batch covers the whole API."""
    r = random.Random(seed)
    order = list(FAMILIES)
    out = []
    while len(out) < n:
        r.shuffle(order)
        for fam in order[: n - len(out)]:
            src, expect = fam(r)
            out.append((src, expect))
    return out


def _report(cases, results):
    bad = []
    for i, (src, expect) in enumerate(cases):
        p = problem(results[i], expect)
        if p:
            bad.append(f"[{i}] {p}\n    repro: {repro(src)}")
    return bad


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    """Every batch (one per seed, and the regressions) started at once, two children at a
    time (the budget is set on a 2-core machine); each test waits for its own batch."""
    jobs = {f"seed{s}": [src for src, _ in generate(s)] for s in SEEDS}
    jobs["known"] = [src for _, src, _, _ in REGRESSIONS]
    with ThreadPoolExecutor(max_workers=2) as pool, ThreadPoolExecutor(max_workers=1) as bare:
        futures = {name: pool.submit(run_snippets, snippets, tmp_path_factory.mktemp(name))
                   for name, snippets in jobs.items()}
        # the harness self-checks run bare (no pydeepgen import); the hang one mostly sleeps
        futures["hang"] = bare.submit(run_snippets, HANG_SNIPPETS, tmp_path_factory.mktemp("hang"),
                                      use_pdg=False, timeout=1.5)
        futures["signal"] = bare.submit(run_snippets, SIGNAL_SNIPPETS, tmp_path_factory.mktemp("signal"),
                                        use_pdg=False, timeout=30)
        yield futures


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])
def test_random_bad_calls(seed, batches):
    cases = generate(seed)
    results = batches[f"seed{seed}"].result()
    bad = _report(cases, results)
    assert not bad, f"seed {seed}: {len(bad)} of {len(cases)} invalid calls broke the contract:\n" + "\n".join(bad)


def test_generator_is_deterministic_and_covers_every_family():
    a, b = generate(7), generate(7)
    assert a == b
    assert len(a) == CALLS_PER_BATCH >= len(FAMILIES)
    assert generate(8) != a


def test_regressions_are_listed_once():
    ids = [c[0] for c in REGRESSIONS]
    assert len(ids) == len(set(ids))


# -- the harness catches crashes and hangs (a bare child: no pydeepgen import) ---------------

SIGNAL_SNIPPETS = ["raise ValueError('gather: fine')",
                   "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)",
                   "raise IndexError('narrow: fine')"]
HANG_SNIPPETS = ["import time; time.sleep(60)", "raise TypeError('zeros: fine')"]


def test_harness_reports_signal_and_continues(batches):
    res = batches["signal"].result()
    assert problem(res[0], "gather") is None
    assert "CRASH (signal" in problem(res[1], "x")
    assert problem(res[2], "narrow") is None
    assert "accepted" in problem({"ok": True, "exc_type": None, "allowed": False, "message": ""}, "x")


def test_harness_reports_hang(batches):
    res = batches["hang"].result()
    assert "CRASH (hang" in problem(res[0], "x")
    assert problem(res[1], "zeros") is None


# -- regressions: calls this suite once found broken, each its own test ------------------------
# (id, source, expected substring, what it did before the fix).

REGRESSIONS = [
    # -- shape ops and indexing ------------------------------------------------------------------
    ("stack_non_tensor", "pdg.stack([pdg.randn(2), 1.0])", "stack",
     "AttributeError \"'float' object has no attribute '_shape'\""),
    ("hstack_empty", "pdg.hstack([])", "hstack", "IndexError 'list index out of range'"),
    ("vstack_empty", "pdg.vstack([])", "vstack", "the message names cat, not vstack"),
    ("take_along_dim_out_of_range", "pdg.take_along_dim(pdg.randn(3), pdg.tensor([5]), 0)",
     "take_along_dim", "the message names gather"),
    ("index_select_float_index", "pdg.randn(2, 3).index_select(0, pdg.tensor([0.5]))",
     "index_select", "the message names 'index:', not index_select"),
    ("setitem_str_value", "x = pdg.randn(2, 3); x[0] = 'a'", "__setitem__",
     "the message names tensor(), not __setitem__"),
    ("copy_str", "pdg.zeros(2, 3).copy_('a')", "copy_", "the message names tensor(), not copy_"),
    # -- reductions: all/any report as max/min --------------------------------------------------
    ("all_dim_out_of_range", "pdg.all(pdg.randn(2) > 0, -4)", "all", "the message names min"),
    ("any_dim_out_of_range", "pdg.any(pdg.randn(2, 1) > 0, 5)", "any", "the message names max"),
    ("zeros_bad_dtype", "pdg.zeros(2, dtype='complex64')", "zeros",
     "TypeError \"unknown dtype 'complex64' (supported: ...)\" names no op"),
    ("zeros_like_bad_dtype", "pdg.zeros_like(pdg.randn(2), dtype='int32')", "zeros_like",
     "TypeError \"unknown dtype 'int32' (supported: ...)\" names no op"),
    ("zeros_like_non_tensor", "pdg.zeros_like([1.0, 2.0])", "zeros_like",
     "AttributeError \"'list' object has no attribute 'shape'\" (every *_like op)"),
    ("rand_like_ndarray", "pdg.rand_like(np.zeros(2))", "rand_like",
     "accepted: anything with a .shape passes (PyTorch: TypeError, expects a Tensor)"),
    ("sum_dtype_str", "pdg.randn(2, 3).sum(dtype='a')", "dtype",
     "ValueError \"unknown device 'a'\": a bad dtype is reported as a device"),
    ("cumsum_dtype_str", "pdg.randn(2, 3).cumsum(0, dtype='a')", "dtype",
     "ValueError \"unknown device 'a'\": a bad dtype is reported as a device"),
    # -- linalg: mm/bmm/dot report as matmul --------------------------------------------------
    ("mm_inner_mismatch", "pdg.mm(pdg.randn(2, 3), pdg.randn(4, 2))", "mm",
     "the message names matmul (PyTorch: mm / 'mat1 and mat2 shapes cannot be multiplied')"),
    ("bmm_inner_mismatch", "pdg.bmm(pdg.randn(2, 2, 3), pdg.randn(2, 4, 2))", "bmm",
     "the message names matmul"),
    ("dot_dtype_mismatch", "pdg.dot(pdg.randn(3), pdg.randn(3, dtype=pdg.float64))", "dot",
     "the message names matmul"),
    # -- creation ------------------------------------------------------------------------------
    ("randint_huge_high", "pdg.randint(0, 2**70, (2,))", "randint",
     "pybind11 signature dump from randint_fill() (incompatible function arguments)"),
    ("randint_huge_low", "pdg.randint(-2**70, 0, (2,))", "randint",
     "pybind11 signature dump from randint_fill() (incompatible function arguments)"),
    ("randint_float_low", "pdg.randint(0.5, 5, (2,))", "randint",
     "accepted: the float bound is truncated by int() (PyTorch: TypeError)"),
    ("randint_str_low", "pdg.randint('a', 5, (2,))", "randint",
     "ValueError \"invalid literal for int() with base 10: 'a'\""),
    ("randn_int_dtype", "pdg.randn(2, 3, dtype=pdg.int64)", "randn",
     "the message names normal_, not randn"),
    ("rand_bool_dtype", "pdg.rand(2, 3, dtype=pdg.bool)", "rand",
     "the message names uniform_, not rand"),
    ("ones_int_requires_grad", "pdg.ones(2, dtype=pdg.int64, requires_grad=True)", "ones",
     "RuntimeError 'only tensors of floating point dtype can require gradients' without the op"),
    ("requires_grad_str", "pdg.randn(3).requires_grad_('a')", "requires_grad_",
     "accepted: any truthy value (PyTorch: TypeError, requires_grad must be a bool)"),
    ("manual_seed_str", "pdg.manual_seed('a')", "manual_seed",
     "ValueError \"invalid literal for int() with base 10: 'a'\""),
    ("generator_manual_seed_str", "pdg.Generator().manual_seed('a')", "manual_seed",
     "ValueError \"invalid literal for int() with base 10: 'a'\""),
    ("manual_seed_below_int64", "pdg.manual_seed(-2**64)", "manual_seed",
     "accepted (2**64 and up are refused; PyTorch refuses below -2**63 too)"),
    ("set_num_threads_str", "pdg.set_num_threads('a')", "set_num_threads",
     "ValueError \"invalid literal for int() with base 10: 'a'\""),
    # -- nn.functional ---------------------------------------------------------------------------
    ("interpolate_scale_str", "F.interpolate(pdg.randn(1, 1, 3, 3), scale_factor='a')",
     "interpolate", "ValueError 'not enough values to unpack'"),
    ("interpolate_size_3", "F.interpolate(pdg.randn(1, 1, 3, 3), size=(2, 2, 2))", "interpolate",
     "ValueError 'too many values to unpack (expected 2)'"),
    ("interpolate_size_huge", "F.interpolate(pdg.randn(1, 1, 3, 3), size=2**62)", "interpolate",
     "pybind11 signature dump from _C.empty() (incompatible function arguments)"),
    ("dropout_p_str", "F.dropout(pdg.randn(3), p='a')", "dropout",
     "ValueError \"could not convert string to float: 'a'\""),
    ("pad_value_str", "F.pad(pdg.randn(2, 3), (1, 1), value='a')", "pad",
     "ValueError \"could not convert string to float: 'a'\""),
    ("pad_float_amount", "F.pad(pdg.randn(2, 3), (1.5, 1))", "pad",
     "accepted (PyTorch: TypeError, pad must be ints)"),
    ("batch_norm_momentum_str",
     "F.batch_norm(pdg.randn(2, 3), pdg.zeros(3), pdg.ones(3), training=True, momentum='a')",
     "batch_norm", "ValueError \"could not convert string to float: 'a'\""),
    ("layer_norm_float_shape", "F.layer_norm(pdg.randn(2, 3), 3.5)", "layer_norm",
     "TypeError \"'float' object is not iterable\""),
    # -- nn layers -------------------------------------------------------------------------------
    ("LayerNorm_float", "nn.LayerNorm(2.5)", "LayerNorm",
     "TypeError \"'float' object is not iterable\", not naming LayerNorm"),
    ("LayerNorm_None", "nn.LayerNorm(None)", "LayerNorm",
     "TypeError \"'NoneType' object is not iterable\", not naming LayerNorm"),
    ("LayerNorm_huge", "nn.LayerNorm(2**62)", "LayerNorm", "the message names ones()"),
    ("BatchNorm2d_huge", "nn.BatchNorm2d(2**62)", "BatchNorm2d", "the message names ones()"),
    ("GroupNorm_huge", "nn.GroupNorm(1, 2**62)", "GroupNorm", "the message names ones()"),
    ("MaxPool2d_stride_zero", "nn.MaxPool2d(2, stride=0)(pdg.randn(1, 1, 4, 4))", "max_pool2d",
     "accepted: `stride or kernel_size` turns stride=0 into the default (F.max_pool2d refuses it)"),
    ("AvgPool2d_stride_zero", "nn.AvgPool2d(2, stride=0)(pdg.randn(1, 1, 4, 4))", "avg_pool2d",
     "accepted: `stride or kernel_size` turns stride=0 into the default (F.avg_pool2d refuses it)"),
    ("Dropout_str", "nn.Dropout('a')", "Dropout",
     "TypeError \"'<=' not supported between instances of 'float' and 'str'\""),
    ("module_to_bad_cuda_index", "nn.Linear(3, 4).to('cuda:x')", "device",
     "ValueError \"invalid literal for int() with base 10: 'x'\""),
    ("register_buffer_dotted_name", "nn.Module().register_buffer('a.b', pdg.randn(2))",
     "register_buffer", "accepted (PyTorch: KeyError, a buffer name can't contain '.')"),
    ("init_kaiming_uniform_1d", "nn.init.kaiming_uniform_(pdg.randn(2))", "kaiming_uniform_",
     "the message ('fan in and fan out can not be computed ...') does not name the op"),
    ("init_kaiming_normal_bad_mode", "nn.init.kaiming_normal_(pdg.randn(2, 3), mode='bogus')",
     "kaiming_normal_", "the message does not name the op"),
    ("init_constant_str", "nn.init.constant_(pdg.randn(2), 'a')", "constant_",
     "the message names fill_"),
    # -- optimizers and schedulers --------------------------------------------------------------
    ("SGD_group_without_params", "optim.SGD([{'lr': 0.1}], lr=0.1)", "SGD", "KeyError 'params'"),
    ("optimizer_load_state_dict_bad",
     "o = optim.SGD([pdg.randn(2, requires_grad=True)], lr=0.1); o.load_state_dict({'a': 1})",
     "load_state_dict", "KeyError 'param_groups'"),
    ("add_param_group_duplicate",
     "p = pdg.randn(2, requires_grad=True); o = optim.SGD([p], lr=0.1); o.add_param_group({'params': [p]})",
     "add_param_group", "the message does not name the op"),
    ("StepLR_not_an_optimizer", "optim.lr_scheduler.StepLR(None, 2)", "StepLR",
     "TypeError 'NoneType is not an Optimizer', not naming StepLR"),
    ("StepLR_resume_without_initial_lr",
     "optim.lr_scheduler.StepLR(optim.SGD([pdg.randn(2, requires_grad=True)], lr=0.1), 2, last_epoch=-5)",
     "StepLR", "KeyError (PyTorch's too), an unexpected type"),
    ("LambdaLR_not_callable",
     "optim.lr_scheduler.LambdaLR(optim.SGD([pdg.randn(2, requires_grad=True)], lr=0.1), 'a')",
     "LambdaLR", "TypeError \"'str' object is not callable\""),
    # -- save / load -----------------------------------------------------------------------------
    ("load_directory", "pdg.load(GOOD.rsplit('/', 1)[0])", "load",
     "IsADirectoryError '[Errno 21] Is a directory', not naming load"),
    ("load_int_path", "pdg.load(123)", "load",
     "TypeError 'expected str, bytes or os.PathLike object, not int'"),
    ("load_none_path", "pdg.load(None)", "load",
     "TypeError 'expected str, bytes or os.PathLike object, not NoneType'"),
    ("save_int_path", "pdg.save({'a': pdg.randn(2)}, 123)", "save",
     "TypeError 'expected str, bytes or os.PathLike object, not int'"),
    ("save_missing_directory", "pdg.save({'a': pdg.randn(2)}, '/nonexistent_pdg_dir/x.pdg')",
     "save", "FileNotFoundError naming the hidden temp file, not save or the path asked for"),
    ("load_header_flip_in_value", r"""o = pdg.load(corrupt('flip_after', '"step\\", ', 1)); print(o['step'])""",
     "load", "accepted: a bit flip in a non-tensor value (step 3 -> 1) is not covered by the checksum"),
    ("load_header_flip_in_string", r"""o = pdg.load(corrupt('flip_after', '\\"names\\", [\\"', 1)); print(o['names'])""",
     "load", "accepted: a bit flip in a stored string ('a' -> 'c') is not covered by the checksum"),
    ("load_header_flip_structure_key", "o = pdg.load(corrupt('flip_after', 'pydeepgen.structur', 0)); print(list(o))",
     "load", "accepted: the structure record's key damaged -> a flat tensor dict, 'step' and 'names' silently lost"),
]


@pytest.mark.parametrize("idx", [pytest.param(i, id=case[0]) for i, case in enumerate(REGRESSIONS)])
def test_regression(idx, batches):
    _, src, expect, _ = REGRESSIONS[idx]
    p = problem(batches["known"].result()[idx], expect)
    assert p is None, f"{p}\n    repro: {repro(src)}"
