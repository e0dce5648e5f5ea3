"""Checks of int and real arguments (layer sizes, scheduler steps, slopes), and the error
type for bad keys: the shared vocabulary of the Python boundary's argument checks."""


class KeyValueError(KeyError, ValueError):
    """A bad or missing key: a KeyError where PyTorch raises one (so ``except KeyError``
    ports over) and a ValueError like pydeepgen's other bad-value errors; ``str()`` is the
    plain message (a KeyError's would be quoted)."""

    def __str__(self):
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()


def int_arg(owner, name, value, minimum=0):
    """``value`` as an int >= ``minimum``; a bool, float or string is a TypeError naming the layer."""
    if isinstance(value, bool) or not hasattr(type(value), "__index__"):
        raise TypeError(f"{owner}: {name} must be an int, got {type(value).__name__} ({value!r})")
    value = value.__index__()
    if value < minimum:
        raise ValueError(f"{owner}: {name} must be >= {minimum}, got {value}")
    return value


def int_pair(owner, name, value, minimum=0):
    """An int or a pair of ints (kernel_size, stride, ...) -> a checked pair."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{owner}: {name} must be an int or a pair of ints, got {value!r}")
        return tuple(int_arg(owner, name, v, minimum) for v in value)
    v = int_arg(owner, name, value, minimum)
    return (v, v)


def real_arg(owner, name, value):
    """``value`` as a float; a string, None or complex is a TypeError naming the op
    (NaN and infinity pass: ops such as leaky_relu take them as PyTorch does)."""
    if type(value) is float:
        return value
    import numbers

    if not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a real number, got {type(value).__name__} ({value!r})")
    return float(value)
