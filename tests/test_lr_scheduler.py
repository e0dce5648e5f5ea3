"""Learning-rate schedulers vs closed forms and vs torch.optim.lr_scheduler."""

import math

import numpy as np
import pytest

import pydeepgen as pdg
import pydeepgen.optim as optim
from pydeepgen.optim import lr_scheduler as S

EPOCHS = 25


def _opt(lr=0.1, groups=1):
    ps = [{"params": [pdg.ones(2, requires_grad=True)], "lr": lr * (i + 1)} for i in range(groups)]
    return optim.SGD(ps, lr=lr)


def _lrs(opt, sched, epochs=EPOCHS, metrics=None):
    out = []
    for e in range(epochs):
        out.append([g["lr"] for g in opt.param_groups])
        opt.step()
        sched.step() if metrics is None else sched.step(metrics[e])
    return np.array(out)


SCHEDULES = [
    ("StepLR", dict(step_size=4, gamma=0.5), lambda b, t: b * 0.5 ** (t // 4)),
    ("MultiStepLR", dict(milestones=[3, 10, 11], gamma=0.3),
     lambda b, t: b * 0.3 ** sum(t >= m for m in (3, 10, 11))),
    ("ExponentialLR", dict(gamma=0.9), lambda b, t: b * 0.9**t),
    ("CosineAnnealingLR", dict(T_max=10, eta_min=0.001),
     lambda b, t: 0.001 + (b - 0.001) * (1 + math.cos(math.pi * t / 10)) / 2),
    ("LinearLR", dict(start_factor=0.25, end_factor=1.0, total_iters=8),
     lambda b, t: b * (0.25 + 0.75 * min(t, 8) / 8)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1 / (1 + e)), lambda b, t: b / (1 + t)),
]


@pytest.mark.parametrize("name,kw,formula", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_closed_form(name, kw, formula):
    opt = _opt(0.1, groups=2)
    got = _lrs(opt, getattr(S, name)(opt, **kw))
    for t in range(EPOCHS):
        np.testing.assert_allclose(got[t], [formula(0.1, t), formula(0.2, t)], rtol=1e-12)


@pytest.mark.parametrize("name,kw,formula", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_matches_torch(name, kw, formula):
    torch = pytest.importorskip("torch")
    opt = _opt(0.1)
    got = _lrs(opt, getattr(S, name)(opt, **kw))
    tp = torch.nn.Parameter(torch.ones(2))
    topt = torch.optim.SGD([tp], lr=0.1)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    want = []
    for _ in range(EPOCHS):
        want.append([g["lr"] for g in topt.param_groups])
        topt.step()
        tsched.step()
    np.testing.assert_allclose(got, np.array(want), rtol=1e-9, atol=1e-12)


METRICS = [1.0, 0.9, 0.95, 0.95, 0.96, 0.97, 0.8, 0.8, 0.81, 0.82, 0.83, 0.84, 0.85, 0.86,
           0.86, 0.87, 0.9, 0.5, 0.5, 0.5, 0.51, 0.52, 0.53, 0.54, 0.55]


@pytest.mark.parametrize("kw", [dict(patience=2), dict(patience=1, cooldown=2, factor=0.5),
                                dict(mode="max", patience=2, threshold_mode="abs", threshold=0.01),
                                dict(patience=0, min_lr=0.02)])
def test_reduce_on_plateau_matches_torch(kw):
    torch = pytest.importorskip("torch")
    opt = _opt(0.1)
    got = _lrs(opt, S.ReduceLROnPlateau(opt, **kw), metrics=METRICS)
    tp = torch.nn.Parameter(torch.ones(2))
    topt = torch.optim.SGD([tp], lr=0.1)
    ts = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw)
    want = []
    for m in METRICS:
        want.append([topt.param_groups[0]["lr"]])
        ts.step(m)
    np.testing.assert_allclose(got, np.array(want), rtol=1e-12)


def test_reduce_on_plateau_by_hand():
    opt = _opt(1.0)
    s = S.ReduceLROnPlateau(opt, patience=1, factor=0.5)
    for m in [1.0, 1.0, 1.0]:  # best, bad 1, bad 2 > patience -> reduce
        s.step(m)
    assert s.get_last_lr() == [0.5]


def test_state_dict_resume():
    opt = _opt(0.1)
    s = S.StepLR(opt, step_size=3, gamma=0.5)
    for _ in range(5):
        opt.step()
        s.step()
    sd = s.state_dict()
    assert "optimizer" not in sd
    opt2 = _opt(0.1)
    s2 = S.StepLR(opt2, step_size=3, gamma=0.5)
    s2.load_state_dict(sd)
    for _ in range(4):
        s.step()
        s2.step()
    assert s.get_last_lr() == s2.get_last_lr()
    assert s2.last_epoch == 9


def test_errors():
    opt = _opt()
    with pytest.raises(ValueError):
        S.StepLR(opt, step_size=0)
    with pytest.raises(ValueError):
        S.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError):
        S.LambdaLR(opt, [lambda e: 1.0, lambda e: 1.0])
    with pytest.raises(TypeError):
        S.StepLR(object(), step_size=1)
    with pytest.raises(KeyError, match="initial_lr"):
        S.ExponentialLR(_opt(), gamma=0.9, last_epoch=3)
