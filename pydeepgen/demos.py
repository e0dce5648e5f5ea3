"""Tiny demos on embedded data, for the README and ``pydeepgen demo``."""

import time


def _xor_data(pdg):
    x = pdg.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = pdg.tensor([[0.0], [1.0], [1.0], [0.0]])
    return x, y


def _hiring_data(pdg):
    # months of programming experience, GitHub projects -> hired (the course's toy table),
    # centred by the feature means (21, 6)
    x = pdg.tensor([[12.0, 6.0], [32.0, 4.0], [11.0, 3.0], [29.0, 11.0]]) - pdg.tensor([21.0, 6.0])
    y = pdg.tensor([[0.0], [1.0], [0.0], [1.0]])
    return x, y


def run_demo(name="xor", epochs=None, seed=0):
    import pydeepgen as pdg
    import pydeepgen.nn.functional as F
    from pydeepgen import nn

    pdg.manual_seed(seed)
    x, y = _xor_data(pdg) if name == "xor" else _hiring_data(pdg)
    hidden = 4 if name == "xor" else 3
    model = nn.Sequential(nn.Linear(2, hidden), nn.Sigmoid(), nn.Linear(hidden, 1), nn.Sigmoid())
    opt = pdg.optim.SGD(model.parameters(), lr=2.0 if name == "xor" else 0.1)
    epochs = epochs or (3000 if name == "xor" else 2000)
    t0 = time.perf_counter()
    for epoch in range(epochs):
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        if epoch % max(1, epochs // 5) == 0 or epoch == epochs - 1:
            print(f"epoch {epoch:5d}  mse {loss.item():.5f}")
    dt = time.perf_counter() - t0
    with pdg.no_grad():
        pred = model(x)
    print(f"trained {name} in {dt:.2f} s ({epochs} steps, {dt / epochs * 1e6:.0f} us/step)")
    for xi, yi, pi in zip(x.tolist(), y.tolist(), pred.tolist()):
        print(f"  input {xi} -> {pi[0]:.3f} (target {yi[0]:.0f})")
    if name == "hiring":
        new = pdg.tensor([[14.0, 6.0], [31.0, 0.0]]) - pdg.tensor([21.0, 6.0])
        with pdg.no_grad():
            p = model(new)
        for who, v in zip(("Jamal", "Mina"), p.tolist()):
            print(f"  {who}: {v[0]:.3f} -> {'hired' if v[0] > 0.5 else 'not hired'}")
    correct = ((pred > 0.5).float() == y).all().item()
    print("all four predictions correct" if correct else "not all predictions correct yet")
    return 0
