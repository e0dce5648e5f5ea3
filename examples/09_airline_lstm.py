"""Lab 9: forecasting airline passengers with an LSTM (many-to-one).

The Box & Jenkins series: monthly international airline passengers (thousands), 1949-1960,
144 months. The first 80% (115 months, to 1958-07) train, the last 20% (29 months) test.
Each example is a window of the previous 12 months (many) and the target is the next month
(one); an LSTM reads the window and a dense head maps its last hidden state to the
prediction.

Scaling. The series trends up: test months exceed every training month, which a model
trained on min-max-scaled levels must extrapolate. The default scaling (``--scaling
logratio``) removes the level instead: inputs are log(passengers) minus the log of the
window's last month, the target is the log change to the next month, all divided by one
constant from the training windows. The network then learns the seasonal pattern of
changes, and persistence ("next month = this month") is exactly the prediction 0.
``--scaling minmax`` trains on min-max-scaled levels instead, for comparison.

Test RMSE is reported in thousands of passengers, beside the persistence baseline.

    python examples/09_airline_lstm.py [--quick] [--out DIR] [--scaling logratio|minmax]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import pydeepgen as pdg  # noqa: E402
from pydeepgen import datasets, models, optim  # noqa: E402
import pydeepgen.nn.functional as F  # noqa: E402
from _common import Timer, heading, parse_args, pyplot, save_fig, say  # noqa: E402

LAB = "09_airline_lstm"
WINDOW = 12


def add_options(p):
    p.add_argument("--epochs", type=int, default=None,
                   help="full-batch epochs (quick 150, full 600)")
    p.add_argument("--hidden", type=int, default=32, help="LSTM hidden size (32)")
    p.add_argument("--lr", type=float, default=1e-2, help="Adam learning rate (1e-2)")
    p.add_argument("--scaling", choices=["logratio", "minmax"], default="logratio")


def load_series():
    series, months = datasets.airline_passengers(return_months=True)  # ships with pydeepgen
    return months, series.numpy().astype(np.float64)


class Scaler:
    """Turns the series into (windows, targets) and predictions back into passengers."""

    def __init__(self, kind, series, n_train):
        self.kind, self.series = kind, series
        if kind == "minmax":
            self.lo, self.hi = series[:n_train].min(), series[:n_train].max()
        else:
            x, _ = self._raw(np.arange(WINDOW, n_train))
            self.scale = float(np.abs(x).max())

    def _raw(self, idx):
        s = self.series
        if self.kind == "minmax":
            z = (s - self.lo) / (self.hi - self.lo)
            return np.stack([z[i - WINDOW:i] for i in idx]), z[idx]
        ls = np.log(s)
        x = np.stack([ls[i - WINDOW:i] - ls[i - 1] for i in idx])
        return x, ls[idx] - ls[idx - 1]

    def windows(self, idx):
        x, y = self._raw(idx)
        if self.kind == "logratio":
            x, y = x / self.scale, y / self.scale
        return x[:, :, None].astype(np.float32), y[:, None].astype(np.float32)

    def to_passengers(self, pred, idx):
        if self.kind == "minmax":
            return pred * (self.hi - self.lo) + self.lo
        return self.series[idx - 1] * np.exp(pred * self.scale)


def rmse(a, b):
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def main(argv=None):
    args = parse_args(argv, __doc__.splitlines()[0], LAB, add_options)
    epochs = args.epochs or (150 if args.quick else 600)
    months, series = load_series()
    n = len(series)
    n_train = int(0.8 * n)
    train_idx = np.arange(WINDOW, n_train)  # targets inside the training period
    test_idx = np.arange(n_train, n)  # targets in the last 20% (windows may reach back)

    heading("Lab 9: airline passengers, LSTM many-to-one")
    say(f"{n} months {months[0]}..{months[-1]}; "
        f"train targets {months[WINDOW]}..{months[n_train - 1]} "
        f"({len(train_idx)} windows of {WINDOW}), test {months[n_train]}..{months[-1]} "
        f"({len(test_idx)} months)")
    scaler = Scaler(args.scaling, series, n_train)
    xtr, ytr = scaler.windows(train_idx)
    xte, _ = scaler.windows(test_idx)
    say(f"scaling: {args.scaling}; input windows {xtr.shape} (batch, time, features)")

    pdg.manual_seed(args.seed)
    # LSTM over the window, dense head on the last hidden state (many-to-one)
    model = models.LSTMRegressor(input_size=1, hidden_size=args.hidden)
    n_params = sum(p.numel() for p in model.parameters())
    opt = optim.Adam(model.parameters(), lr=args.lr)
    x_t, y_t, xte_t = pdg.tensor(xtr), pdg.tensor(ytr), pdg.tensor(xte)
    say(f"LSTM(1, {args.hidden}) + Linear({args.hidden}, 1): {n_params} parameters; "
        f"Adam lr={args.lr}, {epochs} full-batch epochs")
    losses = []
    with Timer() as t:
        for epoch in range(epochs):
            opt.zero_grad()
            loss = F.mse_loss(model(x_t), y_t)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            if (epoch + 1) % max(epochs // 5, 1) == 0:
                say(f"  epoch {epoch + 1:>4}: train MSE (scaled) {losses[-1]:.5f}")
    with pdg.no_grad():
        pred = scaler.to_passengers(model(xte_t).numpy()[:, 0], test_idx)
        fit = scaler.to_passengers(model(x_t).numpy()[:, 0], train_idx)
    actual = series[test_idx]
    lstm_rmse = rmse(pred, actual)
    persistence_rmse = rmse(series[test_idx - 1], actual)
    seasonal_rmse = rmse(series[test_idx - 12], actual)
    say(f"trained in {t.seconds:.1f} s")
    say(f"test RMSE (thousands of passengers): LSTM {lstm_rmse:.1f} | persistence "
        f"(last month) {persistence_rmse:.1f} | same month last year {seasonal_rmse:.1f}")
    say("The LSTM " + ("beats" if lstm_rmse < persistence_rmse else "does NOT beat")
        + " persistence on the test months.")

    results = {"lstm_rmse": lstm_rmse, "persistence_rmse": persistence_rmse,
               "seasonal_rmse": seasonal_rmse, "losses": [losses[0], losses[-1]],
               "params": n_params, "seconds": t.seconds}

    if not args.no_plots:
        plt = pyplot()
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.5), gridspec_kw={"width_ratios": [2, 1]})
        ax.plot(np.arange(n), series, "k-", lw=1, label="actual")
        ax.plot(train_idx, fit, color="tab:blue", lw=1, label="LSTM (train)")
        ax.plot(test_idx, pred, color="tab:red", lw=1.5, label=f"LSTM (test) RMSE {lstm_rmse:.1f}")
        ax.plot(test_idx, series[test_idx - 1], color="gray", ls=":", lw=1,
                label=f"persistence RMSE {persistence_rmse:.1f}")
        ax.axvline(n_train - 0.5, color="gray", lw=0.5)
        ticks = np.arange(0, n, 24)
        ax.set_xticks(ticks, [months[i][:4] for i in ticks])
        ax.set_ylabel("passengers (thousands)")
        ax.legend(fontsize=7)
        ax.set_title("Actual vs predicted (one month ahead)")
        ax2.semilogy(losses)
        ax2.set_xlabel("epoch")
        ax2.set_title("train MSE (scaled)")
        results["plot"] = str(save_fig(fig, args, "lab09_airline"))

    assert losses[-1] < losses[0]
    if not args.quick:
        assert lstm_rmse < persistence_rmse, (lstm_rmse, persistence_rmse)
    say(f"Result: LSTM test RMSE {lstm_rmse:.1f} vs persistence {persistence_rmse:.1f} "
        "(thousands of passengers).")
    return results


if __name__ == "__main__":
    main()
