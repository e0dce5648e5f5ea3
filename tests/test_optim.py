"""Optimizers: trajectories vs NumPy float64 reference formulas and vs torch.optim, the
kernel rungs against the reference rung, param groups, state dicts and bad input."""

import json

import numpy as np
import pytest

import pydeepgen as pdg
import pydeepgen.optim as optim

SHAPES = [(3, 4), (5,), (1,), (2, 1, 3)]
STEPS = 20


def _problem(seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(STEPS)]
    return init, grads


def _run_pdg(cls, kw, init, grads, dtype=pdg.float64):
    params = [pdg.tensor(a, dtype=dtype, requires_grad=True) for a in init]
    opt = cls(params, **kw)
    for gs in grads:
        for p, g in zip(params, gs):
            p.grad = pdg.tensor(g, dtype=dtype)
        opt.step()
    return [p.detach().numpy().astype(np.float64) for p in params]


# -- NumPy float64 references, written from the published update rules -----------------
def ref_sgd(p, gs, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
            maximize=False):
    p = p.copy()
    buf = None
    for g in gs:
        g = -g if maximize else g
        d = g + weight_decay * p
        if momentum:
            buf = d.copy() if buf is None else momentum * buf + (1 - dampening) * d
            d = d + momentum * buf if nesterov else buf
        p = p - lr * d
    return p


def ref_adam(p, gs, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
             maximize=False, decoupled=False):
    p = p.copy()
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    vmax = np.zeros_like(p)
    b1, b2 = betas
    for t, g in enumerate(gs, 1):
        g = -g if maximize else g
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat_scale = 1 / (1 - b1**t)
        vv = np.maximum(vmax, v) if amsgrad else v
        vmax = vv
        denom = np.sqrt(vv) / np.sqrt(1 - b2**t) + eps
        p = p - lr * mhat_scale * m / denom
    return p


def ref_rmsprop(p, gs, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False,
                maximize=False):
    p = p.copy()
    s = np.zeros_like(p)
    a = np.zeros_like(p)
    b = np.zeros_like(p)
    for g in gs:
        g = (-g if maximize else g) + weight_decay * p
        s = alpha * s + (1 - alpha) * g * g
        var = s
        if centered:
            a = alpha * a + (1 - alpha) * g
            var = s - a * a
        avg = np.sqrt(var) + eps
        if momentum > 0:
            b = momentum * b + g / avg
            p = p - lr * b
        else:
            p = p - lr * g / avg
    return p


def ref_adagrad(p, gs, lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                eps=1e-10, maximize=False):
    p = p.copy()
    s = np.full_like(p, initial_accumulator_value)
    for t, g in enumerate(gs, 1):
        g = (-g if maximize else g) + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        p = p - clr * g / (np.sqrt(s) + eps)
    return p


CASES = [
    (optim.SGD, ref_sgd, dict(lr=0.1)),
    (optim.SGD, ref_sgd, dict(lr=0.05, momentum=0.9)),
    (optim.SGD, ref_sgd, dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    (optim.SGD, ref_sgd, dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    (optim.SGD, ref_sgd, dict(lr=0.05, momentum=0.5, maximize=True)),
    (optim.Adam, ref_adam, dict(lr=0.01)),
    (optim.Adam, ref_adam, dict(lr=0.05, betas=(0.5, 0.9), weight_decay=0.1)),
    (optim.Adam, ref_adam, dict(lr=0.05, amsgrad=True, eps=1e-6)),
    (optim.Adam, ref_adam, dict(lr=0.05, amsgrad=True, weight_decay=0.01, maximize=True)),
    (optim.AdamW, lambda p, gs, **kw: ref_adam(p, gs, decoupled=True, **kw),
     dict(lr=0.05, weight_decay=0.01)),
    (optim.AdamW, lambda p, gs, **kw: ref_adam(p, gs, decoupled=True, **kw),
     dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
    (optim.RMSprop, ref_rmsprop, dict(lr=0.01)),
    (optim.RMSprop, ref_rmsprop, dict(lr=0.01, momentum=0.9, weight_decay=0.01)),
    (optim.RMSprop, ref_rmsprop, dict(lr=0.01, centered=True, alpha=0.9)),
    (optim.RMSprop, ref_rmsprop, dict(lr=0.01, centered=True, momentum=0.5, maximize=True)),
    (optim.Adagrad, ref_adagrad, dict(lr=0.1)),
    (optim.Adagrad, ref_adagrad, dict(lr=0.1, lr_decay=0.05, weight_decay=0.01,
                                      initial_accumulator_value=0.1)),
    (optim.Adagrad, ref_adagrad, dict(lr=0.1, eps=1e-6, maximize=True)),
]
IDS = [f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(CASES)]


@pytest.mark.parametrize("cls,ref,kw", CASES, ids=IDS)
def test_trajectory_vs_numpy_reference(cls, ref, kw):
    init, grads = _problem(1)
    got = _run_pdg(cls, kw, init, grads)
    for i, (p0, out) in enumerate(zip(init, got)):
        want = ref(p0, [g[i] for g in grads], **kw)
        np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cls,ref,kw", CASES, ids=IDS)
def test_float32_close_to_float64(cls, ref, kw):
    init, grads = _problem(2)
    got = _run_pdg(cls, kw, init, grads, dtype=pdg.float32)
    for i, (p0, out) in enumerate(zip(init, got)):
        want = ref(p0, [g[i] for g in grads], **kw)
        np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("cls,ref,kw", CASES, ids=IDS)
def test_matches_torch(cls, ref, kw, dtype):
    torch = pytest.importorskip("torch")
    init, grads = _problem(3, np.dtype(dtype))
    got = _run_pdg(cls, kw, init, grads, dtype=getattr(pdg, dtype))
    tparams = [torch.tensor(a, requires_grad=True) for a in init]
    topt = getattr(torch.optim, cls.__name__)(tparams, foreach=False, **kw)
    for gs in grads:
        for p, g in zip(tparams, gs):
            p.grad = torch.tensor(g)
        topt.step()
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=1e-4, atol=1e-5)
    for out, tp in zip(got, tparams):
        np.testing.assert_allclose(out, tp.detach().numpy(), **tol)


@pytest.mark.parametrize("variant", optim.kernel_variants())
@pytest.mark.parametrize("cls,ref,kw", [CASES[3], CASES[8], CASES[10], CASES[14], CASES[17]],
                         ids=["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_kernel_variants_agree(variant, cls, ref, kw):
    # 200003 elements: several thread chunks and a ragged SIMD tail.
    rng = np.random.default_rng(4)
    n = 200_003
    init = rng.standard_normal(n).astype(np.float32)
    grads = [rng.standard_normal(n).astype(np.float32) for _ in range(3)]

    def run(v):
        optim.set_kernel_variant(v)
        try:
            p = pdg.tensor(init, requires_grad=True)
            o = cls([p], **kw)
            for g in grads:
                p.grad = pdg.tensor(g)
                o.step()
            return p.detach().numpy().copy()
        finally:
            optim.set_kernel_variant("auto")

    np.testing.assert_allclose(run(variant), run("01_reference"), rtol=1e-5, atol=1e-6)


def test_kernel_variant_errors():
    with pytest.raises(ValueError, match="unknown kernel variant"):
        optim.set_kernel_variant("99_magic")
    assert optim.get_kernel_variant() in optim.kernel_variants()


def test_param_groups_use_their_own_lr():
    a = pdg.ones(3, requires_grad=True)
    b = pdg.ones(3, requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad = pdg.ones(3)
    b.grad = pdg.ones(3)
    opt.step()
    np.testing.assert_allclose(a.detach().numpy(), 0.9)
    np.testing.assert_allclose(b.detach().numpy(), 0.5)
    assert opt.param_groups[1]["momentum"] == 0.0  # defaults filled in
    c = pdg.ones(2, requires_grad=True)
    opt.add_param_group({"params": c, "lr": 1.0})
    assert len(opt.param_groups) == 3
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_params_without_grad_are_skipped_and_zero_grad():
    a = pdg.ones(2, requires_grad=True)
    b = pdg.ones(2, requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = pdg.ones(2)
    opt.step()
    assert b.detach().numpy().tolist() == [1.0, 1.0]
    assert b not in opt.state and opt.state[a]["step"] == 1
    opt.zero_grad(set_to_none=False)
    assert a.grad.numpy().tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert a.grad is None


def test_step_bumps_version_and_minimizes_quadratic():
    target = pdg.tensor([1.0, -2.0, 3.0])
    p = pdg.zeros(3, requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    v0 = p._version
    for _ in range(300):
        opt.zero_grad()
        loss = ((p - target) * (p - target)).sum()
        loss.backward()
        opt.step()
    assert p._version > v0
    np.testing.assert_allclose(p.detach().numpy(), [1, -2, 3], atol=1e-2)


def test_closure_is_called():
    p = pdg.ones(2, requires_grad=True)
    opt = optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert float(loss) == 2.0
    np.testing.assert_allclose(p.detach().numpy(), 0.8)


@pytest.mark.parametrize("cls,kw", [(optim.SGD, dict(lr=0.1, momentum=0.9)),
                                    (optim.Adam, dict(lr=0.1, amsgrad=True)),
                                    (optim.RMSprop, dict(lr=0.1, centered=True, momentum=0.5)),
                                    (optim.Adagrad, dict(lr=0.1))])
def test_state_dict_roundtrip_continues_identically(cls, kw):
    init, grads = _problem(5)
    make = lambda: [pdg.tensor(a, requires_grad=True) for a in init]  # noqa: E731
    pa, pb = make(), make()
    oa, ob = cls(pa, **kw), cls(pb, **kw)
    for gs in grads[:10]:
        for p, g in zip(pa, gs):
            p.grad = pdg.tensor(g)
        oa.step()
    sd = oa.state_dict()
    json.dumps(sd["param_groups"])  # hyper-parameters are JSON-serialisable
    for p, q in zip(pa, pb):
        with pdg.no_grad():
            q.copy_(p)
    ob.load_state_dict(sd)
    for gs in grads[10:]:
        for opt_params, o in ((pa, oa), (pb, ob)):
            for p, g in zip(opt_params, gs):
                p.grad = pdg.tensor(g)
            o.step()
    for p, q in zip(pa, pb):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    # state tensors are copies, not shared with the source optimizer
    k = next(iter(sd["state"][0]))
    if isinstance(sd["state"][0][k], pdg.Tensor):
        assert sd["state"][0][k]._buf.data_ptr != oa.state[pa[0]][k]._buf.data_ptr


def test_load_state_dict_mismatch_errors():
    a = pdg.ones(2, requires_grad=True)
    b = pdg.ones(3, requires_grad=True)
    o1 = optim.SGD([a, b], lr=0.1)
    o2 = optim.SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="group 0 has 2 parameters"):
        o2.load_state_dict(o1.state_dict())
    o3 = optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    with pytest.raises(ValueError, match="2 parameter groups"):
        o2.load_state_dict(o3.state_dict())


@pytest.mark.parametrize("make", [
    lambda p: optim.SGD(p, lr=-1.0),
    lambda p: optim.SGD(p, lr=0.1, momentum=-0.1),
    lambda p: optim.SGD(p, lr=0.1, nesterov=True),
    lambda p: optim.Adam(p, betas=(1.0, 0.9)),
    lambda p: optim.Adam(p, eps=-1),
    lambda p: optim.AdamW(p, weight_decay=-1),
    lambda p: optim.RMSprop(p, alpha=-0.5),
    lambda p: optim.Adagrad(p, lr_decay=-1),
])
def test_invalid_hyperparameters(make):
    with pytest.raises(ValueError):
        make([pdg.ones(2, requires_grad=True)])


def test_bad_params_and_grads():
    with pytest.raises(TypeError, match="iterable"):
        optim.SGD(pdg.ones(2, requires_grad=True), lr=0.1)
    with pytest.raises(ValueError, match="empty"):
        optim.Adam([])
    with pytest.raises(TypeError, match="float32 or float64"):
        optim.Adam([pdg.ones(2, dtype=pdg.int64)])
    p = pdg.ones(3, requires_grad=True)
    o = optim.Adam([p])
    # a wrong .grad is refused where it is assigned ...
    with pytest.raises(RuntimeError, match="dtype float64 but the tensor has dtype float32"):
        p.grad = pdg.ones(3, dtype=pdg.float64)
    with pytest.raises(RuntimeError, match=r"shape \(4,\) but the tensor has shape \(3,\)"):
        p.grad = pdg.ones(4)
    # ... and the optimizer still checks what it is given (e.g. a grad set behind the setter)
    p._grad = pdg.ones(3, dtype=pdg.float64)
    with pytest.raises(TypeError, match="gradient dtype"):
        o.step()
    p._grad = pdg.ones(4)
    with pytest.raises(ValueError, match=r"gradient shape \(4,\)"):
        o.step()


def test_kernel_checks_buffer_sizes():
    p, g, m = pdg.ones(4), pdg.ones(4), pdg.zeros(3)
    with pytest.raises(ValueError, match="adam_step: exp_avg has 3 elements"):
        pdg._C.adam_step(p._kbuf(), g._kbuf(), m._kbuf(), pdg.zeros(4)._kbuf(), None, 0.1, 0.9,
                         0.99, 1e-8, 0.0, 1, False, False, False)
    with pytest.raises(ValueError, match="step must be >= 1"):
        pdg._C.adagrad_step(p._kbuf(), g._kbuf(), pdg.zeros(4)._kbuf(), 0.1, 0.0, 0.0, 1e-10, 0,
                            False)
    with pytest.raises(TypeError, match="grad has dtype float64"):
        pdg._C.sgd_step(p._kbuf(), pdg.ones(4, dtype=pdg.float64)._kbuf(), None, 0.1, 0.0, 0.0,
                        0.0, False, False, False)


def test_noncontiguous_grad_is_accepted():
    p = pdg.zeros(2, 3, requires_grad=True)
    o = optim.SGD([p], lr=1.0)
    p.grad = pdg.arange(6, dtype=pdg.float32).reshape(3, 2).t()
    o.step()
    np.testing.assert_array_equal(p.detach().numpy(), -np.arange(6).reshape(3, 2).T)
