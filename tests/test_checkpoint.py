"""pdg.io save/load: round trips, metadata, atomic writes (kill-safety), corrupt files,
and interop with safetensors.torch."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import pydeepgen as pdg
import pydeepgen.io as io
import pydeepgen.nn as nn
import pydeepgen.optim as optim


def _model():
    return nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))


def _trained():
    m = _model()
    opt = optim.Adam(m.parameters(), lr=0.01, amsgrad=True)
    for _ in range(3):
        for p in m.parameters():
            p.grad = pdg.randn(*p.shape)
        opt.step()
    return m, opt


def test_state_dict_roundtrip(tmp_path):
    m = _model()
    m.register_buffer("steps", pdg.tensor([7]))
    m.register_buffer("count", pdg.tensor(5))  # 0-d, like BatchNorm's num_batches_tracked
    m.register_buffer("strided", pdg.randn(3, 4).t())  # non-contiguous
    path = tmp_path / "m.safetensors"
    io.save(m.state_dict(), path, metadata={"run": "abc"})
    sd = io.load(path)
    assert list(sd) == list(m.state_dict())  # order kept
    for k, v in m.state_dict().items():
        assert sd[k].dtype is v.dtype and sd[k].shape == v.shape
        np.testing.assert_array_equal(sd[k].numpy(), v.numpy())
    m2 = _model()
    m2.register_buffer("steps", pdg.tensor([0]))
    m2.register_buffer("count", pdg.tensor(0))
    m2.register_buffer("strided", pdg.zeros(4, 3))
    m2.load_state_dict(sd)
    assert m2.steps.tolist() == [7] and m2.count.shape == () and m2.count.item() == 5
    np.testing.assert_array_equal(m2.strided.numpy(), m.strided.numpy())
    meta = io.load_metadata(path)
    assert meta["run"] == "abc" and meta["pydeepgen.version"] == pdg.__version__


def test_training_checkpoint_roundtrip(tmp_path):
    pdg.manual_seed(11)
    m, opt = _trained()
    sched = optim.lr_scheduler.StepLR(opt, step_size=2)
    sched.step()
    ck = {"model": m.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
          "epoch": 4, "rng": pdg.get_rng_state(), "history": [0.5, 0.25], "best": float("inf"),
          "shape": (2, 3), "tag": None}
    path = tmp_path / "ck.safetensors"
    io.save(ck, path)
    # the non-tensor state is JSON in the metadata, never pickle
    header_len = int.from_bytes(path.read_bytes()[:8], "little")
    header = json.loads(path.read_bytes()[8:8 + header_len])
    json.loads(header["__metadata__"]["pydeepgen.structure"])
    r = io.load(path)
    assert r["epoch"] == 4 and r["history"] == [0.5, 0.25] and r["best"] == float("inf")
    assert r["shape"] == (2, 3) and r["tag"] is None
    assert r["optimizer"]["state"][0]["step"] == 3
    m2, opt2 = _model(), optim.Adam(_model().parameters())
    m2.load_state_dict(r["model"])
    opt2 = optim.Adam(m2.parameters())
    opt2.load_state_dict(r["optimizer"])
    assert opt2.param_groups[0]["amsgrad"] is True and opt2.param_groups[0]["betas"] == (0.9, 0.999)
    # resuming: the same gradients give the same parameters
    pdg.set_rng_state(r["rng"])
    a = pdg.randn(3)
    pdg.set_rng_state(ck["rng"])
    np.testing.assert_array_equal(a.numpy(), pdg.randn(3).numpy())
    for p, q in zip(m.parameters(), m2.parameters()):
        g = pdg.randn(*p.shape)
        p.grad, q.grad = g, g.clone()
    opt.step()
    opt2.step()
    for p, q in zip(m.parameters(), m2.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_save_rejects_unserialisable(tmp_path):
    with pytest.raises(TypeError, match="cannot store a object at x"):
        io.save({"x": object()}, tmp_path / "a.safetensors")
    with pytest.raises(ValueError, match="reserved"):
        io.save({"w": pdg.ones(1)}, tmp_path / "a.safetensors", metadata={"format": "x"})
    with pytest.raises(TypeError, match="metadata must map str to str"):
        io.save({"w": pdg.ones(1)}, tmp_path / "a.safetensors", metadata={"n": 1})
    assert not list(tmp_path.iterdir())


def test_failed_write_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    io.save({"w": pdg.ones(3)}, path)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(io.os, "replace", broken_replace)
    with pytest.raises(OSError, match="simulated"):
        io.save({"w": pdg.zeros(3)}, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]  # temp file removed


def test_killed_mid_save_leaves_previous_checkpoint(tmp_path):
    path = tmp_path / "ck.safetensors"
    ready = tmp_path / "ready"
    io.save({"w": pdg.ones(4)}, path)
    good = path.read_bytes()
    script = textwrap.dedent(f"""
        import os, time
        import pydeepgen as pdg, pydeepgen.io as io
        real_fsync = os.fsync
        def slow_fsync(fd):
            open({str(ready)!r}, "w").close()   # the new bytes are written, not renamed
            time.sleep(60)
        io.os.fsync = slow_fsync
        io.save({{"w": pdg.zeros(1000, 1000)}}, {str(path)!r})
    """)
    # run outside the repository so the installed package (with _C) is imported
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=tmp_path)
    try:
        deadline = time.time() + 60
        while not ready.exists():
            assert proc.poll() is None, "the saving process exited early"
            assert time.time() < deadline, "the saving process never reached the write"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert path.read_bytes() == good
    assert io.load(path)["w"].tolist() == [1, 1, 1, 1]


def test_truncated_and_corrupt_files(tmp_path):
    path = tmp_path / "m.safetensors"
    io.save(_model().state_dict(), path)
    raw = path.read_bytes()
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(raw[:-7])
    with pytest.raises(io.CheckpointError, match="bad.safetensors"):
        io.load(bad)
    bad.write_bytes(raw[:20])
    with pytest.raises(io.CheckpointError, match="bad.safetensors is truncated or corrupt"):
        io.load(bad)
    bad.write_bytes(raw[:5])
    with pytest.raises(io.CheckpointError, match=r"bad.safetensors is truncated \(5 bytes\)"):
        io.load(bad)
    flipped = bytearray(raw)
    flipped[-3] ^= 0xFF  # a byte of tensor data
    bad.write_bytes(bytes(flipped))
    with pytest.raises(io.CheckpointError, match="bad.safetensors is corrupt: the tensor data"):
        io.load(bad)
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00not json at all!")
    with pytest.raises(io.CheckpointError, match="bad.safetensors"):
        io.load(bad)
    with pytest.raises(FileNotFoundError, match="nothere.safetensors does not exist"):
        io.load(tmp_path / "nothere.safetensors")


def test_mismatched_architecture(tmp_path):
    path = tmp_path / "m.safetensors"
    io.save(_model().state_dict(), path)
    other = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    with pytest.raises(RuntimeError, match="size mismatch for 0.weight"):
        other.load_state_dict(io.load(path))


def test_loads_into_torch_and_back(tmp_path):
    torch = pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    m = _model()
    path = tmp_path / "m.safetensors"
    io.save(m.state_dict(), path)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    tm.load_state_dict(st.load_file(str(path)))
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    w0, b0 = m[0].weight.detach().numpy(), m[0].bias.detach().numpy()
    w2, b2 = m[2].weight.detach().numpy(), m[2].bias.detach().numpy()
    want = np.maximum(x @ w0.T + b0, 0) @ w2.T + b2
    np.testing.assert_allclose(tm(torch.tensor(x)).detach().numpy(), want, rtol=1e-5, atol=1e-6)
    # and a file written by torch loads into pdg
    tpath = tmp_path / "t.safetensors"
    st.save_file(tm.state_dict(), str(tpath))
    m2 = _model()
    m2.load_state_dict(io.load(tpath))
    np.testing.assert_array_equal(m2[2].weight.detach().numpy(), tm[2].weight.detach().numpy())


# -- temporary files of killed saves -------------------------------------------------------

posix_locks = pytest.mark.skipif(io.fcntl is None, reason="no flock (Windows): no cleanup")


def _temps(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


@posix_locks
def test_next_save_removes_stale_temps(tmp_path):
    path = tmp_path / "ck.safetensors"
    stale = tmp_path / ".ck.safetensors.4242.a1b2c3d4.tmp"  # as a SIGKILLed save leaves it
    others = [tmp_path / ".ck.safetensors.bak.4242.a1b2c3d4.tmp",  # a save to another file
              tmp_path / ".ck.safetensors.notes.tmp", tmp_path / "ck.safetensors.4242.x.tmp"]
    for p in [stale] + others:
        p.write_bytes(b"half a checkpoint")
    io.save({"w": pdg.ones(3)}, path)
    assert not stale.exists() and all(p.exists() for p in others)
    assert io.load(path)["w"].tolist() == [1, 1, 1]


@posix_locks
def test_save_keeps_a_temp_that_a_live_writer_holds(tmp_path):
    path = tmp_path / "ck.safetensors"
    live = tmp_path / ".ck.safetensors.4242.a1b2c3d4.tmp"
    live.write_bytes(b"being written")
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import fcntl, sys
            f = open({str(live)!r}, "rb")
            fcntl.flock(f, fcntl.LOCK_EX)
            print("locked", flush=True)
            sys.stdin.read()  # hold the lock until the test closes our stdin
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert holder.stdout.readline().strip() == "locked"
        io.save({"w": pdg.ones(3)}, path)
        assert live.read_bytes() == b"being written"
    finally:
        holder.stdin.close()
        holder.wait(10)
    io.save({"w": pdg.ones(3)}, path)  # the writer is gone: its file is stale now
    assert _temps(tmp_path) == []


@posix_locks
def test_writer_starts_again_if_its_new_temp_was_taken_for_stale(tmp_path, monkeypatch):
    """Between mkstemp and flock another save may delete the new, still unlocked temp; the
    writer notices (its name no longer leads to its file) and takes a new one."""
    real = io.fcntl
    blocking = []

    class Racy:
        LOCK_EX, LOCK_NB = real.LOCK_EX, real.LOCK_NB

        @staticmethod
        def flock(fd, op):
            if op == real.LOCK_EX:
                if not blocking:
                    for p in tmp_path.glob(".*.tmp"):
                        p.unlink()  # what a concurrent cleaner would do
                blocking.append(fd)
            real.flock(fd, op)

    monkeypatch.setattr(io, "fcntl", Racy)
    path = tmp_path / "ck.safetensors"
    io.save({"w": pdg.ones(3)}, path)
    assert len(blocking) == 2 and _temps(tmp_path) == []
    assert io.load(path)["w"].tolist() == [1, 1, 1]


@posix_locks
def test_sigkilled_saves_leave_no_temps_after_the_next_save(tmp_path):
    """A process saving a large state dict in a loop is SIGKILLed mid-write, a few times;
    each later save (the next process's first one, then ours) clears what it left."""
    path = tmp_path / "ck.safetensors"
    script = textwrap.dedent(f"""
        import pydeepgen as pdg, pydeepgen.io as io
        big = {{"w": pdg.randn(2000, 2000), "b": pdg.zeros(2000)}}
        while True:
            io.save(big, {str(path)!r})
    """)
    killed_mid_write = 0
    for _ in range(8):
        proc = subprocess.Popen([sys.executable, "-c", script], cwd=tmp_path)
        try:
            deadline = time.time() + 60
            while not (path.exists() and _temps(tmp_path)):  # saved once, now writing again
                assert proc.poll() is None, "the saving process died"
                assert time.time() < deadline, "the saving process never wrote"
                time.sleep(0.001)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
        left = _temps(tmp_path)
        assert len(left) <= 1  # the killed one's at most: every save clears the earlier ones
        killed_mid_write += len(left)
        assert io.load(path)["w"].shape == (2000, 2000)  # the last complete save
        if killed_mid_write >= 3:
            break
    assert killed_mid_write >= 1
    io.save({"w": pdg.ones(3)}, path)
    assert _temps(tmp_path) == []
    assert io.load(path)["w"].tolist() == [1, 1, 1]
