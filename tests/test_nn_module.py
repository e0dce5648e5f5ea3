"""nn.Module semantics, containers, Linear/Bilinear/Flatten and the F-backed layers,
nn.utils gradient clipping and vector conversion."""

import math
from collections import OrderedDict

import numpy as np
import pytest

import pydeepgen as pdg
import pydeepgen.nn as nn
import pydeepgen.nn.functional as F
from pydeepgen.nn.utils import (clip_grad_norm_, clip_grad_value_, parameters_to_vector,
                                vector_to_parameters)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.scale = nn.Parameter(pdg.ones(4))
        self.register_buffer("count", pdg.zeros(1, dtype=pdg.int64))
        self.register_buffer("tmp", pdg.zeros(2), persistent=False)

    def forward(self, x):
        return x


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = Block()
        self.b = Block()
        self.shared = self.a  # the same module twice
        self.head = nn.Sequential(nn.Linear(4, 2), nn.ReLU())


def test_registration_and_traversal():
    m = Net()
    names = [n for n, _ in m.named_parameters()]
    # PyTorch's order: each module's own parameters, then its children's
    assert names == ["a.scale", "a.fc.weight", "a.fc.bias", "b.scale", "b.fc.weight",
                     "b.fc.bias", "head.0.weight", "head.0.bias"]
    assert len(list(m.parameters())) == 8
    assert [n for n, _ in m.named_buffers()] == ["a.count", "a.tmp", "b.count", "b.tmp"]
    assert [n for n, _ in m.named_children()] == ["a", "b", "head"]
    assert [n for n, _ in m.named_modules()] == ["", "a", "a.fc", "b", "b.fc", "head",
                                                 "head.0", "head.1"]
    assert [n for n, _ in m.a.named_parameters(recurse=False)] == ["scale"]
    assert m.get_submodule("head.0") is m.head[0]
    with pytest.raises(AttributeError):
        m.get_submodule("nope")
    del m.b
    assert "b" not in dict(m.named_children())


def test_setattr_rules():
    m = Block()
    with pytest.raises(TypeError, match="parameter 'scale'"):
        m.scale = pdg.ones(4)
    m.scale = None
    assert "scale" not in dict(m.named_parameters())
    with pytest.raises(TypeError, match="buffer 'count'"):
        m.count = 3
    m.count = pdg.ones(1, dtype=pdg.int64)
    assert m.count.tolist() == [1]

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(pdg.ones(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def test_state_dict_and_strict_loading():
    m = Net()
    sd = m.state_dict()
    # a shared module is saved under each of its names, as PyTorch does
    assert list(sd) == ["a.scale", "a.count", "a.fc.weight", "a.fc.bias", "b.scale", "b.count",
                        "b.fc.weight", "b.fc.bias", "shared.scale", "shared.count",
                        "shared.fc.weight", "shared.fc.bias", "head.0.weight", "head.0.bias"]
    assert not sd["a.scale"].requires_grad
    m2 = Net()
    m2.load_state_dict(sd)
    for k, v in m2.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), sd[k].numpy())
    bad = OrderedDict(sd)
    del bad["a.scale"]
    bad["extra.weight"] = pdg.zeros(1)
    bad["head.0.bias"] = pdg.zeros(5)
    with pytest.raises(RuntimeError) as e:
        m2.load_state_dict(bad)
    msg = str(e.value)
    assert 'Missing key(s) in state_dict: "a.scale"' in msg
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in msg
    assert "size mismatch for head.0.bias: copying a param with shape (5,)" in msg
    bad["head.0.bias"] = sd["head.0.bias"]
    res = m2.load_state_dict(bad, strict=False)
    assert res.missing_keys == ["a.scale"] and res.unexpected_keys == ["extra.weight"]
    with pytest.raises(TypeError):
        m2.load_state_dict([1, 2])


def test_load_state_dict_does_not_alias_and_keeps_params():
    m, src = nn.Linear(2, 3), nn.Linear(2, 3)
    w = m.weight
    m.load_state_dict(src.state_dict())
    assert m.weight is w
    with pdg.no_grad():
        src.weight.fill_(5.0)
    assert not (m.weight.detach().numpy() == 5.0).any()


def test_repr_like_pytorch():
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Flatten(), nn.Identity()))
    assert repr(m) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Flatten(start_dim=1, end_dim=-1)\n"
        "    (1): Identity()\n"
        "  )\n"
        ")")
    assert repr(nn.Linear(4, 1, bias=False)) == "Linear(in_features=4, out_features=1, bias=False)"
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(2, 3), nn.ELU(), nn.Unflatten(1, (3, 1)), nn.GELU(),
                         nn.Softplus(), nn.MSELoss())
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ELU(),
                                 torch.nn.Unflatten(1, (3, 1)), torch.nn.GELU(),
                                 torch.nn.Softplus(), torch.nn.MSELoss())
    assert repr(ours) == repr(theirs)


def test_to_dtype_keeps_parameter_identity():
    m = Net()
    w = m.a.fc.weight
    w.grad = pdg.ones(4, 3)
    m.to(pdg.float64)
    assert m.a.fc.weight is w and w.dtype is pdg.float64 and w.requires_grad
    assert w.grad.dtype is pdg.float64
    assert m.a.count.dtype is pdg.int64  # integer buffers untouched
    m.float()
    assert w.dtype is pdg.float32
    with pytest.raises(TypeError, match="floating point"):
        m.to(pdg.int64)


def test_apply_train_eval_requires_grad_zero_grad():
    m = Net()
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen == ["Linear", "Block", "Linear", "Block", "Linear", "ReLU", "Sequential", "Net"]
    m.eval()
    assert all(not x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    m.requires_grad_()
    for p in m.parameters():
        p.grad = pdg.ones(*p.shape)
    m.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_sequential_modulelist_moduledict():
    s = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())
    assert len(s) == 3 and isinstance(s[-1], nn.Sigmoid) and isinstance(s[1:], nn.Sequential)
    assert len(s[1:]) == 2
    with pytest.raises(IndexError):
        s[3]
    s.append(nn.Identity())
    assert len(s) == 4
    od = nn.Sequential(OrderedDict([("first", nn.ReLU()), ("second", nn.Tanh())]))
    assert [n for n, _ in od.named_children()] == ["first", "second"]
    with pytest.raises(TypeError):
        nn.Sequential(nn.ReLU(), 3)
    ml = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    ml.append(nn.Linear(1, 2))
    assert len(ml) == 4 and len(list(ml.parameters())) == 8 and ml[-1].out_features == 2
    ml.insert(0, nn.Identity())
    assert isinstance(ml[0], nn.Identity) and len(ml) == 5
    md = nn.ModuleDict({"x": nn.Linear(1, 1), "y": nn.ReLU()})
    assert "x" in md and list(md.keys()) == ["x", "y"] and len(md) == 2
    assert [n for n, _ in md.named_parameters()] == ["x.weight", "x.bias"]


def test_linear_default_init_matches_pytorch_rule():
    pdg.manual_seed(0)
    fan_in = 256
    m = nn.Linear(fan_in, 512)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) == U(+-1/sqrt(fan_in))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert np.abs(b).max() <= bound and b.std() > 0.4 * bound
    assert nn.Linear(3, 2, bias=False).bias is None
    assert nn.Linear(3, 2, dtype=pdg.float64).weight.dtype is pdg.float64
    pdg.manual_seed(0)
    np.testing.assert_array_equal(nn.Linear(fan_in, 512).weight.detach().numpy(), w)


def _need(name):
    if not hasattr(F, name):
        pytest.skip(f"F.{name} has not landed on this branch yet")


def test_linear_forward_backward():
    _need("linear")
    m = nn.Linear(5, 3, dtype=pdg.float64)
    x = np.random.default_rng(0).standard_normal((7, 5))
    y = m(pdg.tensor(x))
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    np.testing.assert_allclose(y.detach().numpy(), x @ w.T + b, rtol=1e-12)
    y.sum().backward()
    np.testing.assert_allclose(m.bias.grad.numpy(), np.full(3, 7.0))


ACTS = [
    (lambda: nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x)), "sigmoid"),
    (lambda: nn.Tanh(), np.tanh, "tanh"),
    (lambda: nn.ReLU(), lambda x: np.maximum(x, 0), "relu"),
    (lambda: nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x), "leaky_relu"),
    (lambda: nn.ELU(0.7), lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1)), "elu"),
    (lambda: nn.SELU(), lambda x: 1.0507009873554805 * np.where(
        x > 0, x, 1.6732632423543772 * (np.exp(x) - 1)), "selu"),
    (lambda: nn.SiLU(), lambda x: x / (1 + np.exp(-x)), "silu"),
    (lambda: nn.Softplus(2.0), lambda x: np.log1p(np.exp(2 * x)) / 2, "softplus"),
    (lambda: nn.Step(0.5), lambda x: (x >= 0.5).astype(np.float64), "step"),
    (lambda: nn.Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True), "softmax"),
    (lambda: nn.LogSoftmax(dim=1),
     lambda x: x - np.log(np.exp(x).sum(1, keepdims=True)), "log_softmax"),
]


@pytest.mark.parametrize("make,ref,fname", ACTS, ids=[a[2] for a in ACTS])
def test_activation_modules(make, ref, fname):
    _need(fname)
    x = np.random.default_rng(1).standard_normal((4, 6))
    y = make()(pdg.tensor(x))
    np.testing.assert_allclose(y.numpy(force=True), ref(x), rtol=1e-6, atol=1e-7)


def test_gelu_and_softmax_args():
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")
    with pytest.raises(ValueError, match="dim"):
        nn.Softmax()


def test_loss_modules():
    _need("mse_loss")
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    ta, tb = pdg.tensor(a), pdg.tensor(b)
    np.testing.assert_allclose(float(nn.MSELoss()(ta, tb)), ((a - b) ** 2).mean(), rtol=1e-6)
    np.testing.assert_allclose(float(nn.L1Loss(reduction="sum")(ta, tb)), np.abs(a - b).sum(),
                               rtol=1e-6)
    p = 1 / (1 + np.exp(-a))
    t = (b > 0).astype(np.float64)
    bce = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    np.testing.assert_allclose(float(nn.BCELoss()(pdg.tensor(p), pdg.tensor(t))), bce.mean(),
                               rtol=1e-5)
    np.testing.assert_allclose(float(nn.BCEWithLogitsLoss()(ta, pdg.tensor(t))), bce.mean(),
                               rtol=1e-5)
    labels = np.array([0, 2, 1, 2, 0])
    logp = a - np.log(np.exp(a).sum(1, keepdims=True))
    ce = -logp[np.arange(5), labels]
    np.testing.assert_allclose(float(nn.CrossEntropyLoss()(ta, pdg.tensor(labels))), ce.mean(),
                               rtol=1e-5)
    np.testing.assert_allclose(
        nn.NLLLoss(reduction="none")(pdg.tensor(logp), pdg.tensor(labels)).numpy(), ce, rtol=1e-5)


def test_loss_reduction_checked():
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")


def test_flatten_unflatten_identity():
    x = pdg.arange(24, dtype=pdg.float32).reshape(2, 3, 4)
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert nn.Unflatten(1, (3, 1))(pdg.ones(2, 3)).shape == (2, 3, 1)
    assert nn.Identity(54, unused="x")(x) is x


def test_bilinear_vs_numpy():
    m = nn.Bilinear(3, 4, 2, dtype=pdg.float64)
    rng = np.random.default_rng(3)
    x1, x2 = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    y = m(pdg.tensor(x1), pdg.tensor(x2))
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    np.testing.assert_allclose(y.detach().numpy(), np.einsum("bi,oij,bj->bo", x1, w, x2) + b,
                               rtol=1e-10)
    with pytest.raises(ValueError, match=r"Bilinear: expected inputs \(B, 3\) and \(B, 4\)"):
        m(pdg.tensor(x2), pdg.tensor(x1))


def _params_with_grads(seed):
    rng = np.random.default_rng(seed)
    ps = [pdg.zeros(3, 4, requires_grad=True), pdg.zeros(5, requires_grad=True),
          pdg.zeros(2, requires_grad=True)]
    gs = [rng.standard_normal(p.shape) * 3 for p in ps]
    for p, g in zip(ps[:2], gs):
        p.grad = pdg.tensor(g.astype(np.float32))
    return ps, gs[:2]


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_clip_grad_norm(norm_type):
    ps, gs = _params_with_grads(4)
    flat = np.concatenate([g.ravel() for g in gs])
    total = np.linalg.norm(flat, ord=norm_type)
    got = clip_grad_norm_(ps, 1.0, norm_type)
    assert float(got) == pytest.approx(total, rel=1e-5)
    clipped = np.concatenate([p.grad.numpy().ravel() for p in ps[:2]])
    assert np.linalg.norm(clipped, ord=norm_type) == pytest.approx(1.0, rel=1e-4)
    assert ps[2].grad is None
    # no-op when under the limit
    before = ps[0].grad.numpy().copy()
    clip_grad_norm_(ps, 100.0, norm_type)
    np.testing.assert_array_equal(ps[0].grad.numpy(), before)


def test_clip_grad_norm_nonfinite_and_value():
    ps, _ = _params_with_grads(5)
    ps[0].grad.numpy()[0, 0] = np.inf
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    ps, gs = _params_with_grads(6)
    clip_grad_value_(ps, 0.5)
    np.testing.assert_allclose(ps[0].grad.numpy(), np.clip(gs[0], -0.5, 0.5), rtol=1e-6)
    with pytest.raises(ValueError):
        clip_grad_value_(ps, -1)


def test_parameters_vector_roundtrip():
    m = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    v = parameters_to_vector(m.parameters())
    assert v.shape == (3 * 2 + 2 + 2 + 1,)
    vector_to_parameters(pdg.arange(11, dtype=pdg.float32), m.parameters())
    assert m[0].weight.detach().numpy().ravel().tolist() == [0, 1, 2, 3, 4, 5]
    assert m[1].bias.detach().numpy().tolist() == [10]
    with pytest.raises(ValueError, match="has 5 elements, the parameters have 11"):
        vector_to_parameters(pdg.zeros(5), m.parameters())


def test_state_dict_order_matches_torch():
    torch = pytest.importorskip("torch")

    class TB(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(3, 4)
            self.scale = torch.nn.Parameter(torch.ones(4))
            self.register_buffer("count", torch.zeros(1, dtype=torch.int64))
            self.register_buffer("tmp", torch.zeros(2), persistent=False)

    class TN(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = TB()
            self.b = TB()
            self.shared = self.a
            self.head = torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.ReLU())

    t, m = TN(), Net()
    assert list(m.state_dict()) == list(t.state_dict())
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in m.named_modules()] == [n for n, _ in t.named_modules()]
