"""Autograd semantics users trip on (style rule 13): accumulation, retain_graph, no_grad,
shared sub-expressions, leaf/non-leaf, custom Functions, in-place checks, hooks."""

import numpy as np
import pytest

import pydeepgen as pdg
from pydeepgen.testing import gradcheck

rng = np.random.default_rng()


def leaf(a):
    return pdg.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def test_grad_accumulates_until_zeroed():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6, 6])
    x.grad = None
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2, 2])
    x.grad.zero_()
    (x * 5).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [5, 5])


def test_backward_twice_needs_retain_graph():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()
    z = (x * x).sum()
    x.grad = None
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4, 8])


def test_shared_subexpressions_count_once_per_use():
    x = leaf([3.0])
    (x * x).backward()
    assert x.grad.item() == 6.0
    x.grad = None
    (x + x).backward()
    assert x.grad.item() == 2.0
    x.grad = None
    y = x * 2
    z = y * y + y  # y used three times
    z.backward()
    assert x.grad.item() == 2 * (2 * 6.0) + 2


def test_no_grad_context_and_decorator():
    x = leaf([1.0])
    with pdg.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None

    @pdg.no_grad()
    def f(t):
        return t * 3

    assert not f(x).requires_grad
    assert pdg.is_grad_enabled()
    with pdg.no_grad():
        with pdg.enable_grad():
            assert (x * 2).requires_grad
    assert (x * 2).requires_grad


def test_detach_shares_memory_and_leaves_graph():
    x = leaf([1.0, 2.0])
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None
    d.add_(1.0)
    np.testing.assert_array_equal(y.detach().numpy(), [3, 5])


def test_requires_grad_on_non_float_raises():
    with pytest.raises(RuntimeError, match="floating point"):
        pdg.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        pdg.tensor([1, 2], requires_grad=True)


def test_leaf_and_nonleaf_semantics():
    x = leaf([1.0, 2.0])
    y = x * 2
    z = (y * y).sum()
    assert x.is_leaf and not y.is_leaf
    y.retain_grad()
    w = x * 3
    z.backward()
    np.testing.assert_array_equal(y.grad.numpy(), [4, 8])
    assert w.grad is None
    c = pdg.ones(2)
    assert c.is_leaf and not c.requires_grad


class Cube(pdg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x * x * g


def test_custom_function():
    x = leaf(rng.standard_normal(4))
    y = Cube.apply(x)
    assert y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * x.detach().numpy() ** 2)
    assert gradcheck(Cube.apply, (leaf(rng.standard_normal(3)),))


def test_inplace_modification_of_saved_tensor_raises_at_backward():
    x = leaf([1.0, 2.0])
    y = x * 2
    z = Cube.apply(y)
    with pdg.no_grad():
        y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        z.sum().backward()
    a = leaf([1.0, 2.0])
    b = a * 1.0
    c = b * b
    b.mul_(2.0)
    with pytest.raises(RuntimeError, match="in-place"):
        c.sum().backward()


def test_inplace_on_leaf_requiring_grad_raises():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="leaf"):
        x.add_(1.0)
    with pdg.no_grad():
        x.add_(1.0)
    assert x.item() == 2.0


def test_broadcast_grads_reduce_to_operand_shape():
    a = leaf(rng.standard_normal((3, 1)))
    b = leaf(rng.standard_normal((4,)))
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1) and b.grad.shape == (4,)
    np.testing.assert_allclose(a.grad.numpy(), np.full((3, 1), b.detach().numpy().sum()))
    np.testing.assert_allclose(b.grad.numpy(), np.full(4, a.detach().numpy().sum()))
    s = leaf(2.0)
    (s * pdg.ones(2, 3, dtype=pdg.float64)).sum().backward()
    assert s.grad.shape == () and s.grad.item() == 6.0


def test_multi_output_ops():
    x = leaf(rng.standard_normal((3, 4)))
    v, i = x.max(1)
    assert not i.requires_grad
    v.sum().backward()
    g = np.zeros((3, 4))
    g[np.arange(3), i.numpy()] = 1
    np.testing.assert_array_equal(x.grad.numpy(), g)
    x.grad = None
    a, b = x.split(2, 1)
    (a.sum() * 2 + b.sum()).backward()   # only use both outputs
    np.testing.assert_array_equal(x.grad.numpy(), np.array([[2, 2, 1, 1]] * 3))
    x.grad = None
    a, b = x.chunk(2, 1)
    a.sum().backward()                    # one output unused: its grad is zero
    np.testing.assert_array_equal(x.grad.numpy(), np.array([[1, 1, 0, 0]] * 3))


def test_backward_with_gradient_argument():
    x = leaf([1.0, 2.0, 3.0])
    y = x * x
    with pytest.raises(RuntimeError, match="scalar"):
        y.backward()
    y.backward(pdg.tensor([1.0, 0.5, 0.0], dtype=pdg.float64))
    np.testing.assert_array_equal(x.grad.numpy(), [2, 2, 0])
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2).backward(pdg.ones(2, dtype=pdg.float64))


def test_hooks_see_and_replace_grad():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    (x * 3).sum().backward()
    np.testing.assert_array_equal(seen[0], [3, 3])
    y = leaf([1.0])
    y.register_hook(lambda g: g * 10)
    (y * 2).sum().backward()
    assert y.grad.item() == 20.0


def test_autograd_grad_function_and_non_requiring_output():
    x = leaf([2.0])
    (g,) = pdg.autograd.grad((x * x).sum(), x)
    assert g.item() == 4.0 and x.grad is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        pdg.ones(2).sum().backward()


def test_grad_through_views_and_indexing():
    x = leaf(rng.standard_normal((4, 5)))
    y = x.t()[1:3] * 2
    z = x[[0, 0, 3]].sum() + y.sum()
    z.backward()
    g = np.zeros((4, 5))
    g[:, 1:3] += 2
    g[0] += 2
    g[3] += 1
    np.testing.assert_array_equal(x.grad.numpy(), g)


def test_autograd_grad_leaves_every_dot_grad_untouched():
    # torch.autograd.grad returns gradients; it must not accumulate into other leaves
    # (an R1 penalty's grad w.r.t. the input would otherwise pollute D's .grad)
    x = pdg.tensor(np.random.default_rng(5).standard_normal(3), requires_grad=True)
    w = pdg.tensor(np.random.default_rng(6).standard_normal(3), requires_grad=True)
    w.grad = pdg.ones(3, dtype=pdg.float64)
    (gx,) = pdg.autograd.grad((x * w).sum(), x)
    np.testing.assert_allclose(gx.numpy(), w.detach().numpy(), rtol=1e-6)
    assert x.grad is None and w.grad.tolist() == [1.0, 1.0, 1.0]


def test_autograd_grad_of_a_non_leaf_and_unused_inputs():
    a = pdg.tensor(np.random.default_rng(7).standard_normal(4), requires_grad=True)
    h = a * 2.0
    (gh,) = pdg.autograd.grad((h * h).sum(), h)
    np.testing.assert_allclose(gh.numpy(), 2 * h.detach().numpy(), rtol=1e-6)
    assert a.grad is None
    b = pdg.randn(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="not have been used"):
        pdg.autograd.grad((a * 1.0).sum(), [a, b])
    ga, gb = pdg.autograd.grad((a * 3.0).sum(), [a, b], allow_unused=True)
    assert gb is None and ga.tolist() == [3.0] * 4


def test_post_accumulate_grad_hook_and_queue_callback():
    from pydeepgen.autograd import engine

    w = pdg.randn(3, requires_grad=True)
    seen, order = [], []
    h = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    w2 = pdg.randn(3, requires_grad=True)
    w2.register_post_accumulate_grad_hook(lambda t: engine.queue_callback(lambda: order.append("end")))
    (w * 2.0 + w2).sum().backward()
    assert seen == [[2.0, 2.0, 2.0]] and order == ["end"]
    (w * 1.0).sum().backward()
    assert seen[-1] == [3.0, 3.0, 3.0]  # after accumulation
    h.remove()
    (w * 1.0).sum().backward()
    assert len(seen) == 2
    with pytest.raises(RuntimeError, match="no backward pass is running"):
        engine.queue_callback(lambda: None)
    with pytest.raises(RuntimeError, match="only leaf tensors"):
        (w * 2.0).register_post_accumulate_grad_hook(lambda t: None)
