"""where(cond, a, b) with broadcasting, scalars, promotion and gradients; where(cond)."""

import numpy as np
import pytest

import pydeepgen as pdg
from pydeepgen.testing import gradcheck

rng = np.random.default_rng()


@pytest.mark.parametrize("sc,sa,sb", [((3, 4), (3, 4), (3, 4)), ((4,), (3, 1), (1, 4)),
                                      ((2, 1, 4), (3, 1), ()), ((0, 4), (4,), (1,)), ((), (5,), (5,))])
def test_where_broadcast_matches_numpy(sc, sa, sb):
    c, a, b = rng.random(sc) > 0.5, rng.standard_normal(sa), rng.standard_normal(sb)
    out = pdg.where(pdg.tensor(c), pdg.tensor(a), pdg.tensor(b))
    np.testing.assert_array_equal(out.numpy(), np.where(c, a, b))


def test_where_noncontiguous():
    a = rng.standard_normal((5, 4))
    c = rng.random((4, 5)) > 0.5
    out = pdg.where(pdg.tensor(c), pdg.tensor(a).t(), 0.0)
    np.testing.assert_array_equal(out.numpy(), np.where(c, a.T, 0.0))


def test_where_scalars_and_promotion():
    c = pdg.tensor([True, False, True])
    assert pdg.where(c, 1.0, 0.0).dtype is pdg.float32
    assert pdg.where(c, 1, 0).dtype is pdg.int64
    ti = pdg.tensor([1, 2, 3])
    tf = pdg.tensor([1.0, 2.0, 3.0])
    assert pdg.where(c, ti, tf).dtype is pdg.float32
    assert pdg.where(c, ti, 2.5).dtype is pdg.float32
    assert pdg.where(c, ti, 7).dtype is pdg.int64
    assert pdg.where(c, tf, tf.double()).dtype is pdg.float64
    np.testing.assert_array_equal(pdg.where(c, ti, 2.5).numpy(), [1, 2.5, 3])
    np.testing.assert_array_equal(tf.where(c, -1.0).numpy(), [1, -1, 3])


def test_where_gradcheck_broadcast():
    c = pdg.tensor(rng.random((3, 4)) > 0.5)
    a = pdg.tensor(rng.standard_normal((3, 1)), requires_grad=True)
    b = pdg.tensor(rng.standard_normal((4,)), requires_grad=True)
    assert gradcheck(lambda a, b: pdg.where(c, a, b), (a, b))
    assert gradcheck(lambda a: pdg.where(c, a, 0.0), (a,))


def test_where_one_arg_is_nonzero_tuple():
    c = rng.random((3, 4)) > 0.5
    got = pdg.where(pdg.tensor(c))
    for g, e in zip(got, np.nonzero(c)):
        np.testing.assert_array_equal(g.numpy(), e)


def test_where_errors():
    with pytest.raises(TypeError, match="where"):
        pdg.where(pdg.tensor([1, 0]), 1.0, 0.0)
    with pytest.raises(ValueError, match="where"):
        pdg.where(pdg.tensor([True, False]), pdg.ones(3), 0.0)
    with pytest.raises(TypeError, match="where"):
        pdg.where(pdg.tensor([True]), "a", 0.0)


def test_where_torch_crosscheck():
    torch = pytest.importorskip("torch")
    c = rng.random((3, 4)) > 0.5
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    x, y = pdg.tensor(a, requires_grad=True), pdg.tensor(b, requires_grad=True)
    (pdg.where(pdg.tensor(c), x, y) * 3).sum().backward()
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    (torch.where(torch.tensor(c), tx, ty) * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy())
