"""Small helpers shared by the model files: activation by name, MLP stacks, config records."""

from .. import nn

# name -> factory; "leaky_relu" uses slope 0.2 (the GAN literature's and Lipizzaner's choice)
_ACTIVATIONS = {
    "relu": lambda: nn.ReLU(),
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "tanh": lambda: nn.Tanh(),
    "sigmoid": lambda: nn.Sigmoid(),
    "elu": lambda: nn.ELU(),
    "selu": lambda: nn.SELU(),
    "gelu": lambda: nn.GELU(),
    "silu": lambda: nn.SiLU(),
}


def activation(name):
    """An activation module from its name (``None`` or ``"none"``/``"identity"`` -> None)."""
    if name is None or name in ("none", "identity", "linear"):
        return None
    key = str(name).lower().replace("-", "_")
    if key not in _ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose from {sorted(_ACTIVATIONS)}")
    return _ACTIVATIONS[key]()


def mlp_layers(in_features, hidden, out_features, act, out_act=None, dropout=0.0):
    """[Linear, act, (Dropout), Linear, act, ..., Linear, (out_act)] as a flat list, so that a
    ``Sequential`` of it numbers Linear layers 0, 2, 4, ... when there is no dropout."""
    layers = []
    width = in_features
    for h in hidden:
        layers.append(nn.Linear(width, int(h)))
        a = activation(act)
        if a is not None:
            layers.append(a)
        if dropout:
            layers.append(nn.Dropout(dropout))
        width = int(h)
    layers.append(nn.Linear(width, out_features))
    a = activation(out_act)
    if a is not None:
        layers.append(a)
    return layers


def as_tuple(x):
    if x is None:
        return ()
    if isinstance(x, int):
        return (x,)
    return tuple(int(v) for v in x)
