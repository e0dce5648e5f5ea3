"""pydeepgen.distributed: collectives, DistributedSampler, and DistributedDataParallel
under `mpiexec -n 2` and `-n 4` giving the parameters of one process on the global batch.

The MPI runs need mpi4py and an `mpiexec` (`pip install "pydeepgen[mpi]"`); without them
those tests skip, and the world-of-one tests still run."""

import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pydeepgen as pdg
import pydeepgen.distributed as dist
from pydeepgen import nn

HAVE_MPI = shutil.which("mpiexec") is not None and dist.comm._mpi() is not None
if os.environ.get("PDG_REQUIRE_MPI") == "1" and not HAVE_MPI:  # CI installs MPI: never skip there
    raise RuntimeError("PDG_REQUIRE_MPI=1 but mpi4py or mpiexec is missing")
needs_mpi = pytest.mark.skipif(not HAVE_MPI, reason="needs mpi4py and mpiexec (pip install 'pydeepgen[mpi]')")

# One training script for every world size: the global batch of each step is the same;
# rank r takes rows r, r + N, ... of it. Rank 0 saves the parameters after the steps.
WORKER = textwrap.dedent("""
    import sys
    import numpy as np
    import pydeepgen as pdg
    import pydeepgen.distributed as dist
    from pydeepgen import nn, optim

    out, steps, cap, accumulate = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == "1"
    rank, world = dist.init()
    pdg.manual_seed(1234 + rank)  # different initial weights per rank: DDP must broadcast rank 0's

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.Tanh(), nn.Flatten(),
                                      nn.Linear(4 * 6 * 6, 16), nn.ReLU(), nn.Linear(16, 3))
            self.unused = nn.Linear(2, 2)  # never called: its gradient must stay consistent

        def forward(self, x):
            return self.body(x)

    model = Net()
    ddp = dist.DistributedDataParallel(model, bucket_cap_mb=cap)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    data = np.random.default_rng(7)
    for step in range(steps):
        x = data.standard_normal((8, 1, 6, 6)).astype(np.float32)
        y = data.integers(0, 3, size=8)
        xs, ys = pdg.tensor(x[rank::world]), pdg.tensor(y[rank::world])
        opt.zero_grad()
        if accumulate:  # two half-batches per step, gradients summed over both backward calls
            for h in (slice(0, None, 2), slice(1, None, 2)):
                (nn.functional.cross_entropy(ddp(xs[h]), ys[h]) / 2).backward()
        else:
            nn.functional.cross_entropy(ddp(xs), ys).backward()
        opt.step()
    assert model.unused.weight.grad is None  # unused on every rank: no gradient, as without DDP
    if rank == 0:
        np.savez(out, **{k: v.numpy() for k, v in model.state_dict().items()})
    print("rank", rank, "of", world, "buckets", len(ddp.bucket_sizes()), flush=True)
""")


def _env():
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMP_NUM_THREADS="1", PDG_NUM_THREADS="1", PDG_DIST_TIMEOUT="60")
    env.pop("PDG_NO_MPI", None)
    return env


def _run(tmp_path, n, steps=4, cap=1.0, accumulate=False):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    out = tmp_path / f"params_{n}_{cap}_{int(accumulate)}.npz"
    args = [sys.executable, str(script), str(out), str(steps), str(cap), "1" if accumulate else "0"]
    if n == 1:  # the reference: one process, the whole global batch, no MPI at all
        env = dict(_env(), PDG_NO_MPI="1")
        cmd = args
    else:
        env = _env()
        cmd = ["mpiexec", "-n", str(n), "--oversubscribe", "--bind-to", "none"] + args
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stdout + r.stderr
    return dict(np.load(out)), r.stdout


@needs_mpi
@pytest.mark.parametrize("n, cap, accumulate", [(2, 1.0, False), (4, 0.001, False), (2, 0.001, True)])
def test_ddp_matches_one_process_on_the_global_batch(tmp_path, n, cap, accumulate):
    ref, _ = _run(tmp_path, 1, accumulate=accumulate)
    got, log = _run(tmp_path, n, cap=cap, accumulate=accumulate)
    assert log.count("rank") == n
    if cap < 0.01:
        assert "buckets 1\n" not in log  # the small cap really split the gradients
    for k in ref:
        np.testing.assert_allclose(got[k], ref[k], rtol=2e-5, atol=2e-6, err_msg=k)
    # the run moved the parameters: a test that cannot fail would not notice a no-op
    assert not np.allclose(ref["body.0.weight"], _init_conv_weight())


def _init_conv_weight():
    pdg.manual_seed(1234)
    return nn.Conv2d(1, 4, 3, padding=1).weight.detach().numpy()


COLLECTIVES = textwrap.dedent("""
    import numpy as np
    import pydeepgen as pdg
    import pydeepgen.distributed as dist
    r, n = dist.init()
    t = pdg.tensor(np.arange(5, dtype=np.float32) + r)
    dist.all_reduce(t)
    assert t.tolist() == [float(n * i + n * (n - 1) / 2) for i in range(5)], t
    m = pdg.tensor([float(r)]); dist.all_reduce(m, op="max"); assert m.item() == n - 1
    a = pdg.tensor([float(r)] * 3); dist.all_reduce(a, op="avg"); assert np.allclose(a.numpy(), (n - 1) / 2)
    b = pdg.full((2, 2), float(r)); dist.broadcast(b, src=n - 1); assert b.tolist() == [[n - 1.0] * 2] * 2
    g = dist.all_gather(pdg.tensor([r, 10 * r]))
    assert [x.tolist() for x in g] == [[k, 10 * k] for k in range(n)]
    s = dist.DistributedSampler(list(range(10)), shuffle=True, seed=3)
    mine = pdg.tensor(s.indices())
    shards = dist.all_gather(mine)
    flat = sorted(sum((x.tolist() for x in shards), []))
    assert set(flat) == set(range(10)) and len(flat) == len(s) * n, flat
    dist.barrier()
    print("ok", r, flush=True)
""")


@needs_mpi
def test_collectives_and_sampler_under_mpiexec(tmp_path):
    script = tmp_path / "coll.py"
    script.write_text(COLLECTIVES)
    r = subprocess.run(["mpiexec", "-n", "3", "--oversubscribe", sys.executable, str(script)],
                       env=_env(), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert sorted(r.stdout.split()) == sorted("ok 0 ok 1 ok 2".split())


DIES = textwrap.dedent("""
    import os
    import pydeepgen as pdg
    import pydeepgen.distributed as dist
    from pydeepgen import nn
    r, n = dist.init()
    ddp = dist.DistributedDataParallel(nn.Linear(4, 4))
    if r == 1:
        os._exit(3)  # dies before the collective the others wait in
    ddp(pdg.randn(2, 4)).sum().backward()
""")


@needs_mpi
def test_a_rank_that_dies_stops_the_others(tmp_path):
    script = tmp_path / "dies.py"
    script.write_text(DIES)
    env = dict(_env(), PDG_DIST_TIMEOUT="10")
    r = subprocess.run(["mpiexec", "-n", "2", "--oversubscribe", sys.executable, str(script)],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0  # no hang, and not a silent success


# -- a world of one: the same code paths without MPI -----------------------------------------

def test_single_process_world_is_the_identity():
    rank, world = dist.init()
    if world != 1:
        pytest.skip("running under mpiexec")
    t = pdg.randn(5)
    before = t.tolist()
    assert dist.all_reduce(t).tolist() == before
    assert dist.broadcast(t, 0).tolist() == before
    assert [x.tolist() for x in dist.all_gather(t)] == [before]
    model = nn.Linear(3, 2)
    ddp = dist.DistributedDataParallel(model)
    x = pdg.randn(4, 3)
    ddp(x).sum().backward()
    g = model.weight.grad.numpy().copy()
    model.zero_grad()
    model(x).sum().backward()
    np.testing.assert_array_equal(g, model.weight.grad.numpy())


def test_distributed_sampler_shards_like_pytorch():
    data = list(range(10))
    shards = [list(dist.DistributedSampler(data, num_replicas=3, rank=r, shuffle=False)) for r in range(3)]
    assert shards == [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]  # padded from the head
    dropped = [list(dist.DistributedSampler(data, 3, r, shuffle=False, drop_last=True)) for r in range(3)]
    assert dropped == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]
    s = dist.DistributedSampler(data, 2, 0, shuffle=True, seed=5)
    e0 = list(s)
    s.set_epoch(1)
    assert list(s) != e0 and sorted(set(e0) | set(dist.DistributedSampler(data, 2, 1, seed=5))) == data
    torch = pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as TS

    for r in range(3):
        assert list(TS(data, num_replicas=3, rank=r, shuffle=False)) == shards[r]


@pytest.mark.parametrize("call, exc, match", [
    (lambda: dist.all_reduce(pdg.randn(4, 4).t()), ValueError, "all_reduce: the tensor must be contiguous"),
    (lambda: dist.all_reduce(pdg.randn(2), op="mean"), ValueError, "all_reduce: op must be one of"),
    (lambda: dist.all_reduce([1.0]), TypeError, "all_reduce: expected a Tensor"),
    (lambda: dist.broadcast(pdg.randn(2), src=5), ValueError, "broadcast: src must be a rank"),
    (lambda: dist.DistributedSampler(range(4), num_replicas=2, rank=2), ValueError, "rank 2 must be < num_replicas"),
    (lambda: dist.DistributedDataParallel(lambda x: x), TypeError, "expected an nn.Module"),
])
def test_bad_arguments_raise(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


TRAINER = textwrap.dedent("""
    import sys
    import numpy as np
    import pydeepgen as pdg
    from pydeepgen import nn
    from pydeepgen.train import SupervisedTrainer

    out, batch, distributed, epochs = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", int(sys.argv[4])
    resume = len(sys.argv) > 5
    rng = np.random.default_rng(3)
    x = rng.standard_normal((64, 5)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    pdg.manual_seed(11)
    model = nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 3))
    tr = SupervisedTrainer(model, lr=1e-2, epochs=epochs, batch_size=batch, out_dir=out, seed=5,
                           progress=True, distributed=distributed, handle_sigint=False)
    tr.fit((x, y), resume=resume)
    import pydeepgen.distributed as dist
    if dist.rank() == 0:
        np.savez(out + "/params.npz", **{k: v.numpy() for k, v in model.state_dict().items()})
        print("history", [round(h["loss"], 6) for h in tr.history], flush=True)
""")


def _trainer(tmp_path, n, out, batch, epochs, resume=False):
    script = tmp_path / "trainer.py"
    script.write_text(TRAINER)
    args = [sys.executable, str(script), str(tmp_path / out), str(batch), "1" if n > 1 else "0",
            str(epochs)] + (["resume"] if resume else [])
    cmd = args if n == 1 else ["mpiexec", "-n", str(n), "--oversubscribe", "--bind-to", "none"] + args
    env = dict(_env(), PDG_NO_MPI="1") if n == 1 else _env()
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)


@needs_mpi
def test_distributed_trainer_matches_one_process_and_resumes(tmp_path):
    r1 = _trainer(tmp_path, 1, "one", 16, 3)
    assert r1.returncode == 0, r1.stdout + r1.stderr
    r2 = _trainer(tmp_path, 2, "two", 8, 3)  # 2 ranks x 8 = the same global batch of 16
    assert r2.returncode == 0, r2.stdout + r2.stderr
    a, b = np.load(tmp_path / "one" / "params.npz"), np.load(tmp_path / "two" / "params.npz")
    for k in a:
        np.testing.assert_allclose(b[k], a[k], rtol=2e-5, atol=2e-6, err_msg=k)
    # the logged losses are averaged over ranks, so they match the single process's too
    h1 = eval(r1.stdout.split("history", 1)[1].splitlines()[0])
    h2 = eval(r2.stdout.split("history", 1)[1].splitlines()[0])
    np.testing.assert_allclose(h2, h1, rtol=1e-4)
    assert r2.stdout.count("epoch 3") == 1  # one rank prints
    # resume across runs with the same world size; another world size is refused
    r3 = _trainer(tmp_path, 2, "split", 8, 2)
    assert r3.returncode == 0, r3.stderr
    r4 = _trainer(tmp_path, 2, "split", 8, 3, resume=True)
    assert r4.returncode == 0, r4.stdout + r4.stderr
    c = np.load(tmp_path / "split" / "params.npz")
    for k in a:
        np.testing.assert_allclose(c[k], b[k], rtol=1e-6, atol=1e-7, err_msg=k)
    r5 = _trainer(tmp_path, 1, "split", 8, 4, resume=True)
    assert r5.returncode != 0 and "trained by 2 processes" in r5.stderr


GAN_RUN = textwrap.dedent("""
    import sys
    import numpy as np
    import pydeepgen as pdg
    import pydeepgen.distributed as dist
    from pydeepgen.models.gan import GAN
    from pydeepgen.train import GANTrainer
    pdg.manual_seed(0)
    g = GAN(data_dim=64, latent_dim=8, g_hidden=32, d_hidden=32)
    seen = []
    tr = GANTrainer(g, epochs=2, batch_size=16, distributed=True, out_dir=sys.argv[1], ema_decay=0.9,
                    handle_sigint=False, callbacks=[lambda t, ev: seen.append(pdg.randn(3).tolist())])
    tr.fit((np.random.default_rng(0).uniform(-1, 1, (128, 64)).astype(np.float32),))
    w = dist.all_gather(g.generator[0].weight.detach().contiguous())
    assert np.array_equal(w[0].numpy(), w[1].numpy()), "the ranks' generators diverged"
    draws = dist.all_gather(pdg.tensor(seen))
    assert not np.allclose(draws[0].numpy(), draws[1].numpy()), "the ranks drew the same noise"
    print("ok", dist.rank(), flush=True)
""")


@needs_mpi
def test_distributed_gan_trainer_keeps_ranks_in_sync_with_their_own_noise(tmp_path):
    script = tmp_path / "gan.py"
    script.write_text(GAN_RUN)
    r = subprocess.run(["mpiexec", "-n", "2", "--oversubscribe", sys.executable, str(script), str(tmp_path / "run")],
                       env=_env(), capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("ok") == 2 and (tmp_path / "run" / "checkpoint.safetensors").exists()
