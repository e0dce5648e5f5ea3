"""nn.utils.spectral_norm / remove_spectral_norm and Module forward pre-hooks."""

import copy

import numpy as np
import pytest

import pydeepgen as pdg
from pydeepgen import nn
from pydeepgen.nn.utils import remove_spectral_norm, spectral_norm
from pydeepgen.testing import gradcheck


def _layers():
    return {
        "linear": (lambda: nn.Linear(7, 5), (3, 7), 0),
        "conv2d": (lambda: nn.Conv2d(3, 4, 3, padding=1), (2, 3, 6, 6), 0),
        "conv_transpose2d": (lambda: nn.ConvTranspose2d(4, 3, 4, 2, 1), (2, 4, 3, 3), 1),
    }


def _matrix(w, dim):
    w = np.moveaxis(w, dim, 0)
    return w.reshape(w.shape[0], -1)


@pytest.mark.parametrize("kind", list(_layers()))
def test_sigma_is_the_largest_singular_value(kind):
    make, shape, dim = _layers()[kind]
    pdg.manual_seed(np.random.randint(1 << 30))
    # enough iterations to converge even when the top two singular values are close
    layer = spectral_norm(make().double(), n_power_iterations=2000)
    x = pdg.randn(*shape, dtype=pdg.float64)
    layer(x)  # training mode: the power iterations run
    w = layer.weight_orig.detach().numpy()
    sigma = np.linalg.svd(_matrix(w, dim), compute_uv=False)[0]
    np.testing.assert_allclose(layer.weight.detach().numpy(), w / sigma, rtol=1e-6)
    top = np.linalg.svd(_matrix(layer.weight.detach().numpy(), dim), compute_uv=False)[0]
    assert abs(top - 1.0) < 1e-6
    # the layer computes with the normalized weight
    ref = make().double()
    with pdg.no_grad():
        ref.weight.copy_(layer.weight)
        ref.bias.copy_(layer.bias)
    np.testing.assert_allclose(layer(x).detach().numpy(), ref(x).detach().numpy(), rtol=1e-10, atol=1e-12)


def test_power_iteration_follows_the_formulas():
    rng = np.random.default_rng()
    layer = spectral_norm(nn.Linear(6, 4).double(), n_power_iterations=2)
    w = layer.weight_orig.detach().numpy().copy()
    u = layer.weight_u.numpy().copy()
    for _ in range(2):
        v = w.T @ u
        v /= np.linalg.norm(v)
        u = w @ v
        u /= np.linalg.norm(u)
    x = rng.standard_normal((5, 6))
    out = layer(pdg.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(layer.weight_u.numpy(), u, rtol=1e-10)
    np.testing.assert_allclose(layer.weight_v.numpy(), v, rtol=1e-10)
    expected = x @ (w / (u @ w @ v)).T + layer.bias.detach().numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-10)
    # eval mode: u and v stay as they are
    u_trained = layer.weight_u.numpy().copy()
    layer.eval()
    layer(pdg.from_numpy(x))
    np.testing.assert_array_equal(layer.weight_u.numpy(), u_trained)


@pytest.mark.parametrize("kind", list(_layers()))
def test_gradcheck_through_sigma(kind):
    make, shape, _ = _layers()[kind]
    layer = spectral_norm(make().double(), n_power_iterations=3)
    x = pdg.randn(*shape, dtype=pdg.float64).requires_grad_(True)
    layer(x)  # move u, v off their random start
    layer.eval()  # fixed u, v: the function of W_orig that autograd differentiates
    gradcheck(lambda w, inp: layer(inp), (layer.weight_orig, x), atol=1e-6)


def test_matches_torch_in_training_mode():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng()
    for make, tmake in ((lambda: nn.Linear(9, 6), lambda: torch.nn.Linear(9, 6)),
                        (lambda: nn.Conv2d(2, 5, 3), lambda: torch.nn.Conv2d(2, 5, 3)),
                        (lambda: nn.ConvTranspose2d(5, 2, 4, 2, 1),
                         lambda: torch.nn.ConvTranspose2d(5, 2, 4, 2, 1))):
        tl = torch.nn.utils.spectral_norm(tmake().double())
        pl = spectral_norm(make().double())
        with pdg.no_grad():
            for name in ("weight_orig", "bias"):
                getattr(pl, name).copy_(pdg.from_numpy(getattr(tl, name).detach().numpy().copy()))
            for name in ("weight_u", "weight_v"):
                getattr(pl, name).copy_(pdg.from_numpy(getattr(tl, name).numpy().copy()))
        shape = (3, 9) if isinstance(pl, nn.Linear) else ((2, 2, 7, 7) if isinstance(pl, nn.Conv2d)
                                                          else (2, 5, 3, 3))
        x = rng.standard_normal(shape)
        for step in range(2):  # two forwards: the vectors carry over
            tx = torch.from_numpy(x).requires_grad_(True)
            px = pdg.from_numpy(x).requires_grad_(True)
            tout, pout = tl(tx), pl(px)
            np.testing.assert_allclose(pout.detach().numpy(), tout.detach().numpy(), rtol=1e-9,
                                       atol=1e-12)
            g = rng.standard_normal(tuple(tout.shape))
            tout.backward(torch.from_numpy(g))
            pout.backward(pdg.from_numpy(g))
            np.testing.assert_allclose(pl.weight_orig.grad.numpy(), tl.weight_orig.grad.numpy(),
                                       rtol=1e-8, atol=1e-12)
            np.testing.assert_allclose(px.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-12)
            np.testing.assert_allclose(pl.weight_u.numpy(), tl.weight_u.numpy(), rtol=1e-9)
            tl.zero_grad()
            pl.zero_grad()


def test_state_dict_deepcopy_and_remove():
    pdg.manual_seed(np.random.randint(1 << 30))
    layer = spectral_norm(nn.Linear(8, 3))
    x = pdg.randn(4, 8)
    layer(x)
    assert set(layer.state_dict()) == {"weight_orig", "bias", "weight_u", "weight_v"}
    assert [n for n, _ in layer.named_parameters()] == ["bias", "weight_orig"]
    other = spectral_norm(nn.Linear(8, 3))
    other.load_state_dict(layer.state_dict())
    layer.eval()
    other.eval()
    np.testing.assert_array_equal(other(x).detach().numpy(), layer(x).detach().numpy())
    twin = copy.deepcopy(layer)  # what the EMA of a generator/discriminator does
    np.testing.assert_array_equal(twin(x).detach().numpy(), layer(x).detach().numpy())
    expected = layer(x).detach().numpy()
    remove_spectral_norm(layer)
    assert isinstance(layer.weight, nn.Parameter)
    assert set(layer.state_dict()) == {"weight", "bias"}
    layer.train()
    np.testing.assert_allclose(layer(x).detach().numpy(), expected, rtol=1e-6)
    np.testing.assert_array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())  # no hook left


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_power_iterations"):
        spectral_norm(nn.Linear(3, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match="no parameter 'kernel'"):
        spectral_norm(nn.Linear(3, 2), name="kernel")
    with pytest.raises(ValueError, match="out of range"):
        spectral_norm(nn.Linear(3, 2), dim=2)
    layer = spectral_norm(nn.Linear(3, 2))
    with pytest.raises(RuntimeError, match="already"):
        spectral_norm(layer)
    with pytest.raises(ValueError, match="not found"):
        remove_spectral_norm(nn.Linear(3, 2))


def test_forward_pre_hook_can_replace_arguments_and_be_removed():
    layer = nn.Linear(4, 2)
    seen = []
    handle = layer.register_forward_pre_hook(lambda m, args: seen.append(args[0].shape))
    doubling = layer.register_forward_pre_hook(lambda m, args: (args[0] * 2.0,))
    x = pdg.randn(3, 4)
    out = layer(x)
    np.testing.assert_allclose(out.detach().numpy(), layer.forward(x * 2.0).detach().numpy(), rtol=1e-6)
    assert seen == [(3, 4)]
    handle.remove()
    doubling.remove()
    np.testing.assert_array_equal(layer(x).detach().numpy(), layer.forward(x).detach().numpy())
    assert seen == [(3, 4)]
    with pytest.raises(TypeError, match="not callable"):
        layer.register_forward_pre_hook(3)


def test_two_forwards_before_one_backward():
    # A GAN discriminator sees the real batch, then the fake one, then backward runs once:
    # the second forward's power iteration must not invalidate the first one's graph.
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng()
    tl = torch.nn.utils.spectral_norm(torch.nn.Linear(5, 3).double())
    pl = spectral_norm(nn.Linear(5, 3).double())
    with pdg.no_grad():
        for name in ("weight_orig", "bias"):
            getattr(pl, name).copy_(pdg.from_numpy(getattr(tl, name).detach().numpy().copy()))
        for name in ("weight_u", "weight_v"):
            getattr(pl, name).copy_(pdg.from_numpy(getattr(tl, name).numpy().copy()))
    a, b = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    (tl(torch.from_numpy(a)).sum() - 2 * tl(torch.from_numpy(b)).sum()).backward()
    (pl(pdg.from_numpy(a)).sum() - 2 * pl(pdg.from_numpy(b)).sum()).backward()
    np.testing.assert_allclose(pl.weight_orig.grad.numpy(), tl.weight_orig.grad.numpy(),
                               rtol=1e-8, atol=1e-12)
