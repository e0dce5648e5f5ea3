"""Course labs 1-9 and 18: each test runs one lab's quick mode and checks its result.

The labs live in ``examples/NN_name.py``; each has ``main(argv) -> dict`` and asserts its
own result too. Most tests run the lab in-process (fast: pydeepgen is imported once); one
runs a lab as a script from another working directory, as a student would.
Run one lab: ``pytest -m lab05``.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_lab(stem):
    path = EXAMPLES / f"{stem}.py"
    spec = importlib.util.spec_from_file_location(f"lab_{stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_lab(stem, tmp_path, *extra):
    return load_lab(stem).main(["--quick", "--out", str(tmp_path), *extra])


@pytest.mark.lab04
def test_lab04_learning_by_hand_as_script(tmp_path):
    # As a student runs it: a script, from some other working directory.
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "04_learning_by_hand.py"), "--quick", "--out", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env=dict(os.environ),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "loss = sum (W*x - y)^2 = 30.000000" in out
    assert "30.006000" in out and "29.994000" in out
    assert "W = 2.000000000" in out
    assert (tmp_path / "lab04_loss_curve.png").stat().st_size > 1000


@pytest.mark.lab04
def test_lab04_numbers(tmp_path):
    r = run_lab("04_learning_by_hand", tmp_path, "--no-plots")
    assert r["loss_3"] == pytest.approx(30.0)
    assert r["loss_3p"] == pytest.approx(30.006, abs=1e-6)
    assert r["loss_3m"] == pytest.approx(29.994, abs=1e-6)
    assert r["autograd"] == pytest.approx(60.0) and r["fd_central"] == pytest.approx(60.0)
    assert r["w_final"] == pytest.approx(2.0, abs=1e-6)
    assert abs(r["diverged_w"]) > 5  # lr = 0.04 > 2/60 diverges
