"""foley_nb_utils.benchmark: intervals, a track with a fake registry, the scoreboard, an adapter."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from foley_nb_utils import benchmark as B
from foley_nb_utils import evidence
from foley_nb_utils.synth import hits


# ----------------------------------------------------------------------------- bootstrap
def test_bootstrap_of_a_mean_is_decides_interval():
    x = np.random.default_rng(0).normal(1.0, 2.0, 400)
    v, lo, hi = B.bootstrap(None, len(x), per_clip=x)
    e = evidence.decide(x, 0.0)
    assert (v, lo, hi) == (e.effect, e.low, e.high)
    half = 1.96 * x.std(ddof=1) / np.sqrt(len(x))  # the normal-theory interval of a mean
    assert lo < v < hi and abs((hi - lo) / 2 - half) < 0.1 * half


def test_bootstrap_of_a_set_statistic_covers_the_value_and_is_seeded():
    x = np.random.default_rng(1).normal(0.0, 1.0, 300)
    stat = lambda i: float(np.std(x[i]))  # noqa: E731
    a = B.bootstrap(stat, len(x), seed=3)
    assert a == B.bootstrap(stat, len(x), seed=3)
    v, lo, hi = a
    assert v == pytest.approx(np.std(x)) and lo < v < hi and hi - lo < 0.25


def test_bootstrap_constant_and_bad_input():
    assert B.bootstrap(None, 5, per_clip=np.ones(5)) == (1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="shape"):
        B.bootstrap(None, 5, per_clip=np.ones(4))
    with pytest.raises(ValueError, match="at least 2"):
        B.bootstrap(None, 1, per_clip=np.ones(1))


# ----------------------------------------------------------------------------- a track, fake registry
class _FakeJudge:
    """Embedding = per-clip energy in 4 bands; posteriors from it (deterministic)."""

    heads = {"material": tuple("abc")}

    def logmel(self, audio, sr):
        a = np.asarray(audio, np.float64)
        return torch.from_numpy(np.stack([np.abs(c).reshape(4, -1).mean(1) for c in a]))

    def analyse_logmel(self, S):
        e = S.numpy()
        logits = np.stack([e[:, 0] * 50, e[:, 1] * 50, e[:, 2] * 50], 1)
        p = np.exp(logits - logits.max(1, keepdims=True))
        return {"material": p / p.sum(1, keepdims=True)}, e + 1e-3 * np.arange(4)

    def embed(self, audio, sr):
        return self.analyse_logmel(self.logmel(audio, sr))[1]


def _fake_track(n=24):
    test = hits.generate(n, seed=11, size=16, duration_s=1.0, sr=8000, fps=8.0, max_events=2)
    ref = hits.generate(n, seed=12, size=16, duration_s=1.0, sr=8000, fps=8.0, max_events=2)
    tr = B.Track("fake", "fake track", "hits", "material", {"quick": {}, "full": {}}, ("xx",), sync=False)
    return tr, test, ref


def test_run_track_with_a_fake_two_method_registry_sorts_and_costs():
    tr, test, ref = _fake_track()
    scorer = B.Scorer(tr, test, ref, judges={"audio": _FakeJudge()})
    net = torch.nn.Linear(3, 2)

    def loud(t, x, s):
        return x.audio * 1.0

    def noisy(t, x, s):
        return x.audio + np.random.default_rng(s).normal(0, 0.3, x.audio.shape).astype(np.float32)

    reg = {"fake": [B.Method("noisy", "98_x", "fake", lambda p, s, d: B.Trained({"g": net}, 2.0, False), noisy),
                    B.Method("copy", "99_x", "fake", lambda p, s, d: B.Trained({"g": net}, None, True), loud)]}
    results, _ = B.run_track(tr, B.methods_of("fake", reg), scorer=scorer, progress=False)
    names = [r.method for r in results]
    assert names == ["real sound", "another clip's real sound", "noisy", "copy"]
    copy = results[-1]
    assert copy.metrics["R@1"][0] == 1.0 and copy.metrics["KL"][0] == pytest.approx(0.0, abs=1e-9)
    assert copy.cost["params"] == 8 and copy.cost["train_s"] is None and copy.cost["loaded"]
    assert results[2].cost["train_s"] == 2.0 and results[2].cost["sample_s_per_audio_s"] >= 0
    assert "peak_mb" in copy.cost
    rows = B.rows(results, sort_by="KL")
    assert [r["method"] for r in rows][:2] == ["copy", "noisy"]  # best first, baselines last
    assert rows[-1]["params"] is None and {"params", "train s", "sample s / audio s", "peak MB"} <= set(rows[0])
    rows = B.rows(results, sort_by="FD")
    fd = [r["FD"] for r in rows[:2]]
    assert fd == sorted(fd)
    html = B.table(results, sort_by="FD", title="t")
    assert "benchSort" in html._repr_html_() and "copy" in str(html)
    with pytest.raises(ValueError, match="sort_by"):
        B.rows(results, sort_by="nope")
    with pytest.raises(ValueError, match="generate returned"):
        bad = B.Method("bad", "97_x", "fake", lambda p, s, d: B.Trained({}), lambda t, x, s: x.audio[:, :10])
        B.run_track(tr, [bad], scorer=scorer, baselines=False, progress=False)


def test_register_rejects_an_unknown_track():
    with pytest.raises(ValueError, match="unknown track"):
        B.register(B.Method("x", "xx", "nope", lambda *a: None, lambda *a: None))


def test_convert_changes_rates_and_keeps_events():
    b = hits.generate(2, seed=0, size=32, duration_s=1.0, sr=8000, fps=10.0)
    c = B.convert(b, fps=20.0, sr=4000, size=16)
    assert c.frames.shape == (2, 20, 16, 16, 3) and c.audio.shape == (2, 4000) and c.sr == 4000 and c.fps == 20.0
    assert np.array_equal(c.frames[:, 0], B.convert(b, size=16).frames[:, 0])
    assert c.events == b.events
    assert B.fit_length(np.ones((2, 5)), 3).shape == (2, 3) and B.fit_length(np.ones((2, 5)), 7)[0, -1] == 0


# ----------------------------------------------------------------------------- scoreboard
def _claim(verdicts, effect=0.1):
    ev = [{"effect": effect, "low": effect - 0.05, "high": effect + 0.05, "margin": 0.0, "direction": "greater",
           "verdict": v, "n": 100, "level": 0.95, "method": "paired bootstrap (BCa)", "what": "", "parts": []}
          for v in verdicts]
    agree = len(set(verdicts)) == 1
    return {"paper": "p", "kind": "paper", "verdicts": verdicts, "evidence": ev, "held": verdicts.count("holds"),
            "of": len(verdicts), "agree": agree, "across": None, "verdict": verdicts[0] if agree else "inconclusive"}


def test_scoreboard_from_a_small_fake_summary(tmp_path):
    summary = {"seeds": [0, 1, 2], "notebooks": [
        {"notebook": "15_2020_regnet", "claims": {"b": _claim(["holds"] * 3),
                                                  "check": {**_claim(["holds"] * 3), "kind": "check"}}},
        {"notebook": "05_2016_visually_indicated_sounds", "claims": {"a": _claim(["holds", "refuted", "holds"])}}]}
    board = B.scoreboard(summary)
    assert [r["claim"] for r in board] == ["a", "b"]  # by year; checks left out
    assert board[0]["year"] == 2016 and board[0]["notebook"] == "05" and board[0]["per seed"] == "holds, refuted, holds"
    assert board[0]["verdict"].startswith("? inconclusive") and board[1]["verdict"] == "✓ holds on every seed"
    assert "+0.1" in board[1]["effect [95 %] per seed"]
    run = tmp_path / "runs" / "test-series" / "r1"
    run.mkdir(parents=True)
    (run / "summary.json").write_text(json.dumps(summary))
    other = tmp_path / "runs" / "helper" / "r2"
    other.mkdir(parents=True)
    (other / "summary.json").write_text(json.dumps({**summary, "seeds": [0]}))
    assert B.latest_summary(tmp_path) == run / "summary.json"
    assert B.latest_summary(tmp_path / "nothing") is None
    with pytest.raises(ValueError, match="runner summary"):
        B.scoreboard({"seeds": []})


# ----------------------------------------------------------------------------- an adapter's contract
def test_regnet_adapter_contract_on_a_tiny_config(monkeypatch, tmp_path):
    from foley_nb_utils import repro
    from foley_nb_utils.methods import m15_regnet as m15

    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path))
    small = dict(n_train=12, n_test=4, world=dict(size=16, max_events=2, camera_jitter=False),
                 hidden=8, steps=2, batch=4, crop=8, lr=1e-3, grid=2, threads=1)
    tiny = repro.pick("quick", quick=small, full=small)
    monkeypatch.setattr(m15, "settings", lambda profile: tiny)
    m15._BENCH_DATA.clear()
    t = m15.benchmark_models("quick", 0, "cpu", variants=("no AFR",))
    assert set(t.models) == {"no AFR"} and not t.loaded and t.train_seconds and t.n_params > 0
    again = m15.benchmark_models("quick", 0, "cpu", variants=("no AFR",))
    assert again.loaded and again.train_seconds == pytest.approx(t.train_seconds)  # the checkpoint keeps it
    for a, b in zip(t.models["no AFR"].state_dict().values(), again.models["no AFR"].state_dict().values()):
        assert torch.equal(a, b)
    test = hits.generate(3, seed=5, size=32, max_events=2, camera_jitter=False)  # the track's rates: 16 kHz, 15 fps
    audio = m15.benchmark_generate(again, test, 0, variant="no AFR", n_iter=2)
    assert audio.shape == test.audio.shape and audio.dtype == np.float32 and np.isfinite(audio).all()
    with pytest.raises(ValueError, match="unknown variant"):
        m15.benchmark_models("quick", 0, "cpu", variants=("nope",))
    m15._BENCH_DATA.clear()


def test_settings_are_the_notebooks():
    from foley_nb_utils.methods import m15_regnet as m15

    q = m15.settings("quick")
    assert (q.n_train, q.steps, q.hidden, q.threads) == (400, 200, 32, 1)
    assert m15.settings("full").hidden == 256


def test_fit_keeps_the_training_time_in_its_checkpoint(monkeypatch, tmp_path):
    """The shared addition to fnu.train: a loaded History says how long the training took."""
    from foley_nb_utils import train

    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path))
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    loss = lambda m, b: torch.nn.functional.mse_loss(m(b[0]), b[1])  # noqa: E731
    h1 = train.fit(torch.nn.Linear(3, 1), [(x, y)], loss, steps=3, name="t24", config={"k": 1}, progress=False)
    h2 = train.fit(torch.nn.Linear(3, 1), [(x, y)], loss, steps=3, name="t24", config={"k": 1}, progress=False)
    assert not h1.loaded and h2.loaded and h1.seconds > 0 and h2.seconds == pytest.approx(h1.seconds)


def test_the_builtin_registry_and_autofoleys_settings():
    from foley_nb_utils.methods import m16_autofoley as m16

    reg = B.builtin_methods()
    names = [m.name for m in reg["video_to_sound"]]
    assert "RegNet (15)" in names and "AutoFoley (16)" in names
    q = m16.settings("quick")
    assert (q.n_train, q.steps, q.gen_steps, q.threads) == (400, 150, 150, 1)
    builders = m16.classifier_builders(17, q)
    assert m16.SYNTH_CLASSIFIER in builders and len(builders) == 4
