"""nn.init: distribution statistics on large tensors, gains, fans, errors, seeding."""

import math

import numpy as np
import pytest

import pydeepgen as pdg
from pydeepgen.nn import init


def _a(t):
    return t.detach().numpy().astype(np.float64)


def test_calculate_gain_table():
    assert init.calculate_gain("linear") == 1.0
    assert init.calculate_gain("conv2d") == 1.0
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swishy")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", "a")


def test_gain_matches_torch():
    torch = pytest.importorskip("torch")
    for nl, p in [("tanh", None), ("relu", None), ("leaky_relu", 0.2), ("selu", None)]:
        assert init.calculate_gain(nl, p) == pytest.approx(torch.nn.init.calculate_gain(nl, p))


def test_uniform_and_normal_statistics():
    t = pdg.empty(400, 500)
    a = _a(init.uniform_(t, -2.0, 3.0))
    assert a.min() >= -2.0 and a.max() < 3.0
    assert abs(a.mean() - 0.5) < 0.02 and abs(a.std() - 5 / math.sqrt(12)) < 0.02
    a = _a(init.normal_(t, 1.5, 0.5))
    assert abs(a.mean() - 1.5) < 0.005 and abs(a.std() - 0.5) < 0.005


def test_constant_zeros_ones_eye():
    t = pdg.empty(3, 4, dtype=pdg.float64)
    assert (_a(init.constant_(t, 2.5)) == 2.5).all()
    assert (_a(init.zeros_(t)) == 0).all()
    assert (_a(init.ones_(t)) == 1).all()
    np.testing.assert_array_equal(_a(init.eye_(t)), np.eye(3, 4))
    with pytest.raises(ValueError, match="2-D"):
        init.eye_(pdg.empty(2, 2, 2))


@pytest.mark.parametrize("shape", [(300, 400), (64, 32, 3, 3)])
def test_xavier(shape):
    fan_in = shape[1] * math.prod(shape[2:])
    fan_out = shape[0] * math.prod(shape[2:])
    std = math.sqrt(2 / (fan_in + fan_out))
    t = pdg.empty(*shape)
    a = _a(init.xavier_uniform_(t, gain=2.0))
    bound = 2.0 * math.sqrt(3) * std
    assert a.min() >= -bound and a.max() <= bound
    assert abs(a.std() - 2.0 * std) < 0.03 * 2.0 * std and abs(a.mean()) < 0.02 * bound
    a = _a(init.xavier_normal_(t))
    assert abs(a.std() - std) < 0.03 * std and abs(a.mean()) < 0.02 * std * 10


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nl,a_", [("relu", 0), ("leaky_relu", math.sqrt(5)), ("tanh", 0)])
def test_kaiming(mode, nl, a_):
    shape = (128, 64, 3, 3)
    fan = (64 if mode == "fan_in" else 128) * 9
    std = init.calculate_gain(nl, a_) / math.sqrt(fan)
    t = pdg.empty(*shape)
    a = _a(init.kaiming_uniform_(t, a=a_, mode=mode, nonlinearity=nl))
    assert np.abs(a).max() <= math.sqrt(3) * std
    assert abs(a.std() - std) < 0.02 * std
    a = _a(init.kaiming_normal_(t, a=a_, mode=mode, nonlinearity=nl))
    assert abs(a.std() - std) < 0.02 * std and abs(a.mean()) < 0.02 * std


def test_fan_errors_and_empty():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(pdg.empty(5))
    with pytest.raises(ValueError, match="mode 'fan_avg' not supported"):
        init.kaiming_uniform_(pdg.empty(3, 3), mode="fan_avg")
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_uniform_(pdg.empty(0, 3))


def test_trunc_normal_and_orthogonal():
    t = pdg.empty(200, 300)
    a = _a(init.trunc_normal_(t, mean=0.5, std=1.0, a=-0.5, b=1.5))
    assert a.min() >= -0.5 and a.max() <= 1.5
    assert abs(a.mean() - 0.5) < 0.02  # symmetric truncation around the mean
    q = _a(init.orthogonal_(pdg.empty(50, 80), gain=2.0))
    np.testing.assert_allclose(q @ q.T, 4 * np.eye(50), atol=1e-4)
    q = _a(init.orthogonal_(pdg.empty(80, 50)))
    np.testing.assert_allclose(q.T @ q, np.eye(50), atol=1e-4)


def test_seeded_and_generator_reproducible():
    pdg.manual_seed(7)
    a = _a(init.kaiming_uniform_(pdg.empty(20, 10)))
    pdg.manual_seed(7)
    b = _a(init.kaiming_uniform_(pdg.empty(20, 10)))
    np.testing.assert_array_equal(a, b)
    g1, g2 = pdg.Generator().manual_seed(3), pdg.Generator().manual_seed(3)
    np.testing.assert_array_equal(_a(init.normal_(pdg.empty(50), generator=g1)),
                                  _a(init.normal_(pdg.empty(50), generator=g2)))
    assert not np.array_equal(a, _a(init.kaiming_uniform_(pdg.empty(20, 10))))


def test_init_on_parameter_keeps_requires_grad_and_no_graph():
    p = pdg.nn.Parameter(pdg.empty(4, 4))
    init.xavier_uniform_(p)
    assert p.requires_grad and p.grad_fn is None
