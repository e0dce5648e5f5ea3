"""Supervised models: MLP, LeNet5, the Lipizzaner MNIST classifier, an LSTM regressor.

Every model keeps its constructor arguments in ``self.config`` (JSON-serializable), so a
checkpoint can rebuild it (``pydeepgen.models.build(name, config)``).
"""

import numpy as np

from .. import nn
from ..nn import functional as F
from ._util import as_tuple, mlp_layers

__all__ = ["MLP", "LeNet5", "MNISTClassifier", "LSTMRegressor"]


class MLP(nn.Module):
    """A multi-layer perceptron: inputs of any shape are flattened to ``in_features``.

    Args:
        in_features: input size (784 for MNIST, 64 for 8x8 digits, 30 for breast cancer).
        hidden: widths of the hidden layers.
        out_features: outputs (classes, or 1 for regression/binary).
        activation: hidden activation name (relu, leaky_relu, tanh, sigmoid, elu, selu, gelu).
        out_activation: optional output activation (e.g. "sigmoid" for a BCE classifier).
        dropout: dropout probability after each hidden activation (0 = none).
    """

    def __init__(self, in_features=784, hidden=(512, 256), out_features=10, activation="relu",
                 out_activation=None, dropout=0.0):
        super().__init__()
        self.config = dict(in_features=int(in_features), hidden=list(as_tuple(hidden)),
                           out_features=int(out_features), activation=activation,
                           out_activation=out_activation, dropout=float(dropout))
        self.in_features = int(in_features)
        self.net = nn.Sequential(*mlp_layers(self.in_features, as_tuple(hidden), int(out_features),
                                             activation, out_activation, dropout))

    def forward(self, x):
        if x.ndim != 2:
            x = x.reshape(x.shape[0], -1)
        if x.shape[1] != self.in_features:
            raise ValueError(f"MLP: expected {self.in_features} input features, got shape "
                             f"{tuple(x.shape)}")
        return self.net(x)


class LeNet5(nn.Module):
    """LeNet-5 with ReLU and max-pooling (the modern reading of LeCun et al. 1998).

    conv 5x5 (6) -> ReLU -> pool 2 -> conv 5x5 (16) -> ReLU -> pool 2 -> fc 120 -> fc 84 -> fc.
    The first convolution pads by 2 (a 28x28 image plays the part of LeNet's 32x32 input);
    for small images (< 16 pixels, e.g. 8x8 digits) the second pads by 2 as well.
    """

    def __init__(self, in_channels=1, num_classes=10, image_size=28, dropout=0.0):
        super().__init__()
        self.config = dict(in_channels=int(in_channels), num_classes=int(num_classes),
                           image_size=int(image_size), dropout=float(dropout))
        s = int(image_size)
        pad2 = 0 if s >= 16 else 2
        self.conv1 = nn.Conv2d(in_channels, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5, padding=pad2)
        s1 = s // 2
        s2 = (s1 + 2 * pad2 - 4) // 2
        if s2 < 1:
            raise ValueError(f"LeNet5: image_size {image_size} is too small")
        self.flat_features = 16 * s2 * s2
        self.fc1 = nn.Linear(self.flat_features, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)
        self.dropout = float(dropout)
        self.image_size = s
        self.in_channels = int(in_channels)

    def forward(self, x):
        if x.ndim == 2:
            x = x.reshape(x.shape[0], self.in_channels, self.image_size, self.image_size)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.reshape(x.shape[0], -1)
        x = F.relu(self.fc1(x))
        if self.dropout:
            x = F.dropout(x, self.dropout, self.training)
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class MNISTClassifier(nn.Module):
    """The MNIST CNN that Lipizzaner uses as its FID/TVD feature network.

    conv 1->10 k5 -> max-pool 2 -> ReLU -> conv 10->20 k5 -> max-pool 2 -> ReLU ->
    flatten (320, channel-major) -> fc 320->50 -> ReLU -> (dropout in training) -> fc 50->10.
    Inputs are N x 1 x 28 x 28 (or N x 784) in [-1, 1]; outputs are the 10 logits.
    ``MNISTClassifier.pretrained()`` loads the shipped weights (99.27 % on the MNIST test set).
    """

    def __init__(self, dropout=0.5):
        super().__init__()
        self.config = dict(dropout=float(dropout))
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)
        self.dropout = float(dropout)

    def forward(self, x):
        if x.ndim == 2:
            x = x.reshape(x.shape[0], 1, 28, 28)
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        x = x.reshape(x.shape[0], 320)
        x = F.relu(self.fc1(x))
        if self.dropout and self.training:
            x = F.dropout(x, self.dropout, True)
        return self.fc2(x)

    @classmethod
    def pretrained(cls, path=None):
        """The classifier with Lipizzaner's weights (``pydeepgen/assets/mnist_cnn.npz`` unless
        ``path`` names another .npz with the same keys), in eval mode."""
        from ..assets import asset_path

        model = cls()
        with np.load(path if path is not None else asset_path("mnist_cnn.npz")) as f:
            model.load_state_dict({k: f[k] for k in f.files})
        return model.eval()


class LSTMRegressor(nn.Module):
    """Many-to-one sequence regression: an LSTM reads (N, T, input_size) (batch first) and a
    linear head maps the last time step's hidden state to ``output_size`` values."""

    def __init__(self, input_size=1, hidden_size=4, num_layers=1, output_size=1, dropout=0.0):
        super().__init__()
        self.config = dict(input_size=int(input_size), hidden_size=int(hidden_size),
                           num_layers=int(num_layers), output_size=int(output_size),
                           dropout=float(dropout))
        self.input_size = int(input_size)
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers=num_layers, batch_first=True,
                            dropout=dropout if num_layers > 1 else 0.0)
        self.head = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        if x.ndim == 2:  # (N, T) univariate series
            x = x.reshape(x.shape[0], x.shape[1], 1)
        if x.ndim != 3 or x.shape[2] != self.input_size:
            raise ValueError(f"LSTMRegressor: expected (N, T, {self.input_size}) input, got "
                             f"{tuple(x.shape)}")
        out, _ = self.lstm(x)
        return self.head(out[:, -1, :])

