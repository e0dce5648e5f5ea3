"""Invalid calls to nn.functional, nn layers / Module / init, optim and lr_scheduler raise a
Python exception of a sensible type whose message names the op or layer (found by the fuzz
suite, tests/test_fuzz_bad_input.py); valid calls next to them still work."""

import pytest

import pydeepgen as pdg
import pydeepgen.nn.functional as F
from pydeepgen import nn, optim


def _x4():
    return pdg.randn(1, 1, 4, 4)


def _sgd(*params):
    return optim.SGD(list(params) or [pdg.randn(2, requires_grad=True)], lr=0.1)


# -- nn.functional and the ops nn uses --------------------------------------------------------
FUNCTIONAL = [
    ("dropout_p_str", lambda: F.dropout(pdg.randn(3), p="a"), TypeError, r"^dropout: p must be a real"),
    ("Dropout_p_str", lambda: nn.Dropout("a"), TypeError, r"^Dropout: p must be a real"),
    ("Dropout2d_p_None", lambda: nn.Dropout2d(None), TypeError, r"^Dropout2d: p must be a real"),
    ("Dropout_p_range", lambda: nn.Dropout(1.5), ValueError, r"^Dropout: dropout probability"),
    ("pad_value_str", lambda: F.pad(pdg.randn(2, 3), (1, 1), value="a"), TypeError,
     r"^pad: value must be a real"),
    ("pad_float_amount", lambda: F.pad(pdg.randn(2, 3), (1.5, 1)), TypeError, r"^pad: pad must be an int"),
    ("pad_not_a_sequence", lambda: F.pad(pdg.randn(2, 3), 1), TypeError, r"^pad: pad must be a tuple"),
    ("batch_norm_momentum_str",
     lambda: F.batch_norm(pdg.randn(2, 3), pdg.zeros(3), pdg.ones(3), training=True, momentum="a"),
     TypeError, r"^batch_norm: momentum must be a real"),
    ("batch_norm_eps_str", lambda: F.batch_norm(pdg.randn(2, 3), None, None, training=True, eps="a"),
     TypeError, r"^batch_norm: eps must be a real"),
    ("layer_norm_float_shape", lambda: F.layer_norm(pdg.randn(2, 3), 3.5), TypeError,
     r"^layer_norm: normalized_shape must be an int or a sequence of ints"),
    ("layer_norm_float_in_shape", lambda: F.layer_norm(pdg.randn(2, 3), (3.0,)), TypeError,
     r"^layer_norm: normalized_shape must be an int"),
    ("layer_norm_eps_str", lambda: F.layer_norm(pdg.randn(2, 3), 3, eps="a"), TypeError,
     r"^layer_norm: eps must be a real"),
    ("group_norm_eps_str", lambda: F.group_norm(pdg.randn(2, 4), 2, eps="a"), TypeError,
     r"^group_norm: eps must be a real"),
    ("interpolate_scale_str", lambda: F.interpolate(pdg.randn(1, 1, 3, 3), scale_factor="a"),
     TypeError, r"^interpolate: scale_factor must be a real"),
    ("interpolate_scale_3", lambda: F.interpolate(pdg.randn(1, 1, 3, 3), scale_factor=(2, 2, 2)),
     ValueError, r"^interpolate: scale_factor must be one value or a pair"),
    ("interpolate_size_3", lambda: F.interpolate(pdg.randn(1, 1, 3, 3), size=(2, 2, 2)),
     ValueError, r"^interpolate: size must be one value or a pair"),
    ("interpolate_size_huge", lambda: F.interpolate(pdg.randn(1, 1, 3, 3), size=2**62),
     OverflowError, r"^interpolate\(\): size .* more elements than int64"),
    ("MaxPool2d_stride_zero", lambda: nn.MaxPool2d(2, stride=0)(_x4()), ValueError,
     r"^max_pool2d: .*stride \(0, 0\).* must be positive"),
    ("AvgPool2d_stride_zero", lambda: nn.AvgPool2d(2, stride=0)(_x4()), ValueError,
     r"^avg_pool2d: .*stride \(0, 0\).* must be positive"),
]


@pytest.mark.parametrize("name,call,exc,match", FUNCTIONAL, ids=[c[0] for c in FUNCTIONAL])
def test_functional_bad_args(name, call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_functional_valid_calls_still_work():
    assert nn.MaxPool2d(2).stride == 2
    assert nn.MaxPool2d(2, stride=None).stride == 2
    assert nn.AvgPool2d(3, stride=None).stride == 3
    assert nn.MaxPool2d(2, stride=1).stride == 1
    assert nn.MaxPool2d(2)(_x4()).shape == (1, 1, 2, 2)
    assert nn.AvgPool2d(2, stride=None)(_x4()).shape == (1, 1, 2, 2)
    assert nn.MaxPool2d(2, stride=1)(_x4()).shape == (1, 1, 3, 3)
    assert F.dropout(pdg.randn(3), p=0).shape == (3,)
    assert nn.Dropout(0.25).p == 0.25
    assert F.pad(pdg.randn(2, 3), (1, -1), value=2).shape == (2, 3)
    assert F.pad(pdg.randn(2, 3), [1, 2, 0, 1]).shape == (3, 6)
    assert F.batch_norm(pdg.randn(4, 3), pdg.zeros(3), pdg.ones(3), training=True,
                        momentum=None).shape == (4, 3)
    assert F.layer_norm(pdg.randn(2, 3), 3).shape == (2, 3)
    assert F.layer_norm(pdg.randn(2, 3), [2, 3]).shape == (2, 3)
    assert F.layer_norm(pdg.randn(2, 3), pdg.randn(2, 3).shape).shape == (2, 3)
    x = pdg.randn(1, 1, 3, 3)
    assert F.interpolate(x, size=(2, 4)).shape == (1, 1, 2, 4)
    assert F.interpolate(x, size=[6, 6]).shape == (1, 1, 6, 6)
    assert F.interpolate(x, scale_factor=2).shape == (1, 1, 6, 6)
    assert F.interpolate(x, scale_factor=(2, 1.5)).shape == (1, 1, 6, 4)


# -- nn layers, Module, init ------------------------------------------------------------------
LAYERS = [
    ("LayerNorm_float", lambda: nn.LayerNorm(2.5), TypeError,
     r"^LayerNorm: normalized_shape must be an int or a sequence of ints, got float"),
    ("LayerNorm_None", lambda: nn.LayerNorm(None), TypeError,
     r"^LayerNorm: normalized_shape must be an int or a sequence of ints, got NoneType"),
    ("LayerNorm_str", lambda: nn.LayerNorm("3"), TypeError, r"^LayerNorm: normalized_shape"),
    ("LayerNorm_huge", lambda: nn.LayerNorm(2**62), MemoryError,
     r"^LayerNorm: cannot create a parameter of shape"),
    ("BatchNorm2d_huge", lambda: nn.BatchNorm2d(2**62), MemoryError,
     r"^BatchNorm2d: cannot create a parameter of shape"),
    ("BatchNorm1d_huge_buffer", lambda: nn.BatchNorm1d(2**62, affine=False), MemoryError,
     r"^BatchNorm1d: cannot create a buffer of shape"),
    ("GroupNorm_huge", lambda: nn.GroupNorm(1, 2**62), MemoryError,
     r"^GroupNorm: cannot create a parameter of shape"),
    ("module_to_bad_cuda_index", lambda: nn.Linear(3, 4).to("cuda:x"), ValueError,
     r"^Module.to: invalid device string 'cuda:x'"),
    ("module_to_negative_index", lambda: nn.Linear(3, 4).to("cuda:-1"), ValueError,
     r"^Module.to: invalid device string"),
    ("module_to_not_a_device", lambda: nn.Linear(3, 4).to([1]), TypeError,
     r"^Module.to: expected a device"),
    ("register_buffer_dotted", lambda: nn.Module().register_buffer("a.b", pdg.randn(2)), KeyError,
     r"^register_buffer: buffer name can't contain \"\.\""),
    ("register_buffer_empty", lambda: nn.Module().register_buffer("", pdg.randn(2)), KeyError,
     r"^register_buffer: buffer name can't be empty"),
    ("register_buffer_int", lambda: nn.Module().register_buffer(1, pdg.randn(2)), TypeError,
     r"^register_buffer: buffer name should be a string"),
    ("register_parameter_dotted",
     lambda: nn.Module().register_parameter("a.b", nn.Parameter(pdg.randn(2))), KeyError,
     r"^register_parameter: parameter name can't contain"),
    ("register_parameter_empty", lambda: nn.Module().register_parameter("", None), KeyError,
     r"^register_parameter: parameter name can't be empty"),
    ("register_parameter_int", lambda: nn.Module().register_parameter(1, None), TypeError,
     r"^register_parameter: parameter name should be a string"),
    ("add_module_dotted", lambda: nn.Module().add_module("a.b", nn.Linear(1, 1)), KeyError,
     r"^add_module: module name can't contain"),
    ("add_module_empty", lambda: nn.Module().add_module("", None), KeyError,
     r"^add_module: module name can't be empty"),
    ("add_module_int", lambda: nn.Module().add_module(1, None), TypeError,
     r"^add_module: module name should be a string"),
    ("init_kaiming_uniform_1d", lambda: nn.init.kaiming_uniform_(pdg.randn(2)), ValueError,
     r"^kaiming_uniform_: fan in and fan out can not be computed"),
    ("init_kaiming_normal_bad_mode", lambda: nn.init.kaiming_normal_(pdg.randn(2, 3), mode="bogus"),
     ValueError, r"^kaiming_normal_: mode 'bogus' not supported"),
    ("init_xavier_uniform_1d", lambda: nn.init.xavier_uniform_(pdg.randn(2)), ValueError,
     r"^xavier_uniform_: fan in and fan out"),
    ("init_constant_str", lambda: nn.init.constant_(pdg.randn(2), "a"), TypeError,
     r"^constant_: val must be a real number"),
]


@pytest.mark.parametrize("name,call,exc,match", LAYERS, ids=[c[0] for c in LAYERS])
def test_layers_module_init_bad_args(name, call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_name_errors_are_key_and_value_errors():
    # PyTorch raises KeyError for a bad buffer name; a ValueError too, as other bad values.
    with pytest.raises(KeyError) as info:
        nn.Module().register_buffer("a.b", pdg.randn(2))
    assert isinstance(info.value, ValueError)
    assert str(info.value).startswith("register_buffer: ")  # not quoted as a KeyError's is


def test_layers_module_init_valid_calls_still_work():
    ln = nn.LayerNorm([2, 3])
    assert ln.weight.shape == (2, 3) and ln.weight.requires_grad and ln.weight.is_leaf
    assert float(ln.weight.sum().item()) == 6.0 and float(ln.bias.abs().sum().item()) == 0.0
    assert ln(pdg.randn(4, 2, 3)).shape == (4, 2, 3)
    assert nn.LayerNorm(3).normalized_shape == (3,)
    assert nn.LayerNorm(pdg.randn(2, 3).shape).normalized_shape == (2, 3)
    bn = nn.BatchNorm2d(3, dtype=pdg.float64)
    assert bn.weight.dtype == pdg.float64 and bn.running_var.dtype == pdg.float64
    assert bn.running_var.tolist() == [1.0] * 3 and bn.running_mean.tolist() == [0.0] * 3
    assert bn.weight.tolist() == [1.0] * 3 and bn.bias.tolist() == [0.0] * 3
    assert not bn.running_mean.requires_grad
    assert set(bn.state_dict()) == {"weight", "bias", "running_mean", "running_var",
                                    "num_batches_tracked"}
    gn = nn.GroupNorm(2, 4)
    assert gn.weight.tolist() == [1.0] * 4 and gn(pdg.randn(2, 4, 3)).shape == (2, 4, 3)
    lin = nn.Linear(3, 4)
    assert lin.to("cpu") is lin and lin.to(pdg.device("cpu")) is lin
    assert lin.to("cpu", pdg.float64).weight.dtype == pdg.float64
    m = nn.Module()
    m.register_buffer("a_b", pdg.randn(2))
    m.register_parameter("w", nn.Parameter(pdg.randn(2)))
    m.add_module("sub", nn.Linear(1, 1))
    assert set(m.state_dict()) == {"a_b", "w", "sub.weight", "sub.bias"}
    t = pdg.randn(2)
    assert nn.init.constant_(t, 3).tolist() == [3.0, 3.0]
    nn.init.kaiming_uniform_(pdg.randn(2, 3), mode="fan_out")


# -- optim and lr_scheduler -------------------------------------------------------------------
def _add_duplicate():
    p = pdg.randn(2, requires_grad=True)
    _sgd(p).add_param_group({"params": [p]})


def _add_without_params():
    _sgd().add_param_group({"lr": 0.1})


OPTIM = [
    ("SGD_group_without_params", lambda: optim.SGD([{"lr": 0.1}], lr=0.1), KeyError,
     r"^SGD.add_param_group: parameter group \['lr'\] has no 'params'"),
    ("Adam_group_without_params", lambda: optim.Adam([{"lr": 0.1}]), ValueError,
     r"^Adam.add_param_group: .* has no 'params'"),
    ("RMSprop_group_without_params", lambda: optim.RMSprop([{"lr": 0.1}]), ValueError,
     r"^RMSprop.add_param_group: .* has no 'params'"),
    ("Adagrad_group_without_params", lambda: optim.Adagrad([{"lr": 0.1}]), ValueError,
     r"^Adagrad.add_param_group: .* has no 'params'"),
    ("add_param_group_without_params", _add_without_params, ValueError,
     r"^SGD.add_param_group: .* has no 'params'"),
    ("add_param_group_params_int", lambda: _sgd().add_param_group({"params": 3}), TypeError,
     r"^SGD.add_param_group: 'params' must be a Tensor or an iterable"),
    ("add_param_group_duplicate", _add_duplicate, ValueError,
     r"^SGD.add_param_group: some parameters appear in more than one parameter group"),
    ("load_state_dict_missing", lambda: _sgd().load_state_dict({"a": 1}), ValueError,
     r"^SGD.load_state_dict: the state dict is missing 'state', 'param_groups'"),
    ("load_state_dict_missing_state", lambda: _sgd().load_state_dict({"param_groups": []}), KeyError,
     r"^SGD.load_state_dict: the state dict is missing 'state' \("),
    ("load_state_dict_not_a_dict", lambda: _sgd().load_state_dict([1]), TypeError,
     r"^SGD.load_state_dict: expected a dict"),
    ("load_state_dict_bad_group",
     lambda: _sgd().load_state_dict({"state": {}, "param_groups": [{"lr": 0.1}]}), ValueError,
     r"^SGD.load_state_dict: param_groups\[0\] must be a dict with a 'params' list"),
    ("StepLR_not_an_optimizer", lambda: optim.lr_scheduler.StepLR(None, 2), TypeError,
     r"^StepLR: NoneType is not an Optimizer"),
    ("LambdaLR_not_an_optimizer", lambda: optim.lr_scheduler.LambdaLR(None, lambda e: 1.0), TypeError,
     r"^LambdaLR: NoneType is not an Optimizer"),
    ("ReduceLROnPlateau_not_an_optimizer", lambda: optim.lr_scheduler.ReduceLROnPlateau(None),
     TypeError, r"^ReduceLROnPlateau: NoneType is not an Optimizer"),
    ("StepLR_resume_without_initial_lr", lambda: optim.lr_scheduler.StepLR(_sgd(), 2, last_epoch=-5),
     ValueError, r"^StepLR: param 'initial_lr' is not specified in param_groups\[0\]"),
    ("StepLR_last_epoch_float", lambda: optim.lr_scheduler.StepLR(_sgd(), 2, last_epoch=0.5),
     TypeError, r"^StepLR: last_epoch must be an int"),
    ("LambdaLR_not_callable", lambda: optim.lr_scheduler.LambdaLR(_sgd(), "a"), TypeError,
     r"^LambdaLR: lr_lambda must be callable or a list of callables"),
    ("LambdaLR_list_not_callable", lambda: optim.lr_scheduler.LambdaLR(_sgd(), [1]), TypeError,
     r"^LambdaLR: lr_lambda must be callable or a list of callables"),
]


@pytest.mark.parametrize("name,call,exc,match", OPTIM, ids=[c[0] for c in OPTIM])
def test_optim_scheduler_bad_args(name, call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_optim_errors_keep_pytorch_key_error():
    with pytest.raises(KeyError):
        optim.SGD([{"lr": 0.1}], lr=0.1)
    with pytest.raises(KeyError):
        optim.lr_scheduler.StepLR(_sgd(), 2, last_epoch=-5)


def test_optim_scheduler_valid_calls_still_work():
    p, q = pdg.randn(2, requires_grad=True), pdg.randn(2, requires_grad=True)
    o = optim.SGD([{"params": [p]}, {"params": q, "lr": 0.5}], lr=0.1)
    assert [g["lr"] for g in o.param_groups] == [0.1, 0.5]
    o2 = optim.SGD([p.detach().clone().requires_grad_(), q.detach().clone().requires_grad_()], lr=0.1)
    o2.add_param_group({"params": [pdg.randn(2, requires_grad=True)], "lr": 0.2})
    assert len(o2.param_groups) == 2
    o.load_state_dict(o.state_dict())
    s = optim.lr_scheduler.StepLR(o, 2)
    s2 = optim.lr_scheduler.StepLR(o, 2, last_epoch=3)  # initial_lr set by the first one
    assert s2.last_epoch == 4 and s.get_last_lr() == [0.1, 0.5]
    lam = optim.lr_scheduler.LambdaLR(_sgd(), [lambda e: 0.5])
    assert lam.get_last_lr() == [0.05]


# -- config -----------------------------------------------------------------------------------
CONFIG = [
    ("set_num_threads_str", lambda: pdg.set_num_threads("a"), TypeError,
     r"^set_num_threads: n must be an int, got str"),
    ("set_num_threads_float", lambda: pdg.set_num_threads(2.5), TypeError,
     r"^set_num_threads: n must be an int"),
    ("set_num_threads_zero", lambda: pdg.set_num_threads(0), ValueError,
     r"^set_num_threads: n must be >= 1"),
]


@pytest.mark.parametrize("name,call,exc,match", CONFIG, ids=[c[0] for c in CONFIG])
def test_config_bad_args(name, call, exc, match):
    old = pdg.get_num_threads()
    try:
        with pytest.raises(exc, match=match):
            call()
    finally:
        pdg.set_num_threads(old)
    assert pdg.get_num_threads() == old
