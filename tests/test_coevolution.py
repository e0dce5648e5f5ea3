"""pydeepgen.coevolution: the torus and its exchange, a cell's iteration, checkpoints and
resume, the ensemble; the MPI runs use mpiexec (skipped without mpi4py)."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pydeepgen as pdg
from pydeepgen.coevolution import Cell, Ensemble, Grid
from pydeepgen.coevolution.run import CONFIGS, coevolve
from pydeepgen.models.gan import GAN
from pydeepgen.train.checkpoint import load_checkpoint

from test_distributed import HAVE_MPI, _env

needs_mpi = pytest.mark.skipif(not HAVE_MPI, reason="needs mpi4py and mpiexec (pip install 'pydeepgen[mpi]')")

EXCHANGE = textwrap.dedent("""
    import sys
    import numpy as np
    from pydeepgen.coevolution import Grid
    rows, cols = int(sys.argv[1]), int(sys.argv[2])
    g = Grid(rows, cols)
    got = g.exchange(np.full(3, g.rank, np.float32))
    r, c = divmod(g.rank, cols)
    want = {g.rank} | {((r - 1) % rows) * cols + c, ((r + 1) % rows) * cols + c,
                       r * cols + (c - 1) % cols, r * cols + (c + 1) % cols}
    assert set(got) == want and g.neighbourhood()[0] == g.rank, (g.rank, sorted(got), sorted(want))
    assert all(np.all(v == k) for k, v in got.items()), got
    print("ok", g.rank, len(got), flush=True)
""")


@needs_mpi
@pytest.mark.parametrize("rows, cols", [(2, 2), (3, 3), (1, 3)])
def test_neighbour_exchange_on_the_torus(tmp_path, rows, cols):
    script = tmp_path / "ex.py"
    script.write_text(EXCHANGE)
    n = rows * cols
    r = subprocess.run(["mpiexec", "-n", str(n), "--oversubscribe", "--bind-to", "none", sys.executable,
                        str(script), str(rows), str(cols)], env=_env(), capture_output=True, text=True,
                       timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
    sizes = [int(line.split()[2]) for line in r.stdout.splitlines() if line.startswith("ok")]
    assert len(sizes) == n
    # distinct neighbourhood sizes: 3x3 -> 5 cells, 2x2 -> 3 (north = south), 1x3 -> 3
    assert set(sizes) == {5 if (rows, cols) == (3, 3) else 3}


def _mpi_coevolve(tmp_path, n, grid, iterations, resume=False, out="run"):
    args = ["--grid", grid, "--iterations", str(iterations), "--steps", "2", "--batch-size", "32",
            "--score-n", "100", "--checkpoint-every", "2", "--out", str(tmp_path / out)]
    if resume:
        args.append("--resume")
    r = subprocess.run(["mpiexec", "-n", str(n), "--oversubscribe", "--bind-to", "none", sys.executable, "-m",
                        "pydeepgen.coevolution"] + args, env=_env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


@needs_mpi
def test_grid_run_resumes_exactly_and_saves_the_ensemble(tmp_path):
    log = _mpi_coevolve(tmp_path, 2, "1x2", 4, out="full")
    assert "iteration 4/4" in log and "ensemble saved" in log
    _mpi_coevolve(tmp_path, 2, "1x2", 2, out="split")
    _mpi_coevolve(tmp_path, 2, "1x2", 4, resume=True, out="split")
    for rank in range(2):
        a = load_checkpoint(tmp_path / "full" / f"cell-{rank}.safetensors")
        b = load_checkpoint(tmp_path / "split" / f"cell-{rank}.safetensors")
        assert a["iteration"] == b["iteration"] == 4
        for k in a["gan"]:
            np.testing.assert_array_equal(a["gan"][k].numpy(), b["gan"][k].numpy(), err_msg=k)
        assert a["lr"] == b["lr"] and a["weights"] == b["weights"]
    ens = Ensemble.load(str(tmp_path / "full" / "ensemble.safetensors"))
    assert len(ens) == 2 and abs(ens.weights.sum() - 1) < 1e-12
    assert ens.sample(10, seed=1).shape == (10, 1, 8, 8)


def test_one_cell_without_mpi_learns_and_checkpoints(tmp_path):
    res = coevolve("1x1", "digits", iterations=2, steps=3, batch_size=32, score_n=100, seed=3,
                   out=str(tmp_path / "one"), checkpoint_every=1, log=None)
    assert res["grid"] == [1, 1] and 0 <= res["best_score"] <= 0.9
    s = load_checkpoint(tmp_path / "one" / "cell-0.safetensors")
    assert s["iteration"] == 2 and len(s["history"]) == 2
    pdg.manual_seed(3)
    ref = GAN(**CONFIGS["digits"])  # the initial networks: training must have moved them
    assert not np.allclose(s["gan"]["generator.0.weight"].numpy(), ref.generator[0].weight.detach().numpy())


def test_grid_errors_are_clear(tmp_path):
    if pdg.distributed.world_size() != 1:
        pytest.skip("running under mpiexec")
    with pytest.raises(ValueError, match=r"a 2x2 grid needs 4 processes, but 1 were started"):
        Grid(2, 2)
    with pytest.raises(ValueError, match="rows and cols must be >= 1"):
        Grid(0, 1)
    r = subprocess.run([sys.executable, "-m", "pydeepgen.coevolution", "--grid", "3x3", "--out", str(tmp_path)],
                       env=dict(_env(), PDG_NO_MPI="1"), capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "needs 9 processes" in r.stderr
    # a checkpoint of another grid is refused
    cell = Cell(Grid(1, 1), np.zeros((10, 64), np.float32), CONFIGS["digits"], steps=1)
    state = cell.state()
    state["grid"] = [2, 2]
    with pytest.raises(ValueError, match="cell 0 of a 2x2 grid"):
        cell.load_state(state)


def test_ensemble_mixture_weights_and_round_trip(tmp_path):
    pdg.manual_seed(0)
    gens = [GAN(**CONFIGS["digits"]) for _ in range(3)]
    with pytest.raises(ValueError, match="non-negative finite"):
        Ensemble(gens, [1, -1, 1])
    with pytest.raises(ValueError, match="at least one generator"):
        Ensemble([], [])
    ens = Ensemble(gens, [2, 0, 2], CONFIGS["digits"])
    np.testing.assert_allclose(ens.weights, [0.5, 0, 0.5])
    a = ens.sample(40, seed=5).numpy()
    assert a.shape == (40, 1, 8, 8) and np.all(np.abs(a) <= 1)  # tanh outputs
    path = str(tmp_path / "ens.safetensors")
    ens.save(path)
    back = Ensemble.load(path)
    np.testing.assert_array_equal(back.sample(40, seed=5).numpy(), a)
    assert os.path.exists(path + ".json")
    os.remove(path + ".json")
    with pytest.raises(FileNotFoundError, match="no manifest"):
        Ensemble.load(path)


def _cli(args, n=1, cwd=None, timeout=300):
    cmd = [sys.executable, "-m", "pydeepgen"] + args
    env = dict(_env(), PDG_NO_MPI="1") if n == 1 else _env()
    if n > 1:
        cmd = ["mpiexec", "-n", str(n), "--oversubscribe", "--bind-to", "none"] + cmd
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd)


@needs_mpi
def test_cli_train_lipizzaner_then_sample_and_eval_the_ensemble(tmp_path):
    out = tmp_path / "grid"
    r = _cli(["train", "lipizzaner", "--grid", "2x2", "--iterations", "2", "--cell-steps", "2",
              "--batch-size", "32", "--score-n", "100", "--out", str(out)], n=4)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("iteration 2/2") == 1  # rank 0 alone prints
    ens = out / "ensemble.safetensors"
    assert ens.is_file() and (out / "summary.json").is_file()
    s = _cli(["sample", str(ens), "--n", "12"], cwd=tmp_path)
    assert s.returncode == 0 and (out / "samples" / "sample-seed0.png").is_file(), s.stderr
    e = _cli(["eval", str(ens), "--metric", "digits", "--n", "200"], cwd=tmp_path)
    assert e.returncode == 0 and "tvd to uniform" in e.stdout, e.stderr
    again = _cli(["train", "lipizzaner", "--grid", "2x2", "--out", str(out)], n=4)
    assert again.returncode == 2 and "--resume" in again.stderr


@needs_mpi
def test_cli_train_distributed(tmp_path):
    out = tmp_path / "mlp"
    r = _cli(["train", "mlp", "--dataset", "digits", "--epochs", "1", "--batch-size", "32",
              "--distributed", "--out", str(out)], n=2)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("done:") == 1 and (out / "checkpoint.safetensors").is_file()


def test_cli_lipizzaner_grid_needs_its_processes(tmp_path):
    if pdg.distributed.world_size() != 1:
        pytest.skip("running under mpiexec")
    r = _cli(["train", "lipizzaner", "--grid", "3x3", "--out", str(tmp_path / "g")])
    assert r.returncode == 2 and "a 3x3 grid needs 9 processes" in r.stderr
    bad = _cli(["train", "lipizzaner", "--grid", "three", "--out", str(tmp_path / "g")])
    assert bad.returncode == 2 and "--grid must look like 2x2" in bad.stderr
    one = _cli(["train", "mlp", "--dataset", "digits", "--epochs", "1", "--distributed",
                "--out", str(tmp_path / "m")])
    assert one.returncode == 0 and "--distributed with one process" in one.stderr
