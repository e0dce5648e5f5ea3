"""Issue 24's repros: each raises a clear error naming the op, or returns what PyTorch returns."""

import math

import numpy as np
import pytest

import pydeepgen as pdg
from pydeepgen import nn, optim

rng = np.random.default_rng(24)


# -- in-place writes -------------------------------------------------------------------

@pytest.mark.parametrize("write", [
    lambda x: x.copy_(pdg.arange(6.).reshape(2, 3)),
    lambda x: x.add_(pdg.ones(2, 3)),
    lambda x: x.mul_(2.0),
    lambda x: x.exp_(),
    lambda x: x.relu_(),
    lambda x: x.clamp_(0, 1),
    lambda x: x.masked_fill_(pdg.ones(2, 3, dtype=pdg.bool), 1.0),
    lambda x: x.__setitem__(slice(None), pdg.arange(6.).reshape(2, 3)),
])
def test_inplace_write_into_expanded_tensor_raises(write):
    x = pdg.zeros(3).expand(2, 3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        write(x)


def test_constant_writes_into_expanded_tensor_are_allowed():
    # every element gets the same value, so sharing memory is harmless (as in PyTorch)
    base = pdg.zeros(3)
    x = base.expand(2, 3)
    x.fill_(2.0)
    x[0] = 5.0
    assert base.tolist() == [5.0, 5.0, 5.0]
    x[1] = pdg.tensor([1.0, 2.0, 3.0])  # row 1 alone does not overlap itself
    assert base.tolist() == [1.0, 2.0, 3.0]


def test_overlapping_source_gives_the_numpy_result():
    a = rng.standard_normal(7).astype(np.float32)
    y = pdg.tensor(a)
    y[1:].copy_(y[:-1])
    ref = a.copy()
    ref[1:] = a[:-1].copy()
    np.testing.assert_array_equal(y.numpy(), ref)
    y = pdg.tensor(a)
    y[:-1].add_(y[1:])
    ref = a.copy()
    ref[:-1] = a[:-1] + a[1:]
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-6)


# -- sizes -------------------------------------------------------------------------------

@pytest.mark.parametrize("call, exc, pattern", [
    (lambda: pdg.empty(2 ** 64, 0), OverflowError, "empty.*int64"),
    (lambda: pdg.ones(3, 4).expand(2 ** 62, 2 ** 62, 3, 4), OverflowError, "expand.*int64"),
    (lambda: pdg.zeros(2.5), TypeError, "zeros.*float"),
    (lambda: pdg.ones(6).reshape(2.0, 3), TypeError, "reshape.*float"),
    (lambda: pdg.ones(6).view(-2, 3), ValueError, "view.*negative"),
    (lambda: nn.Linear(2.5, 3), TypeError, "Linear: in_features must be an int"),
    (lambda: nn.Conv2d(3, 4, 2.0), TypeError, "Conv2d: kernel_size"),
    (lambda: nn.Conv2d(3, 4, 3, stride=0), ValueError, "Conv2d: stride must be >= 1"),
    (lambda: nn.Embedding(10, 3.5), TypeError, "Embedding: embedding_dim"),
    (lambda: nn.LSTM(4, True), TypeError, "LSTM: hidden_size"),
    (lambda: nn.GroupNorm(2.0, 4), TypeError, "GroupNorm: num_groups"),
])
def test_bad_sizes_are_refused(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_int_like_sizes_are_accepted():
    assert pdg.zeros(np.int64(2), pdg.tensor(3)).shape == (2, 3)
    assert nn.Linear(np.int32(3), 2).weight.shape == (2, 3)


# -- linear algebra ----------------------------------------------------------------------

@pytest.mark.parametrize("op, a, b", [
    ("outer", (2, 3), (3, 4)), ("dot", (2, 3), (3,)), ("mm", (3,), (3, 2)),
    ("bmm", (2, 3), (3, 2)), ("bmm", (2, 2, 3), (3, 3, 2)),
])
def test_linalg_rank_checks(op, a, b):
    with pytest.raises(ValueError, match=op):
        getattr(pdg, op)(pdg.randn(*a), pdg.randn(*b))


def test_outer_matches_numpy():
    a, b = rng.standard_normal(3), rng.standard_normal(4)
    np.testing.assert_allclose(pdg.outer(pdg.tensor(a), pdg.tensor(b)).numpy(), np.outer(a, b), rtol=1e-6)


# -- gradients: .grad and hooks ------------------------------------------------------------

def test_grad_assignment_is_checked():
    p = pdg.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(4,\)"):
        p.grad = pdg.ones(4)
    with pytest.raises(RuntimeError, match="dtype float64"):
        p.grad = pdg.ones(3, dtype=pdg.float64)
    with pytest.raises(TypeError, match="Tensor or None"):
        p.grad = [1.0, 2.0, 3.0]
    g = pdg.randn(3)
    p.grad = g
    assert p.grad is g
    p.grad = None


def test_hook_returning_wrong_shape_raises_at_backward():
    x = pdg.randn(3, requires_grad=True)
    x.register_hook(lambda g: pdg.ones(4))
    with pytest.raises(RuntimeError, match="changed the size"):
        (x * 2).sum().backward()


def test_hook_on_non_leaf_runs_and_can_be_removed():
    a = rng.standard_normal(3).astype(np.float32)
    x = pdg.tensor(a, requires_grad=True)
    y = x * 3
    handle = y.register_hook(lambda g: g * 10)
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 10 * 2 * 3 * 3 * a, rtol=1e-5)
    x.grad = None
    handle.remove()
    y = x * 3
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * 3 * 3 * a, rtol=1e-5)


def test_hook_needs_requires_grad():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        pdg.ones(2).register_hook(lambda g: g)


# -- empty reductions (PyTorch semantics) ------------------------------------------------------

@pytest.mark.parametrize("shape, dim, keepdim", [
    ((0, 3), 0, False), ((0, 3), 0, True), ((3, 0), 1, False), ((3, 0), None, False),
    ((2, 0, 4), (0, 1), True), ((0,), 0, False), ((0,), None, False),
])
@pytest.mark.parametrize("op, value", [("all", True), ("any", False)])
def test_empty_all_any(op, value, shape, dim, keepdim):
    x = pdg.zeros(*shape)
    kw = {} if dim is None else {"dim": dim}
    r = getattr(pdg, op)(x, keepdim=keepdim, **kw) if dim is not None else getattr(pdg, op)(x)
    ref = getattr(np, op)(np.zeros(shape), axis=dim, keepdims=keepdim) if dim is not None else getattr(np, op)(np.zeros(shape))
    assert r.shape == np.shape(ref)
    assert r.dtype is pdg.bool
    assert bool(np.all(r.numpy() == value))


def test_empty_argmax():
    assert pdg.argmax(pdg.zeros(0, 3), dim=1).shape == (0,)
    assert pdg.argmin(pdg.zeros(2, 0, 4), dim=-1, keepdim=True).shape == (2, 0, 1)
    with pytest.raises(IndexError, match="argmax.*non-zero size"):
        pdg.argmax(pdg.zeros(0, 3), dim=0)
    with pytest.raises(IndexError, match="argmin.*empty"):
        pdg.argmin(pdg.zeros(0, 3))


def test_empty_reductions_against_torch():
    torch = pytest.importorskip("torch")
    for op in ("sum", "prod", "mean", "all", "any", "amax", "argmax"):
        for shape in ((0, 3), (3, 0), (2, 0, 4)):
            for dim in range(len(shape)):
                for keepdim in (False, True):
                    def run(lib):
                        try:
                            r = getattr(lib, op)(lib.zeros(*shape), dim=dim, keepdim=keepdim)
                            return tuple(r.shape), np.asarray(r.detach().numpy() if hasattr(r, "detach") else r, dtype=np.float64)
                        except (IndexError, RuntimeError):
                            return "error", None
                    t, p = run(torch), run(pdg)
                    assert t[0] == p[0], (op, shape, dim, keepdim, t, p)
                    if t[1] is not None:
                        np.testing.assert_array_equal(t[1], p[1])


# -- optimizers and schedulers --------------------------------------------------------------

@pytest.mark.parametrize("make, exc, pattern", [
    (lambda p: optim.SGD(p, lr=math.inf), ValueError, "SGD: Invalid learning rate: inf"),
    (lambda p: optim.SGD(p, lr="0.1"), TypeError, "SGD: learning rate must be a real number"),
    (lambda p: optim.SGD([{"params": p, "lr": -1.0}], lr=0.1), ValueError, "SGD: Invalid learning rate: -1"),
    (lambda p: optim.Adam(p, lr=math.nan), ValueError, "Adam: Invalid learning rate"),
    (lambda p: optim.Adam(p, betas=(0.9, 0.99, 0.5)), ValueError, "Adam: betas must be a pair"),
    (lambda p: optim.AdamW(p, betas=(0.9, 1.0)), ValueError, "AdamW: Invalid beta parameter at index 1"),
    (lambda p: optim.RMSprop(p, alpha=1.5), ValueError, "RMSprop: Invalid alpha: 1.5"),
    (lambda p: optim.Adagrad(p, eps=-1e-3), ValueError, "Adagrad: Invalid epsilon"),
    (lambda p: optim.lr_scheduler.StepLR(optim.SGD(p, lr=0.1), 2, gamma=-1), ValueError, "StepLR: Invalid gamma"),
    (lambda p: optim.lr_scheduler.ExponentialLR(optim.SGD(p, lr=0.1), gamma=math.inf), ValueError, "ExponentialLR"),
    (lambda p: optim.lr_scheduler.MultiStepLR(optim.SGD(p, lr=0.1), [2.5]), TypeError, "MultiStepLR: milestone"),
    (lambda p: optim.lr_scheduler.StepLR(optim.SGD(p, lr=0.1), 0), ValueError, "StepLR: step_size"),
])
def test_hyper_parameters_are_checked(make, exc, pattern):
    with pytest.raises(exc, match=pattern):
        make([pdg.randn(2, requires_grad=True)])


def test_valid_hyper_parameters_still_train():
    p = pdg.tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    opt = optim.Adam([p], lr=0.1, betas=[0.8, 0.9])
    sched = optim.lr_scheduler.StepLR(opt, 1, gamma=0.5)
    for _ in range(3):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
        sched.step()
    assert opt.param_groups[0]["betas"] == (0.8, 0.9)
    assert math.isclose(opt.param_groups[0]["lr"], 0.1 * 0.5 ** 3)


# -- fuzz findings: empty reductions, index ranges, scalars, sizes, messages ----------------

def test_amax_amin_over_a_zero_size_dim_raise_like_pytorch():
    x = pdg.zeros(0, 3)
    for op in (pdg.amax, pdg.amin):
        with pytest.raises(IndexError, match=rf"{op.__name__}\(\): expected reduction dim 0 to have non-zero size"):
            op(x, dim=0)
        with pytest.raises(IndexError, match="expected reduction dim to be specified"):
            op(x)
        assert op(x, dim=1).shape == (0,)  # another dim empty: an empty result, no error
        assert op(x, dim=1, keepdim=True).shape == (0, 1)


@pytest.mark.parametrize("dim", [(), []])
def test_empty_dim_list_reduces_over_every_dim(dim):
    a = rng.standard_normal((2, 3))
    x = pdg.tensor(a)
    np.testing.assert_allclose(x.sum(dim=dim).item(), a.sum(), rtol=1e-6)
    np.testing.assert_allclose(x.mean(dim=dim).item(), a.mean(), rtol=1e-6)
    assert x.sum(dim=dim, keepdim=True).shape == (1, 1)


def test_var_takes_a_float_correction_and_nan_gives_nan():
    a = rng.standard_normal(7)
    x = pdg.tensor(a, dtype=pdg.float64)
    np.testing.assert_allclose(x.var(correction=1.5).item(), ((a - a.mean()) ** 2).sum() / (7 - 1.5))
    assert math.isnan(x.var(correction=float("nan")).item())
    with pytest.raises(TypeError, match="var: correction must be a real number"):
        x.var(correction="1")


@pytest.mark.parametrize("call, op", [
    (lambda: pdg.gather(pdg.arange(3.), 0, pdg.tensor([0, -1])), "gather"),
    (lambda: pdg.zeros(3).scatter_(0, pdg.tensor([-1]), 1.0), "scatter"),
    (lambda: pdg.zeros(3).scatter_add_(0, pdg.tensor([-1]), pdg.ones(1)), "scatter_add"),
    (lambda: pdg.index_select(pdg.arange(3.), 0, pdg.tensor([-1])), "index_select"),
])
def test_gather_scatter_index_select_refuse_negative_indices(call, op):
    # x[idx] wraps -1; these ops do not (PyTorch refuses them too)
    with pytest.raises(IndexError, match=rf"{op}: index -1 is out of bounds"):
        call()
    assert pdg.arange(3.)[pdg.tensor([-1])].tolist() == [2.0]


@pytest.mark.parametrize("call, exc, match", [
    (lambda: pdg.full((2,), float("nan"), dtype=pdg.int64), RuntimeError, "full.*cannot be converted to type int64"),
    (lambda: pdg.full((2,), 2**70, dtype=pdg.int64), RuntimeError, "full.*without overflow"),
    (lambda: pdg.zeros(2, dtype=pdg.uint8).fill_(300), RuntimeError, "fill_.*uint8 without overflow"),
    (lambda: pdg.zeros(2, dtype=pdg.int64).fill_(float("inf")), RuntimeError, "fill_.*int64"),
    (lambda: pdg.tensor([1]) + 2**70, OverflowError, "add: the Python int .* does not fit int64"),
    (lambda: pdg.tensor([1]) < 2**70, OverflowError, "lt:"),
    (lambda: pdg.zeros(3, dtype=pdg.int64).masked_fill(pdg.ones(3, dtype=pdg.bool), 2**64), RuntimeError,
     "masked_fill"),
    (lambda: pdg.full((2,), "a"), TypeError, r"full\(\): expected a real number, got str"),
    (lambda: pdg.zeros(2).fill_("a"), TypeError, "fill_: expected a real number"),
])
def test_scalars_that_do_not_fit_the_dtype_raise(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_integer_scalars_are_exact_and_uint8_wraps_like_pytorch():
    big = 2**60 + 1  # not exact in a double: the fill must not round it
    assert pdg.full((2,), big, dtype=pdg.int64).tolist() == [big, big]
    assert (pdg.tensor([1]) + big).tolist() == [big + 1]
    assert pdg.zeros(2, dtype=pdg.int64).fill_(-big).tolist() == [-big, -big]
    assert (pdg.tensor([1], dtype=pdg.uint8) + 300).tolist() == [45]  # operands wrap mod 256
    assert pdg.zeros(2, dtype=pdg.uint8).fill_(-1).tolist() == [255, 255]  # as c10::overflows allows
    assert pdg.full((2,), 2.7, dtype=pdg.int64).tolist() == [2, 2]  # truncation toward zero


@pytest.mark.parametrize("call, exc, match", [
    (lambda: pdg.arange(float("nan")), ValueError, r"arange\(\): start, end and step must be finite"),
    (lambda: pdg.arange(0, float("inf")), ValueError, r"arange\(\).*finite"),
    (lambda: pdg.arange(2**70), OverflowError, r"arange\(\)"),
    (lambda: pdg.arange(0, 1, 1e-18), MemoryError, r"arange\(\)"),
    (lambda: pdg.arange("a"), TypeError, r"arange\(\): end must be a real number"),
    (lambda: pdg.linspace(0, 1, 2.5), TypeError, r"linspace\(\): steps must be an int"),
    (lambda: pdg.linspace(0, 1, 2**62), MemoryError, r"linspace\(\)"),
    (lambda: pdg.randperm(2.5), TypeError, r"randperm\(\): n must be an int"),
    (lambda: pdg.randperm(2**62), MemoryError, r"randperm\(\)"),
    (lambda: pdg.eye(2.5), TypeError, r"eye\(\): n must be an int"),
    (lambda: pdg.eye(2**40), OverflowError, r"eye\(\)"),
    (lambda: pdg.eye(3, -1), ValueError, r"eye\(\): m must be >= 0"),
])
def test_creation_arguments_are_checked(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_allocation_failure_names_the_op_and_the_bytes():
    with pytest.raises(MemoryError, match=r"empty\(\): cannot allocate 4398046511104 bytes \(4.0 TiB\) "
                                          r"for a float32 tensor of shape \(1099511627776,\)"):
        pdg.empty(2**40)
    with pytest.raises(MemoryError, match=r"contiguous.*cannot allocate .* bytes"):
        pdg.ones(2**20).expand(2**20, 2**20).contiguous()
    with pytest.raises(MemoryError, match=r"Linear: cannot create a parameter of shape \(1048576, 1048576\)"):
        nn.Linear(2**20, 2**20)
    with pytest.raises(OverflowError, match=r"Linear: cannot create a parameter"):
        nn.Linear(2, 2**62)
    with pytest.raises(OverflowError, match=r"Conv2d: cannot create a parameter"):
        nn.Conv2d(2**30, 2**30, 3)


def test_cat_promotes_over_the_skipped_empty_tensors():
    out = pdg.cat([pdg.zeros(0, dtype=pdg.float64), pdg.ones(2)])
    assert out.dtype == pdg.float64 and out.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("call, exc, match", [
    (lambda x: x.chunk(2.5), TypeError, r"chunk\(\): chunks must be an int"),
    (lambda x: x.split(2.5), TypeError, r"split\(\): split_size must be an int"),
    (lambda x: x.split([2, 2.0]), TypeError, r"split\(\): split_sizes must be an int"),
    (lambda x: x.narrow(0, 1.5, 2), TypeError, r"narrow\(\): start must be an int"),
    (lambda x: x.narrow(0, 1, 2.5), TypeError, r"narrow\(\): length must be an int"),
    (lambda x: x.select(0, 7), IndexError, r"select\(\): index 7 out of range"),
    (lambda x: x.select(0, 1.5), TypeError, r"select\(\): index must be an int"),
    (lambda x: pdg.count_nonzero(x, dim=3), IndexError, "count_nonzero"),
    (lambda x: pdg.amax(x, dim=1.5), TypeError, "amax: dim must be an int"),
    (lambda x: pdg.nn.functional.leaky_relu(x, negative_slope="a"), TypeError, "leaky_relu"),
    (lambda x: pdg.nn.functional.elu(x, alpha=None), TypeError, "elu"),
    (lambda x: pdg.nn.functional.cross_entropy(x, pdg.tensor([0, 1, 2, 3]), ignore_index=1.5), TypeError,
     "cross_entropy: ignore_index must be an int"),
    (lambda x: pdg.nn.functional.interpolate(x.reshape(1, 1, 4, 6), scale_factor=float("nan")), ValueError,
     "interpolate: scale_factor must be positive and finite"),
    (lambda x: pdg.nn.functional.interpolate(x.reshape(1, 1, 4, 6), scale_factor=1e30), OverflowError,
     "interpolate"),
    (lambda x: pdg.nn.functional.interpolate(x.reshape(1, 1, 4, 6), size=2.5), TypeError,
     "interpolate: size must be an int"),
])
def test_arguments_of_shape_and_nn_ops_are_checked(call, exc, match):
    with pytest.raises(exc, match=match):
        call(pdg.randn(4, 6))


def test_chunk_and_split_of_empty_tensors_follow_pytorch():
    x = pdg.zeros(0, 2)
    assert [t.shape for t in x.chunk(3)] == [(0, 2)] * 3
    assert [t.shape for t in x.split(2)] == [(0, 2)]
    assert [t.shape for t in pdg.randn(4, 6).split(4, 1)] == [(4, 4), (4, 2)]


# -- second fuzz round: messages name the op, checkpoint headers, PyTorch semantics ---------

@pytest.mark.parametrize("call, exc, match", [
    (lambda: pdg.stack([pdg.randn(2), 1.0]), TypeError, "stack: expected a list of Tensors"),
    (lambda: pdg.hstack([]), ValueError, "hstack: expected a non-empty list"),
    (lambda: pdg.vstack([]), ValueError, "vstack: expected a non-empty list"),
    (lambda: pdg.take_along_dim(pdg.randn(3), pdg.tensor([5]), 0), IndexError, "take_along_dim: index 5"),
    (lambda: pdg.randn(2, 3).index_select(0, pdg.tensor([0.5])), IndexError, "index_select: tensors used as"),
    (lambda: pdg.randn(2, 3).__setitem__(0, "a"), TypeError, "__setitem__: cannot make a tensor"),
    (lambda: pdg.zeros(2, 3).copy_("a"), TypeError, "copy_: cannot make a tensor"),
    (lambda: pdg.all(pdg.randn(2) > 0, -4), IndexError, "all: dimension -4 out of range"),
    (lambda: pdg.any(pdg.randn(2, 1) > 0, 5), IndexError, "any: dimension 5 out of range"),
    (lambda: pdg.zeros(2, dtype="complex64"), TypeError, r"zeros\(\): unknown dtype 'complex64'"),
    (lambda: pdg.zeros_like(pdg.randn(2), dtype="int32"), TypeError, r"zeros_like\(\): unknown dtype"),
    (lambda: pdg.zeros_like([1.0, 2.0]), TypeError, r"zeros_like\(\): expected a Tensor, got list"),
    (lambda: pdg.rand_like(np.zeros(2)), TypeError, r"rand_like\(\): expected a Tensor, got ndarray"),
    (lambda: pdg.randn(2, 3).sum(dtype="a"), TypeError, "sum: unknown dtype 'a'"),
    (lambda: pdg.randn(2, 3).cumsum(0, dtype="a"), TypeError, "cumsum: unknown dtype 'a'"),
    (lambda: pdg.mm(pdg.randn(2, 3), pdg.randn(4, 2)), ValueError, r"mm: shapes \(2, 3\) and \(4, 2\) cannot"),
    (lambda: pdg.bmm(pdg.randn(2, 2, 3), pdg.randn(2, 4, 2)), ValueError, "bmm: shapes"),
    (lambda: pdg.dot(pdg.randn(3), pdg.randn(3, dtype=pdg.float64)), TypeError, "dot: expected both tensors"),
    (lambda: pdg.randint(0, 2**70, (2,)), OverflowError, r"randint\(\): high .* does not fit int64"),
    (lambda: pdg.randint(0.5, 5, (2,)), TypeError, r"randint\(\): low must be an int"),
    (lambda: pdg.randint(3, 3, (2,)), ValueError, r"randint\(\): expects low < high"),
    (lambda: pdg.randn(2, 3, dtype=pdg.int64), TypeError, r"randn\(\): random floats need a floating"),
    (lambda: pdg.rand(2, dtype=pdg.bool), TypeError, r"rand\(\): random floats"),
    (lambda: pdg.ones(2, dtype=pdg.int64, requires_grad=True), RuntimeError, r"ones\(\): only tensors of floating"),
    (lambda: pdg.randn(3).requires_grad_("a"), TypeError, r"requires_grad_\(\): requires_grad must be a bool"),
    (lambda: pdg.manual_seed("a"), TypeError, r"manual_seed\(\): seed must be an int"),
    (lambda: pdg.Generator().manual_seed(-2**64), ValueError, r"manual_seed\(\): seed must be >="),
    (lambda: pdg.tensor([True]) - pdg.tensor([False]), TypeError, "sub: subtraction of two bool tensors"),
])
def test_bad_calls_name_the_op(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_bool_arithmetic_and_empty_layouts_follow_pytorch():
    a, b = pdg.tensor([True, False]), pdg.tensor([True, True])
    assert (a + b).tolist() == [True, True] and (a * b).tolist() == [True, False]
    assert (a + b).dtype == pdg.bool and pdg.minimum(a, b).tolist() == [True, False]
    assert (a + 1).tolist() == [2, 1]
    assert pdg.zeros(3, 0).is_contiguous() and pdg.zeros(0, 4).t().is_contiguous()
    v = pdg.zeros(0)[1:]  # an offset view into an empty buffer
    assert (v * 2).shape == (0,) and v.sum().item() == 0.0
    # all/any(dim=()) reduce over no dim (unlike sum(dim=()), which reduces over all)
    x = pdg.tensor([[0.0, 2.0], [1.0, 0.0]])
    assert x.all(dim=()).tolist() == [[False, True], [True, False]]
    assert x.sum(dim=()).item() == 3.0
    torch = pytest.importorskip("torch")
    tx = torch.tensor(x.numpy())
    assert tx.all(dim=()).tolist() == x.all(dim=()).tolist()


def test_every_single_bit_flip_of_a_checkpoint_header_is_refused(tmp_path):
    obj = {"model": {"w": pdg.randn(3, 2), "b": pdg.randn(2)}, "step": 3, "names": ["a", "bc"]}
    path = tmp_path / "ck.safetensors"
    pdg.save(obj, path, metadata={"note": "x"})
    raw = bytearray(path.read_bytes())
    header_end = 8 + int.from_bytes(raw[:8], "little")
    bad = tmp_path / "bad.safetensors"
    accepted = []
    for byte in range(header_end):
        for bit in range(8):
            r = bytearray(raw)
            r[byte] ^= 1 << bit
            bad.write_bytes(bytes(r))
            try:
                pdg.load(bad)
            except (ValueError, OSError):
                continue
            accepted.append((byte, bit))
    assert not accepted, f"{len(accepted)} of {8 * header_end} flips loaded: {accepted[:5]}"
    assert pdg.load(path)["step"] == 3


@pytest.mark.parametrize("call, exc, match", [
    (lambda tmp: pdg.load(tmp), IsADirectoryError, "load: .* is a directory"),
    (lambda tmp: pdg.load(123), TypeError, "load: path must be a str or os.PathLike, got int"),
    (lambda tmp: pdg.save({"a": pdg.randn(2)}, None), TypeError, "save: path must be"),
    (lambda tmp: pdg.save({"a": pdg.randn(2)}, tmp / "missing" / "x.pdg"), FileNotFoundError,
     "save: cannot write .*x.pdg: the directory .*missing does not exist"),
])
def test_save_and_load_path_errors(tmp_path, call, exc, match):
    with pytest.raises(exc, match=match):
        call(tmp_path)
