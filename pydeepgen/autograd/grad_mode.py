"""Gradient mode: ``no_grad`` / ``enable_grad`` / ``set_grad_enabled``."""

import functools


class _State:
    enabled = True


state = _State()


def is_grad_enabled():
    return state.enabled


class _GradModeBase:
    _target = True

    def __enter__(self):
        self._prev = state.enabled
        state.enabled = self._target
        return self

    def __exit__(self, *exc):
        state.enabled = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradModeBase):
    """Context manager and decorator: operations inside record no graph."""

    _target = False


class enable_grad(_GradModeBase):
    """Context manager and decorator: re-enables graph recording inside ``no_grad``."""

    _target = True


class set_grad_enabled(_GradModeBase):
    """``with set_grad_enabled(flag):`` or call ``set_grad_enabled(flag)`` to set it globally."""

    def __init__(self, mode):
        self._target = bool(mode)
        self._prev = state.enabled
        state.enabled = self._target

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        state.enabled = self._prev
        return False


class inference_mode(no_grad):
    """Alias of ``no_grad`` (pydeepgen has no separate inference tensors)."""

    def __init__(self, mode=True):
        self._target = not mode
