from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from foley_nb_utils import repro


def test_rng_is_reproducible_and_keyed():
    a = repro.rng(3, "split").random(5)
    b = repro.rng(3, "split").random(5)
    c = repro.rng(3, "noise").random(5)
    d = repro.rng(4, "split").random(5)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c) and not np.allclose(a, d)


def test_torch_generator_reproducible():
    x = torch.rand(4, generator=repro.torch_generator(1, "init"))
    y = torch.rand(4, generator=repro.torch_generator(1, "init"))
    z = torch.rand(4, generator=repro.torch_generator(2, "init"))
    assert torch.equal(x, y) and not torch.equal(x, z)


def test_negative_key_rejected():
    with pytest.raises(ValueError, match="non-negative"):
        repro.rng(0, -1)


def test_config_hash_ignores_key_order_but_not_values():
    assert repro.config_hash({"a": 1, "b": 2}) == repro.config_hash({"b": 2, "a": 1})
    assert repro.config_hash({"a": 1}) != repro.config_hash({"a": 2})


def test_pick_profiles():
    cfg = repro.pick("full", quick=dict(n=1, m=2), full=dict(n=10, m=20))
    assert (cfg.n, cfg.m) == (10, 20)
    with pytest.raises(ValueError, match="PROFILE='fast'"):
        repro.pick("fast", quick=dict(n=1), full=dict(n=2))
    with pytest.raises(ValueError, match="different settings"):
        repro.pick("quick", quick=dict(n=1), full=dict(m=2))


def test_choose_device():
    assert repro.choose_device("cpu").type == "cpu"
    assert repro.choose_device("auto").type in ("cpu", "cuda", "mps")
    with pytest.raises(ValueError, match="DEVICE='tpu'"):
        repro.choose_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA"):
            repro.choose_device("cuda")


def test_setup_validates_and_writes_results(tmp_path, capsys):
    ctx = repro.setup("00_welcome", profile="quick", seed=2, device="cpu", out_dir=tmp_path / "run")
    out = capsys.readouterr().out
    assert "00_welcome" in out and "seed 2" in out
    assert ctx.out_dir.is_dir() and ctx.synthetic
    meta = json.loads((tmp_path / "run" / "results.json").read_text())
    assert meta["notebook"] == "00_welcome" and meta["meta"]["seed"] == 2
    with pytest.raises(ValueError, match="PROFILE"):
        repro.setup("00_welcome", profile="fast", out_dir=tmp_path / "x")
    with pytest.raises(ValueError, match="SEED"):
        repro.setup("00_welcome", seed=-1, out_dir=tmp_path / "x")
    with pytest.raises(FileNotFoundError, match="DATA_DIR"):
        repro.setup("00_welcome", data_dir=tmp_path / "missing", out_dir=tmp_path / "x")


def test_interactive_runs_get_new_folders():
    a = repro._new_interactive_dir("00_welcome")
    a.mkdir(parents=True)
    try:
        b = repro._new_interactive_dir("00_welcome")
        assert a != b
    finally:
        a.rmdir()


def test_cache_dir_env_override(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path / "c"))
    d = repro.cache_dir("features", "x")
    assert d == tmp_path / "c" / "features" / "x" and d.is_dir()
