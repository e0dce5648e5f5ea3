"""Bad input -> a Python exception of the right type whose message names the op (and
the shapes where relevant). Never a crash, never silent garbage."""

import numpy as np
import pytest

import pydeepgen as pdg

F64 = pdg.float64


def ones(*s, dtype=None):
    return pdg.ones(*s, dtype=dtype)


# (id, callable, exception type, regex the message must match)
CASES = [
    ("add_shape_mismatch", lambda: ones(2, 3) + ones(4), ValueError, r"add.*\(2, 3\).*\(4,\)"),
    ("mul_shape_mismatch", lambda: ones(2, 3) * ones(3, 2), ValueError, r"mul.*\(2, 3\).*\(3, 2\)"),
    ("compare_shape_mismatch", lambda: ones(2) < ones(3), ValueError, r"lt.*\(2,\).*\(3,\)"),
    ("bool_arith", lambda: pdg.tensor([True]) - pdg.tensor([False]), TypeError, r"sub.*bool"),
    ("add_string", lambda: ones(2) + "a", TypeError, r"add.*str"),
    ("inplace_broadcast_grows", lambda: ones(3).add_(ones(2, 3)), RuntimeError, r"add_.*\(3,\)"),
    ("inplace_int_float", lambda: ones(3, dtype=pdg.int64).mul_(1.5), RuntimeError, r"mul_.*int64"),
    ("cuda_unavailable", lambda: pdg.zeros(2, device="cuda"), RuntimeError, r"CUDA.*unavailable"),
    ("to_cuda_unavailable", lambda: ones(2).to("cuda"), RuntimeError, r"CUDA"),
    ("unknown_device", lambda: pdg.zeros(2, device="tpu"), ValueError, r"device.*tpu"),
    ("non_numeric_data", lambda: pdg.tensor(["a", "b"]), TypeError, r"tensor.*<U1"),
    ("ragged_list", lambda: pdg.tensor([[1, 2], [3]]), ValueError, r"tensor.*ragged"),
    ("nan_to_int", lambda: pdg.tensor([np.nan], dtype=pdg.int64), ValueError, r"tensor.*NaN"),
    ("unknown_dtype", lambda: pdg.zeros(2, dtype="complex64"), TypeError, r"dtype.*complex64"),
    ("negative_size", lambda: pdg.zeros(-1, 2), ValueError, r"zeros.*negative.*-1"),
    ("huge_size", lambda: pdg.empty(2 ** 62), MemoryError, r"empty.*4611686018427387904"),
    ("overflowing_size", lambda: pdg.ones(2 ** 40, 2 ** 40), OverflowError, r"ones.*int64"),
    ("extent_past_int64", lambda: pdg.empty(2 ** 64, 0), OverflowError, r"empty.*int64"),
    ("expand_past_int64", lambda: pdg.ones(3, 4).expand(2 ** 62, 2 ** 62, 3, 4), OverflowError, r"expand.*int64"),
    ("reshape_float_size", lambda: pdg.ones(6).reshape(2.0, 3), TypeError, r"reshape.*float"),
    ("size_not_int", lambda: pdg.zeros(2.5), TypeError, r"zeros.*float"),
    ("from_numpy_complex", lambda: pdg.from_numpy(np.ones(2, np.complex64)), TypeError, r"from_numpy.*complex64"),
    ("from_numpy_list", lambda: pdg.from_numpy([1, 2]), TypeError, r"from_numpy.*list"),
    ("basic_index_out_of_range", lambda: ones(3, 4)[3], IndexError, r"index 3.*dimension 0.*size 3"),
    ("basic_index_neg_out_of_range", lambda: ones(3, 4)[:, -5], IndexError, r"index -5.*dimension 1.*size 4"),
    ("too_many_indices", lambda: ones(3)[0, 0], IndexError, r"too many indices.*1"),
    ("adv_index_out_of_range", lambda: ones(3, 4)[[0, 5]], IndexError, r"index: index 5.*dimension 0.*size 3"),
    ("mask_shape_mismatch", lambda: ones(3, 4)[pdg.tensor([True, False])], IndexError, r"index.*mask \(2,\).*\(3, 4\)"),
    ("float_index", lambda: ones(3)[pdg.tensor([0.5])], IndexError, r"index.*float32"),
    ("index_broadcast", lambda: ones(3, 4)[[0, 1], [0, 1, 2]], IndexError, r"index.*\(2,\).*\(3,\)"),
    ("setitem_bad_value_shape", lambda: ones(3, 4).__setitem__([0, 1], ones(3)), ValueError, r"__setitem__.*\(2, 4\).*\(3,\)"),
    ("index_select_out_of_range", lambda: ones(2, 3).index_select(1, pdg.tensor([3])), IndexError, r"index.*3.*size 3"),
    ("gather_out_of_range", lambda: ones(2, 3).gather(1, pdg.tensor([[0, 3]])), IndexError, r"gather: index 3.*size 3"),
    ("gather_rank", lambda: ones(2, 3).gather(1, pdg.tensor([0])), ValueError, r"gather.*\(1,\).*\(2, 3\)"),
    ("scatter_dtype", lambda: ones(2, 3).scatter(0, pdg.tensor([[0]]), ones(1, 1, dtype=F64)), TypeError, r"scatter.*float32.*float64"),
    ("where_non_bool", lambda: pdg.where(ones(2), 1.0, 0.0), TypeError, r"where.*float32"),
    ("where_shapes", lambda: pdg.where(pdg.tensor([True, False]), ones(3), 0.0), ValueError, r"where.*\(2,\).*\(3,\)"),
    ("masked_fill_mask_dtype", lambda: ones(2).masked_fill(ones(2), 0.0), TypeError, r"masked_fill.*float32"),
    ("dim_out_of_range_sum", lambda: ones(2, 3).sum(2), IndexError, r"sum.*dimension 2.*2-d"),
    ("dim_out_of_range_cumsum", lambda: ones(2, 3).cumsum(-3), IndexError, r"cumsum.*dimension -3"),
    ("dim_not_int", lambda: ones(2, 3).sum("a"), TypeError, r"sum.*dim.*str"),
    ("repeated_dim", lambda: ones(2, 3).sum((0, 0)), ValueError, r"sum.*multiple"),
    ("mean_int", lambda: pdg.tensor([1, 2]).mean(), TypeError, r"mean.*int64"),
    ("max_empty", lambda: pdg.zeros(0).max(), IndexError, r"max"),
    ("argmax_empty", lambda: pdg.zeros(0, 3).argmax(), IndexError, r"argmax.*empty"),
    ("reshape_invalid", lambda: ones(2, 3).reshape(4, 2), ValueError, r"reshape.*\(4, 2\).*6"),
    ("reshape_two_infer", lambda: ones(2, 3).reshape(-1, -1), ValueError, r"reshape.*one dimension"),
    ("view_incompatible", lambda: ones(2, 3).t().view(6), RuntimeError, r"view.*\(6,\)"),
    ("permute_wrong_len", lambda: ones(2, 3).permute(0), ValueError, r"permute.*\(2, 3\)"),
    ("permute_repeat", lambda: ones(2, 3).permute(0, 0), ValueError, r"permute.*repeated"),
    ("expand_bad", lambda: ones(2, 3).expand(4, 3), ValueError, r"expand.*\(2, 3\).*\(4, 3\)"),
    ("matmul_inner_mismatch", lambda: ones(2, 3) @ ones(4, 5), ValueError, r"matmul.*\(2, 3\).*\(4, 5\)"),
    ("matmul_0d", lambda: pdg.matmul(pdg.tensor(1.0), ones(2)), ValueError, r"matmul.*\(\)"),
    ("matmul_dtype", lambda: ones(2, 2) @ ones(2, 2, dtype=F64), TypeError, r"matmul.*float32.*float64"),
    ("cat_mismatch", lambda: pdg.cat([ones(2, 3), ones(2, 4)]), ValueError, r"cat.*\(2, 3\).*\(2, 4\)"),
    ("cat_empty_list", lambda: pdg.cat([]), ValueError, r"cat.*non-empty"),
    ("stack_mismatch", lambda: pdg.stack([ones(2), ones(3)]), ValueError, r"stack.*\(2,\).*\(3,\)"),
    ("split_bad_sections", lambda: ones(5).split([2, 2]), ValueError, r"split.*\[2, 2\].*5"),
    ("chunk_zero", lambda: ones(5).chunk(0), ValueError, r"chunk.*0"),
    ("narrow_out_of_range", lambda: ones(5).narrow(0, 3, 4), IndexError, r"narrow.*size 5"),
    ("item_many", lambda: ones(2).item(), ValueError, r"item.*\(2,\)"),
    ("bool_ambiguous", lambda: bool(ones(2)), RuntimeError, r"ambiguous"),
    ("numpy_requires_grad", lambda: ones(2).requires_grad_().numpy(), RuntimeError, r"numpy.*requires grad"),
    ("requires_grad_int", lambda: pdg.tensor([1]).requires_grad_(), RuntimeError, r"requires_grad|floating point"),
    ("backward_nonscalar", lambda: (ones(2).requires_grad_() * 2).backward(), RuntimeError, r"backward.*\(2,\)"),
    ("backward_no_grad", lambda: ones(2).sum().backward(), RuntimeError, r"backward.*does not require grad"),
    ("int_floordiv_zero", lambda: pdg.tensor([1]) // pdg.tensor([0]), ValueError, r"floor_divide.*zero"),
    ("set_state_wrong_size", lambda: pdg.Generator().set_state(pdg.zeros(3, dtype=pdg.uint8)), ValueError, r"set_state.*16"),
    ("randperm_negative", lambda: pdg.randperm(-1), ValueError, r"randperm.*-1"),
    ("setitem_requires_grad", lambda: ones(2).requires_grad_().__setitem__(0, 1.0), RuntimeError, r"__setitem__"),
]


@pytest.mark.parametrize("fn,exc,pattern", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(fn, exc, pattern):
    with pytest.raises(exc, match=pattern):
        fn()


def test_at_least_30_cases():
    assert len(CASES) >= 30


def test_kernel_level_checks_raise_not_crash():
    """The C++ kernels check buffer sizes/dtypes themselves (a caller bypassing Python)."""
    from pydeepgen import _C

    out = _C.empty(4, 0)
    inp = _C.empty(3, 0)
    idx = _C.empty(2, 2)
    with pytest.raises(ValueError, match="index"):
        _C.index_gather_forward(out, inp, [idx], 1, [3], 1, 2, [0])  # out has 4, needs 2
    with pytest.raises(ValueError, match="cumsum"):
        _C.scan_forward(0, out, inp, 1, 3, 1)
    with pytest.raises(TypeError, match="where"):
        _C.where_forward(out, out, out, out, [4], [1], 0, [1], 0, [1], 0)
    with pytest.raises(IndexError):
        _C.copy_strided(out, [5], [1], 0, out, [1], 0)
