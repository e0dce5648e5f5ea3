"""``Parameter``: a leaf tensor that a Module registers as trainable."""

from .._tensor import Tensor


class Parameter(Tensor):
    """A tensor that requires grad by default and is found by ``Module.parameters()``."""

    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from ..ops.creation import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            from ..ops.creation import tensor

            data = tensor(data)
        p = object.__new__(cls)
        p._init_view_of(data, requires_grad)
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    def __deepcopy__(self, memo):
        p = Parameter(self.detach().clone(), self.requires_grad)
        memo[id(self)] = p
        return p

    def __reduce_ex__(self, protocol):
        return (Parameter, (self.detach().clone(), self.requires_grad))


def empty_parameter(owner, *shape, dtype=None):
    """An uninitialised Parameter of ``shape`` for the layer ``owner``; a size too large to
    count or to allocate is an error that names the layer, not ``empty()``."""
    return Parameter(_empty_for(owner, "parameter", shape, dtype))


def empty_buffer(owner, *shape, dtype=None):
    """An uninitialised Tensor of ``shape`` to register as a buffer of the layer ``owner``
    (running statistics, ...); errors name the layer as ``empty_parameter``'s do."""
    return _empty_for(owner, "buffer", shape, dtype)


def _empty_for(owner, what, shape, dtype):
    from ..ops.creation import empty

    try:
        return empty(*shape, dtype=dtype)
    except (OverflowError, MemoryError) as e:
        raise type(e)(f"{owner}: cannot create a {what} of shape {tuple(shape)}: "
                      f"{str(e).split(': ', 1)[-1]}") from None
