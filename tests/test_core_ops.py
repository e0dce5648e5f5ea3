"""The core ops (elementwise binary, reductions, matmul, shape, creation, RNG, NumPy
interop) against NumPy float64 on fresh random inputs, plus float64 gradchecks."""

import numpy as np
import pytest

import pydeepgen as pdg
from pydeepgen.testing import gradcheck

rng = np.random.default_rng()


def T(a, grad=False):
    return pdg.tensor(a, requires_grad=grad)


def close(t, e, rtol=1e-6, atol=1e-9):
    a = t.detach().numpy() if isinstance(t, pdg.Tensor) else np.asarray(t)
    assert a.shape == np.shape(e), (a.shape, np.shape(e))
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, equal_nan=True)


# -- binary ops -----------------------------------------------------------------------------

ARITH = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / b, np.divide),
    "pow": (lambda a, b: a ** b, np.power),
    "maximum": (pdg.maximum, np.maximum),
    "minimum": (pdg.minimum, np.minimum),
    "floor_divide": (lambda a, b: a // b, np.floor_divide),
    "remainder": (lambda a, b: a % b, np.remainder),
}
CMP = {
    "eq": (lambda a, b: a == b, np.equal), "ne": (lambda a, b: a != b, np.not_equal),
    "lt": (lambda a, b: a < b, np.less), "le": (lambda a, b: a <= b, np.less_equal),
    "gt": (lambda a, b: a > b, np.greater), "ge": (lambda a, b: a >= b, np.greater_equal),
    "logical_and": (pdg.logical_and, np.logical_and), "logical_or": (pdg.logical_or, np.logical_or),
    "logical_xor": (pdg.logical_xor, np.logical_xor),
}
SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 5), (3, 1)), ((1,), (7,)), ((0, 3), (3,)),
          ((), (2, 3)), ((4, 1), (1, 0))]


def _operand(name, shape):
    a = rng.standard_normal(shape)
    if name == "pow":
        return np.abs(a) + 0.5
    if name in ("div", "floor_divide", "remainder"):
        return np.where(np.abs(a) < 0.3, 1.3, a)
    return a


@pytest.mark.parametrize("name", list(ARITH))
@pytest.mark.parametrize("sa,sb", SHAPES)
def test_arith_broadcast(name, sa, sb):
    f, nf = ARITH[name]
    a, b = _operand(name, sa), _operand(name, sb)
    close(f(T(a), T(b)), nf(a, b), rtol=1e-12)
    close(f(T(a.astype(np.float32)), T(b.astype(np.float32))), nf(a, b), rtol=2e-5, atol=1e-5)


@pytest.mark.parametrize("name", list(CMP))
@pytest.mark.parametrize("sa,sb", SHAPES[:5])
def test_compare_logical(name, sa, sb):
    f, nf = CMP[name]
    a = rng.integers(-2, 3, sa).astype(np.float64)
    b = rng.integers(-2, 3, sb).astype(np.float64)
    r = f(T(a), T(b))
    assert r.dtype is pdg.bool
    np.testing.assert_array_equal(r.numpy(), nf(a, b))


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "maximum", "minimum"])
def test_arith_noncontiguous_views(name):
    f, nf = ARITH[name]
    a, b = _operand(name, (5, 6)), _operand(name, (6, 5))
    ta, tb = T(a)[::2, 1::2], T(b).t()[::2, 1::2]
    assert not ta.is_contiguous() and not tb.is_contiguous()
    close(f(ta, tb), nf(a[::2, 1::2], b.T[::2, 1::2]), rtol=1e-12)


def test_integer_arith_and_floor_semantics():
    a = rng.integers(-20, 20, (4, 5))
    b = rng.integers(1, 6, (5,)) * rng.choice([-1, 1], 5)
    for f, nf in (ARITH["floor_divide"], ARITH["remainder"], ARITH["add"], ARITH["mul"], ARITH["sub"]):
        r = f(T(a), T(b))
        assert r.dtype is pdg.int64
        np.testing.assert_array_equal(r.numpy(), nf(a, b))
    r = T(a) / T(b)
    assert r.dtype is pdg.float32
    close(r, a / b, rtol=1e-6)
    np.testing.assert_array_equal((T(np.abs(a)) ** 2).numpy(), np.abs(a) ** 2)


@pytest.mark.parametrize("scalar", [2, -1.5, True])
@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**"])
def test_python_scalars_both_sides(scalar, op):
    a = np.abs(rng.standard_normal((3, 4))) + 0.5
    t = T(a)
    s = float(scalar)
    fwd = eval(f"t {op} scalar")
    rev = eval(f"scalar {op} t")
    close(fwd, eval(f"a {op} s"), rtol=1e-12)
    close(rev, eval(f"s {op} a"), rtol=1e-12)
    assert fwd.dtype is pdg.float64


def test_nan_propagation_in_maximum_minimum():
    a = np.array([1.0, np.nan, 3.0])
    b = np.array([np.nan, 2.0, 1.0])
    close(pdg.maximum(T(a), T(b)), np.maximum(a, b))
    close(pdg.minimum(T(a), T(b)), np.minimum(a, b))


PROMO = [
    (np.int64, np.float32, pdg.float32), (np.uint8, np.int64, pdg.int64),
    (np.float32, np.float64, pdg.float64), (np.uint8, np.float64, pdg.float64),
    (np.bool_, np.int64, pdg.int64), (np.bool_, np.uint8, pdg.uint8), (np.uint8, np.uint8, pdg.uint8),
]


@pytest.mark.parametrize("da,db,want", PROMO)
def test_type_promotion_table(da, db, want):
    a = np.ones((2, 2), da)
    b = np.ones((2, 2), db)
    assert (T(a) + T(b)).dtype is want
    assert (T(b) * T(a)).dtype is want
    assert pdg.promote_types(T(a).dtype, T(b).dtype) is want


def test_zero_dim_and_scalar_promotion_rules():
    f32 = T(np.ones(3, np.float32))
    i64 = T(np.ones(3, np.int64))
    assert (f32 + T(np.float64(2.0))).dtype is pdg.float32      # 0-d same category: dim tensor wins
    assert (i64 + T(np.float64(2.0))).dtype is pdg.float64      # 0-d higher category wins
    assert (i64 + 2.5).dtype is pdg.float32                     # Python float -> default float
    assert (i64 + 2).dtype is pdg.int64
    assert (T(np.ones(3, np.uint8)) + 1).dtype is pdg.uint8
    assert (f32 * 3).dtype is pdg.float32
    assert (T([True, False]) + 1).dtype is pdg.int64


def test_bool_arithmetic_follows_pytorch():
    # bool + bool is logical or, bool * bool logical and (PyTorch); subtraction and pow raise
    b, c = T([True, False, False]), T([True, True, False])
    assert (b + c).tolist() == [True, True, False] and (b + c).dtype == pdg.bool
    assert (b * c).tolist() == [True, False, False]
    with pytest.raises(TypeError, match="bool"):
        b - c
    with pytest.raises(TypeError, match="bool"):
        b ** c


# -- in-place ops -----------------------------------------------------------------------------

@pytest.mark.parametrize("meth,nf", [("add_", np.add), ("sub_", np.subtract), ("mul_", np.multiply),
                                     ("div_", np.divide)])
def test_inplace_ops_and_version(meth, nf):
    a = rng.standard_normal((3, 4)) + 3.0
    b = rng.standard_normal((4,)) + 3.0
    t = T(a)
    ver = t._version
    r = getattr(t, meth)(T(b))
    assert r is t
    assert t._version > ver
    close(t, nf(a, b), rtol=1e-12)


def test_inplace_on_view_and_operators():
    a = rng.standard_normal((4, 4))
    t = T(a)
    v = t[:, 1]
    v += 10.0
    e = a.copy()
    e[:, 1] += 10.0
    close(t, e)
    t -= 1
    t *= 2
    t /= 4
    close(t, (e - 1) * 2 / 4, rtol=1e-12)
    t.add_(T(np.ones(4)), alpha=3)
    close(t, (e - 1) * 2 / 4 + 3, rtol=1e-12)


def test_inplace_broadcasting_rules():
    t = pdg.zeros(3, 4)
    with pytest.raises(RuntimeError, match="add_"):
        t.add_(pdg.ones(2, 3, 4))           # result shape != self shape
    small = pdg.zeros(4)
    with pytest.raises(RuntimeError):
        small.add_(pdg.ones(3, 4))
    i = pdg.zeros(3, dtype=pdg.int64)
    with pytest.raises(RuntimeError, match="can't be cast"):
        i.add_(1.5)
    with pytest.raises(RuntimeError):
        i.div_(2)


def test_fill_zero_copy_clamp_inplace():
    t = pdg.empty(2, 3)
    t.fill_(2.5)
    close(t, np.full((2, 3), 2.5))
    t.zero_()
    close(t, np.zeros((2, 3)))
    t.copy_(T(np.arange(3.0)))
    close(t, np.broadcast_to(np.arange(3.0), (2, 3)))
    if hasattr(t, "clamp_"):
        t.clamp_(0.5, 1.5)
        close(t, np.clip(np.broadcast_to(np.arange(3.0), (2, 3)), 0.5, 1.5))


# -- reductions ---------------------------------------------------------------------------------

RED_SHAPES = [((3, 4, 5), None), ((3, 4, 5), 1), ((3, 4, 5), -1), ((3, 4, 5), (0, 2)),
              ((3, 4, 5), (0, 1, 2)), ((7,), 0), ((2, 1, 3), 1), ((), None)]
REDS = {
    "sum": np.sum, "mean": np.mean, "prod": np.prod, "amax": np.amax, "amin": np.amin,
    "var": lambda a, axis=None, keepdims=False: np.var(a, axis=axis, ddof=1, keepdims=keepdims),
    "std": lambda a, axis=None, keepdims=False: np.std(a, axis=axis, ddof=1, keepdims=keepdims),
    "logsumexp": lambda a, axis=None, keepdims=False: np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims)),
}


@pytest.mark.parametrize("name", list(REDS))
@pytest.mark.parametrize("shape,dim", RED_SHAPES)
@pytest.mark.parametrize("keepdim", [False, True])
def test_reductions(name, shape, dim, keepdim):
    a = rng.standard_normal(shape)
    if name in ("var", "std") and (dim is None and a.size < 2 or dim is not None and
                                   np.prod([shape[d] for d in np.atleast_1d(dim)]) < 2):
        pytest.skip("var of one element")
    if name == "logsumexp" and dim is None:
        dim = tuple(range(len(shape)))
    axis = tuple(np.atleast_1d(dim)) if dim is not None else None
    out = getattr(T(a), name)(dim=dim, keepdim=keepdim) if dim is not None else getattr(T(a), name)()
    want = REDS[name](a, axis=axis, keepdims=keepdim) if dim is not None else REDS[name](a)
    if dim is None and keepdim:
        pytest.skip("dim=None keepdim covered by dim=all dims")
    close(out, want, rtol=1e-10)


def test_reductions_on_noncontiguous():
    a = rng.standard_normal((4, 6))
    t = T(a).t()[::2]
    close(t.sum(1), a.T[::2].sum(1), rtol=1e-12)
    close(t.mean(0), a.T[::2].mean(0), rtol=1e-12)
    close(t.amax(1), a.T[::2].max(1), rtol=1e-12)


def test_max_min_with_dim_and_arg():
    a = rng.standard_normal((3, 5))
    v, i = T(a).max(1)
    close(v, a.max(1))
    np.testing.assert_array_equal(i.numpy(), a.argmax(1))
    v, i = T(a).min(0, keepdim=True)
    close(v, a.min(0, keepdims=True))
    np.testing.assert_array_equal(i.numpy(), a.argmin(0)[None])
    assert T(a).argmax().item() == a.argmax()
    np.testing.assert_array_equal(T(a).argmin(1).numpy(), a.argmin(1))
    close(T(a).max(), a.max())


def test_all_any_int_sum():
    a = rng.integers(0, 2, (3, 4))
    np.testing.assert_array_equal(T(a).all(1).numpy(), a.all(1))
    np.testing.assert_array_equal(T(a).any(0).numpy(), a.any(0))
    assert T(a).all().item() == a.all()
    assert T(a.astype(bool)).any().item() == a.any()
    r = T(a).sum(0)
    assert r.dtype is pdg.int64
    np.testing.assert_array_equal(r.numpy(), a.sum(0))
    assert T(a.astype(bool)).sum().dtype is pdg.int64


def test_reduction_nan_propagation():
    a = np.array([[1.0, np.nan, 3.0], [1.0, 2.0, 3.0]])
    close(T(a).sum(1), a.sum(1))
    close(T(a).amax(1), np.max(a, 1))
    close(T(a).amin(1), np.min(a, 1))
    v, i = T(a).max(1)
    close(v, [np.nan, 3.0])
    assert i.numpy()[0] == 1


def test_reductions_over_empty_dims():
    e = T(np.zeros((0, 3)))
    close(e.sum(0), np.zeros(3))
    close(e.sum(), 0.0)
    close(e.prod(0), np.ones(3))
    assert np.isnan(e.mean().item())
    assert np.isnan(e.mean(0).numpy()).all()
    with pytest.raises(IndexError):
        e.max()
    with pytest.raises(IndexError):
        e.max(0)
    with pytest.raises(IndexError):
        e.argmax()
    close(e.max(1)[0], np.zeros(0))


def test_var_std_correction():
    a = rng.standard_normal((4, 5))
    close(T(a).var(1, unbiased=False), a.var(1), rtol=1e-12)
    close(T(a).std(0, correction=0), a.std(0), rtol=1e-12)


# -- matmul ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("sa,sb", [((5,), (5,)), ((3, 5), (5,)), ((5,), (5, 4)), ((3, 5), (5, 4)),
                                   ((2, 3, 5), (5, 4)), ((2, 3, 5), (2, 5, 4)), ((2, 1, 3, 5), (4, 5, 2)),
                                   ((7,), (3, 7, 2)), ((1, 1), (1, 1)), ((0, 3), (3, 2)), ((3, 0), (0, 2))])
def test_matmul_shapes(sa, sb):
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    close(T(a) @ T(b), a @ b, rtol=1e-10, atol=1e-12)
    close(pdg.matmul(T(a.astype(np.float32)), T(b.astype(np.float32))), a @ b, rtol=1e-4, atol=1e-4)


def test_matmul_transposed_views():
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((4, 5))
    close(T(a).t() @ T(b).t(), a.T @ b.T, rtol=1e-10)
    c = rng.standard_normal((2, 5, 3))
    close(T(c).transpose(1, 2) @ T(c), c.transpose(0, 2, 1) @ c, rtol=1e-10)
    close(pdg.mm(T(a).t(), T(a)), a.T @ a, rtol=1e-10)
    close(pdg.bmm(T(c), T(c).transpose(1, 2)), c @ c.transpose(0, 2, 1), rtol=1e-10)
    close(pdg.dot(T(a[:, 0]), T(a[:, 1])), a[:, 0] @ a[:, 1], rtol=1e-10)
    close(pdg.outer(T(a[:, 0]), T(b[0])), np.outer(a[:, 0], b[0]), rtol=1e-10)


def test_matmul_int_is_a_clear_type_error():
    # Integer matmul is not supported (float kernels only): it must say so.
    a, b = rng.integers(-5, 5, (3, 4)), rng.integers(-5, 5, (4, 2))
    with pytest.raises(TypeError, match="matmul"):
        T(a) @ T(b)


# -- shape ops -------------------------------------------------------------------------------------

def test_reshape_view_flatten_squeeze():
    a = rng.standard_normal((2, 3, 4))
    t = T(a)
    close(t.reshape(4, -1), a.reshape(4, -1))
    close(t.view(6, 4), a.reshape(6, 4))
    close(t.flatten(), a.ravel())
    close(t.flatten(1), a.reshape(2, 12))
    close(t[:, :1].squeeze(1), a[:, 0])
    close(t[:, :1].squeeze(), a[:, 0])
    close(t.unsqueeze(0), a[None])
    close(t.unsqueeze(-1), a[..., None])
    nc = t.transpose(0, 2)
    close(nc.reshape(-1), a.transpose(2, 1, 0).ravel())
    with pytest.raises(RuntimeError, match="view"):
        nc.view(-1)
    with pytest.raises(ValueError, match="reshape"):
        t.reshape(5, 5)


def test_permute_transpose_expand():
    a = rng.standard_normal((2, 3, 4))
    t = T(a)
    close(t.permute(2, 0, 1), a.transpose(2, 0, 1))
    close(t.transpose(0, 1), a.transpose(1, 0, 2))
    close(T(a[0]).T, a[0].T)
    close(T(a[:, :1]).expand(2, 5, 4), np.broadcast_to(a[:, :1], (2, 5, 4)))
    close(T(a[:, :1]).expand(3, -1, 3, -1), np.broadcast_to(a[:, :1], (3, 2, 3, 4)))
    close(pdg.broadcast_to(T(a[0, 0]), (2, 4)), np.broadcast_to(a[0, 0], (2, 4)))


def test_cat_stack_split_chunk_unbind_narrow():
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((4, 3))
    close(pdg.cat([T(a), T(b)]), np.concatenate([a, b]))
    close(pdg.cat([T(a), T(b[:2])], dim=1), np.concatenate([a, b[:2]], 1))
    close(pdg.cat([T(a.astype(np.float32)), T(b)]), np.concatenate([a, b]), rtol=1e-6)
    close(pdg.stack([T(a), T(a * 2)], 1), np.stack([a, a * 2], 1))
    parts = T(b).split(3)
    assert [p.shape for p in parts] == [(3, 3), (1, 3)]
    close(parts[1], b[3:])
    parts = T(b).split([1, 3])
    close(parts[1], b[1:])
    ch = T(b).chunk(3, 1)
    assert len(ch) == 3
    close(ch[2], b[:, 2:])
    us = T(b).unbind(1)
    close(us[1], b[:, 1])
    close(T(b).narrow(0, 1, 2), b[1:3])
    close(T(b).narrow(1, -2, 2), b[:, 1:])


def test_basic_indexing_matches_numpy():
    a = rng.standard_normal((4, 5, 6))
    t = T(a)
    for key in [1, -1, (1, 2), (slice(None, None, 2),), (Ellipsis, 1), (None, 1, None),
                (slice(1, 4, 2), Ellipsis, slice(None, None, 3)), (slice(10, 20),), (slice(-3, None),)]:
        close(t[key], a[key])


# -- creation ----------------------------------------------------------------------------------------

def test_tensor_dtype_inference():
    assert pdg.tensor([1, 2]).dtype is pdg.int64
    assert pdg.tensor([1.0, 2]).dtype is pdg.float32
    assert pdg.tensor([True, False]).dtype is pdg.bool
    assert pdg.tensor([[1, 2], [3, 4]]).shape == (2, 2)
    assert pdg.tensor(np.ones(2, np.float64)).dtype is pdg.float64
    assert pdg.tensor(np.ones(2, np.uint8)).dtype is pdg.uint8
    assert pdg.tensor(np.ones(2, np.int32)).dtype is pdg.int64
    assert pdg.tensor(3.5).shape == ()
    assert pdg.tensor([1, 2], dtype=pdg.float64).dtype is pdg.float64
    a = np.arange(6.0).reshape(2, 3)
    t = pdg.tensor(a)
    a[0, 0] = 100
    assert t.numpy()[0, 0] == 0  # tensor() copies


def test_constant_creation():
    close(pdg.zeros(2, 3), np.zeros((2, 3)))
    close(pdg.ones((2, 3)), np.ones((2, 3)))
    close(pdg.full((2, 2), 7.0), np.full((2, 2), 7.0))
    assert pdg.full((2,), 7).dtype is pdg.int64
    close(pdg.arange(5), np.arange(5))
    assert pdg.arange(5).dtype is pdg.int64
    close(pdg.arange(1, 2, 0.25), np.arange(1, 2, 0.25))
    close(pdg.linspace(0, 1, 7), np.linspace(0, 1, 7), rtol=1e-6)
    close(pdg.eye(3), np.eye(3))
    close(pdg.eye(2, 4), np.eye(2, 4))
    t = T(rng.standard_normal((2, 3)).astype(np.float32))
    for f, v in ((pdg.zeros_like, 0), (pdg.ones_like, 1)):
        r = f(t)
        assert r.shape == t.shape and r.dtype is t.dtype
        close(r, np.full((2, 3), v))
    assert pdg.full_like(t, 3).dtype is pdg.float32
    assert pdg.empty_like(t).shape == (2, 3)
    assert pdg.zeros(0, 3).shape == (0, 3)


def test_random_statistics():
    pdg.manual_seed(0)
    u = pdg.rand(20000).double().numpy()
    assert 0 <= u.min() and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.01 and abs(u.var() - 1 / 12) < 0.005
    n = pdg.randn(20000).double().numpy()
    assert abs(n.mean()) < 0.03 and abs(n.std() - 1) < 0.03
    r = pdg.randint(3, 7, (20000,)).numpy()
    assert r.min() == 3 and r.max() == 6
    assert pdg.randint(3, 7, (2,)).dtype is pdg.int64
    m = pdg.normal(2.0, 3.0, size=(20000,)).double().numpy()
    assert abs(m.mean() - 2) < 0.1 and abs(m.std() - 3) < 0.1
    t = pdg.empty(20000)
    t.uniform_(-2, 2)
    assert -2 <= t.numpy().min() and t.numpy().max() < 2


def test_seeding_and_generator_state():
    pdg.manual_seed(123)
    a = pdg.randn(50).numpy().copy()
    pdg.manual_seed(123)
    np.testing.assert_array_equal(pdg.randn(50).numpy(), a)
    g = pdg.Generator()
    g.manual_seed(7)
    pdg.rand(3, generator=g)
    state = g.get_state()
    x1 = pdg.randn(40, generator=g).numpy().copy()
    x2 = pdg.rand(13, generator=g).numpy().copy()
    g.set_state(state)
    np.testing.assert_array_equal(pdg.randn(40, generator=g).numpy(), x1)
    np.testing.assert_array_equal(pdg.rand(13, generator=g).numpy(), x2)
    s = pdg.get_rng_state()
    y = pdg.rand(5).numpy().copy()
    pdg.set_rng_state(s)
    np.testing.assert_array_equal(pdg.rand(5).numpy(), y)


def test_randperm_is_permutation():
    for n in (0, 1, 17, 1000):
        p = pdg.randperm(n).numpy()
        np.testing.assert_array_equal(np.sort(p), np.arange(n))


# -- NumPy interop, item/tolist ------------------------------------------------------------------------

def test_from_numpy_and_numpy_zero_copy_both_ways():
    a = rng.standard_normal((3, 4))
    t = pdg.from_numpy(a)
    a[1, 2] = 42.0
    assert t[1, 2].item() == 42.0
    t.add_(1.0)
    assert a[1, 2] == 43.0
    n = t.numpy()
    assert np.shares_memory(n, a)
    n[0, 0] = -7
    assert t[0, 0].item() == -7
    tt = pdg.from_numpy(a.T)  # strided NumPy view
    close(tt, a.T)


def test_numpy_on_requires_grad_raises_and_array_protocol():
    x = T(np.ones(3), grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    np.testing.assert_array_equal(x.detach().numpy(), np.ones(3))
    np.testing.assert_array_equal(np.asarray(T(np.arange(4.0))), np.arange(4.0))
    assert np.asarray(T(np.arange(4)), dtype=np.float32).dtype == np.float32


def test_item_tolist():
    assert T(np.array([[2.5]])).item() == 2.5
    assert isinstance(T([3]).item(), int)
    assert T([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    with pytest.raises(ValueError, match="item"):
        T([1, 2]).item()


def test_dtype_conversions():
    a = rng.standard_normal((2, 3)) * 10
    t = T(a)
    assert t.float().dtype is pdg.float32
    np.testing.assert_array_equal(t.long().numpy(), np.trunc(a).astype(np.int64))
    assert t.to(pdg.float32).double().dtype is pdg.float64
    assert t.type_as(T([1])).dtype is pdg.int64
    np.testing.assert_array_equal(t.bool().numpy(), a != 0)


# -- gradchecks of every differentiable core op -------------------------------------------------------

def _x(*shape, positive=False):
    a = rng.standard_normal(shape)
    if positive:
        a = np.abs(a) + 0.5
    return T(a, grad=True)


GRAD_CASES = {
    "add": (lambda a, b: a + b, [(3, 4), (4,)]),
    "sub": (lambda a, b: a - b, [(3, 1), (1, 4)]),
    "mul": (lambda a, b: a * b, [(3, 4), (3, 1)]),
    "div": (lambda a, b: a / b, [(3, 4), "pos(4,)"]),
    "pow": (lambda a, b: a ** b, ["pos(3, 4)", (4,)]),
    "pow_scalar": (lambda a: a ** 3, [(3, 4)]),
    "rpow_scalar": (lambda a: 2.0 ** a, [(3, 4)]),
    "rsub_scalar": (lambda a: 1.5 - a, [(3,)]),
    "rdiv_scalar": (lambda a: 1.5 / a, ["pos(3,)"]),
    "maximum": (pdg.maximum, [(3, 4), (4,)]),
    "minimum": (pdg.minimum, [(3, 4), (3, 4)]),
    "sum": (lambda a: a.sum((0, 2)), [(2, 3, 4)]),
    "sum_keep": (lambda a: a.sum(1, keepdim=True), [(2, 3, 4)]),
    "mean": (lambda a: a.mean(1), [(2, 3, 4)]),
    "prod": (lambda a: a.prod(1), [(3, 4)]),
    "amax": (lambda a: a.amax(1), [(3, 4)]),
    "amin": (lambda a: a.amin((0, 1)), [(3, 4)]),
    "max_dim": (lambda a: a.max(1)[0], [(3, 4)]),
    "min_dim": (lambda a: a.min(0, keepdim=True)[0], [(3, 4)]),
    "max_all": (lambda a: a.max(), [(3, 4)]),
    "logsumexp": (lambda a: a.logsumexp(1), [(3, 4)]),
    "var": (lambda a: a.var(1), [(3, 4)]),
    "std": (lambda a: a.std(0, unbiased=False), [(3, 4)]),
    "matmul": (pdg.matmul, [(3, 4), (4, 2)]),
    "matmul_batched": (pdg.matmul, [(2, 3, 4), (4, 2)]),
    "matmul_vec": (pdg.matmul, [(4,), (2, 4, 3)]),
    "dot": (pdg.dot, [(4,), (4,)]),
    "reshape": (lambda a: a.reshape(4, 3), [(3, 4)]),
    "view_T": (lambda a: a.t() * 1.0, [(3, 4)]),
    "permute": (lambda a: a.permute(2, 0, 1), [(2, 3, 4)]),
    "expand": (lambda a: a.expand(2, 3, 4), [(3, 1)]),
    "squeeze": (lambda a: a.squeeze(1).unsqueeze(0), [(3, 1, 2)]),
    "flatten": (lambda a: a.flatten(), [(2, 3)]),
    "getitem": (lambda a: a[1:, ::2, None], [(3, 4)]),
    "cat": (lambda a, b: pdg.cat([a, b], 1), [(2, 3), (2, 2)]),
    "stack": (lambda a, b: pdg.stack([a, b], 0), [(2, 3), (2, 3)]),
    "split": (lambda a: a.split(2, 1)[1], [(2, 5)]),
    "chunk": (lambda a: a.chunk(2)[0], [(3, 2)]),
    "unbind": (lambda a: a.unbind(1)[2], [(2, 3)]),
    "narrow": (lambda a: a.narrow(0, 1, 2), [(4, 2)]),
    "clone": (lambda a: a.clone(), [(2, 3)]),
    "contiguous": (lambda a: a.t().contiguous(), [(2, 3)]),
    "to_float64": (lambda a: a.to(pdg.float64) * 2, [(3,)]),
}


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_gradcheck_core_op(name):
    fn, shapes = GRAD_CASES[name]
    inputs = []
    for s in shapes:
        if isinstance(s, str):
            inputs.append(_x(*eval(s[3:]), positive=True))
        else:
            inputs.append(_x(*s))
    assert gradcheck(fn, inputs)


def test_torch_crosscheck_reductions_and_matmul():
    torch = pytest.importorskip("torch")
    a = rng.standard_normal((3, 4, 5))
    for name in ("sum", "mean", "amax", "logsumexp", "var", "std", "prod"):
        got = getattr(T(a), name)(1)
        want = getattr(torch.tensor(a), name)(1)
        close(got, want.numpy(), rtol=1e-10)
    b = rng.standard_normal((5, 2))
    close(T(a) @ T(b), (torch.tensor(a) @ torch.tensor(b)).numpy(), rtol=1e-10)


# -- regressions: bugs once found in core files -------------------------------------------------------

def test_inplace_with_partially_overlapping_operand():
    a = np.arange(1.0, 6.0)
    t = T(a.copy())
    t[1:] += t[:-1]
    e = a.copy()
    e[1:] += a[:-1].copy()
    close(t, e)


def test_unary_minus_and_abs_operators():
    a = rng.standard_normal(4)
    close(-T(a), -a)
    close(abs(T(a)), np.abs(a))


def test_scalar_mod_tensor():
    a = np.array([1.5, 2.0, 3.0])
    close(2 % T(a), 2 % a)


def test_randint_high_size_form():
    r = pdg.randint(5, (100,)).numpy()
    assert r.min() >= 0 and r.max() < 5


def test_binary_variants_are_listed_chosen_and_agree():
    # pdg.kernels lists and switches every family, the binary fast path included (issue 25)
    assert {"binary", "conv", "gemm", "math", "norm", "optim", "rnn"} <= set(pdg.kernels.families())
    names = [v.name for v in pdg.kernels.list("binary")]
    assert names == ["01_scalar", "02_avx2"]
    g = np.random.default_rng(25)
    a = pdg.tensor(g.standard_normal(1003).astype(np.float32))
    b = pdg.tensor(g.standard_normal(1003).astype(np.float32) + 0.1)
    ops = [lambda: a + b, lambda: a - b, lambda: a * b, lambda: a / b, lambda: pdg.maximum(a, b),
           lambda: pdg.minimum(a, b)]
    fast = [f().numpy().copy() for f in ops]
    with pdg.kernels.use("binary", "01_scalar"):
        assert pdg.kernels.current("binary") == "01_scalar"
        slow = [f().numpy().copy() for f in ops]
    for x, y in zip(fast, slow):
        np.testing.assert_array_equal(x, y)  # the same IEEE operations: bit for bit
    with pytest.raises(ValueError, match="set_binary_variant: unknown variant 'x'"):
        pdg.kernels.use("binary", "x")
