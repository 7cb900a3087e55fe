"""SynthHits: determinism, shapes, label/annotation consistency, audible onsets, visible contacts,
sound physics (speed → loudness, material → decay/brightness), the Greatest Hits layout writer."""
from __future__ import annotations

import re

import numpy as np
import pytest
from scipy.stats import spearmanr

from foley_nb_utils import audio
from foley_nb_utils.synth import common as C
from foley_nb_utils.synth import hits


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FOLEY_SYNTH_DIR", str(tmp_path / "synthetic"))


@pytest.fixture(scope="module")
def batch():
    return hits.generate(40, 7, distractor_prob=0.5)


def test_vocabulary_matches_the_real_dataset():
    assert len(hits.MATERIALS) == 17 and len(set(hits.MATERIALS)) == 17
    assert "plastic-bag" in hits.MATERIALS and "clay" not in hits.MATERIALS
    assert hits.ACTIONS == ("hit", "scratch")
    assert set(hits.REACTIONS) == {"static", "rigid-motion", "deformation", "scatter", "splash"}
    assert hits.CLASSES == hits.MATERIALS


def test_shapes_dtypes_and_ids(batch):
    assert batch.frames.shape == (40, 30, 64, 64, 3) and batch.frames.dtype == np.uint8
    assert batch.audio.shape == (40, 32000) and batch.audio.dtype == np.float32
    assert batch.fps == 15.0 and batch.sr == 16000 and len(batch) == 40
    assert np.abs(batch.audio).max() <= 1.0 and np.isfinite(batch.audio).all()
    assert all(re.fullmatch(r"2015-\d\d-\d\d-\d\d-\d\d-\d\d", i) for i in batch.ids)
    assert len(set(batch.ids)) == 40 and batch.ids == sorted(batch.ids)
    clip = batch[3]
    assert clip.frames.shape == (30, 64, 64, 3) and clip.id == batch.ids[3]
    assert clip.labels["material"] == batch.labels["material"][3]
    sub = batch[5:8]
    assert len(sub) == 3 and sub.ids == batch.ids[5:8] and sub.config != batch.config


def test_same_seed_same_bytes_and_chunks_compose():
    a = hits.generate(6, 3)
    b = hits.generate(6, 3)
    assert a.frames.tobytes() == b.frames.tobytes() and a.audio.tobytes() == b.audio.tobytes()
    assert a.events == b.events and a.ids == b.ids
    head = hits.generate(2, 3)
    tail = hits.generate(4, 3, start=2)
    whole = C.SceneBatch.concat([head, tail])
    assert whole.frames.tobytes() == a.frames.tobytes() and whole.audio.tobytes() == a.audio.tobytes()
    assert whole.ids == a.ids and whole.config == a.config
    other = hits.generate(6, 4)
    assert other.audio.tobytes() != a.audio.tobytes() and other.ids != a.ids


def test_events_are_consistent_with_labels(batch):
    D = batch.duration_s
    for i, evs in enumerate(batch.events):
        mat = hits.MATERIALS[batch.labels["material"][i]]
        vis = [e for e in evs if e.visible]
        assert len(vis) == batch.labels["n_events"][i] >= 1
        times = [e.time_s for e in vis]
        assert times == sorted(times)
        for e in vis:
            assert e.material == mat and e.action in hits.ACTIONS
            assert e.reaction == hits.REACTIONS[batch.labels["reaction"][i]]
            assert 0 < e.time_s <= e.end_s < D and e.frame == round(e.time_s * batch.fps)
            assert (e.end_s > e.time_s) == (e.action == "scratch") and 0 <= e.strength <= 1
        off = [e for e in evs if not e.visible]
        assert len(off) == (batch.labels["distractor"][i] >= 0)
        for e in off:
            assert e.source == hits.DISTRACTORS[batch.labels["distractor"][i]]
            assert all(abs(e.time_s - v.time_s) >= 0.2 for v in vis)  # no visual event near it
    assert (batch.labels["distractor"] >= 0).any() and (batch.labels["distractor"] < 0).any()


def test_every_event_has_an_audible_onset_within_20ms(batch):
    for prof, b in (("quick", batch), ("full", hits.generate(6, 2, "full", distractor_prob=0.5))):
        for i in range(len(b)):
            onsets = audio.detect_onsets(b.audio[i], b.sr)
            for e in b.events[i]:
                assert len(onsets) and np.min(np.abs(onsets - e.time_s)) <= 0.02, (prof, i, e, onsets)


def test_every_contact_is_visible_in_its_frame(batch):
    for i, evs in enumerate(batch.events):
        col = batch.extra["stick_rgb"][i]
        for e in (e for e in evs if e.visible):
            k = e.frame
            assert batch.extra["contact"][i, k]
            gx, gy = np.round(batch.extra["ground_xy"][i, k]).astype(int)
            # the stick tip is drawn on the contact point in that very frame ...
            assert np.array_equal(batch.frames[i, k, gy, gx], col), (i, e)
            if e.action == "hit" and k >= 2:
                # ... and two frames earlier it was still in the air above it
                assert not batch.extra["contact"][i, k - 2]
                tip = batch.extra["tip_xy"][i, k - 2]
                assert batch.extra["ground_xy"][i, k - 2, 1] - tip[1] > 2.0
                gx2, gy2 = np.round(batch.extra["ground_xy"][i, k - 2]).astype(int)
                assert not np.array_equal(batch.frames[i, k - 2, gy2, gx2], col)
    # the tip is at its contact point exactly when the contact flag is set
    d = np.linalg.norm(batch.extra["tip_xy"] - batch.extra["ground_xy"], axis=-1)
    assert np.all((d < 1e-4) == batch.extra["contact"])


def test_vision_varies_within_a_class_and_differs_between_classes():
    wood = hits.generate(6, 1, materials=["wood"], camera_jitter=False)
    grass = hits.generate(6, 1, materials=["grass"], camera_jitter=False)
    mean_w = wood.frames[:, 0, 40:].reshape(6, -1, 3).mean(1)
    mean_g = grass.frames[:, 0, 40:].reshape(6, -1, 3).mean(1)
    assert mean_w.std(0).max() > 2.0                     # within-class variation (light, hue)
    assert (mean_g[:, 1] - mean_g[:, 0]).mean() > (mean_w[:, 1] - mean_w[:, 0]).mean() + 20  # grass is greener


def test_camera_jitter_moves_the_frame():
    still = hits.generate(2, 5, camera_jitter=False)
    shaky = hits.generate(2, 5)
    assert np.all(still.extra["camera_dxy"] == 0) and np.any(shaky.extra["camera_dxy"] != 0)
    # the far wall (top rows, no stick there) slides by exactly the camera's sideways shake
    cam = shaky.extra["camera_dxy"].astype(int)
    i, t = next((i, t) for i in range(2) for t in range(30)
                if cam[i, t, 1] == cam[i, 0, 1] and cam[i, t, 0] != cam[i, 0, 0])
    s = cam[i, t, 0] - cam[i, 0, 0]
    a = shaky.frames[i, 0, 0:3, 8:56].astype(int)
    b = shaky.frames[i, t, 0:3, 8 - s:56 - s].astype(int)
    assert np.array_equal(a, b)


def _hit_rms(b, win=0.03):
    out = []
    for i, evs in enumerate(b.events):
        for e in evs:
            if e.visible and e.action == "hit":
                s = int(e.time_s * b.sr)
                out.append((e.strength, float(np.sqrt(np.mean(b.audio[i, s:s + int(win * b.sr)] ** 2)))))
    return np.array(out)


def test_stick_speed_sets_loudness():
    b = hits.generate(40, 11, materials=["wood"], scratch_prob=0.0)
    sr = _hit_rms(b)
    assert len(sr) > 40
    assert spearmanr(sr[:, 0], sr[:, 1]).statistic > 0.8


def _decay_and_centroid(material):
    b = hits.generate(12, 4, materials=[material], scratch_prob=0.0)
    decays, cents = [], []
    for i in range(len(b)):
        e = [e for e in b.events[i] if e.visible][0]
        s = int(e.time_s * b.sr)
        x = b.audio[i, s:s + int(0.25 * b.sr)]
        early = np.sum(x[:800] ** 2)
        late = np.sum(x[2400:4000] ** 2)            # 150-250 ms after the contact
        decays.append(late / early)
        spec = np.abs(np.fft.rfft(x[:1024]))
        f = np.fft.rfftfreq(1024, 1 / b.sr)
        cents.append((spec * f).sum() / spec.sum())
    return np.median(decays), np.median(cents)


def test_materials_ring_and_sound_differently():
    metal_decay, _ = _decay_and_centroid("metal")
    wood_decay, wood_cent = _decay_and_centroid("wood")
    _, carpet_cent = _decay_and_centroid("carpet")
    _, glass_cent = _decay_and_centroid("glass")
    assert metal_decay > 20 * wood_decay        # metal rings on, wood dies out
    assert glass_cent > 2 * carpet_cent          # glass is bright, carpet a dull thud
    assert glass_cent > wood_cent


def test_modal_bank_matches_the_reference_modal_impact():
    f = np.array([440.0, 1234.5, 7000.0, 9000.0])
    tau = np.array([0.8, 0.1, 0.02, 0.1])
    bank = C.modal_bank(f, tau, 16000, 16000)
    for k in range(4):
        ref = audio.modal_impact(f[k:k + 1], tau[k:k + 1], [1.0], sr=16000, duration_s=1.0)
        np.testing.assert_allclose(bank[k], ref, atol=2e-6)
    assert not bank[3].any()  # above Nyquist


def test_unlabeled_annotations_keep_the_clip_truth():
    b = hits.generate(10, 2, unlabeled_prob=1.0)
    vis = [e for ev in b.events for e in ev if e.visible]
    assert all(None in (e.material, e.action, e.reaction) for e in vis)
    assert np.all(b.labels["material"] >= 0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(size=63), "even"), (dict(colour=3), "colour"), (dict(materials=["clay"]), "clay"),
    (dict(fps=0), "fps"),
])
def test_bad_settings_raise_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        hits.generate(2, 0, **kwargs)


def test_bad_counts_and_profile():
    with pytest.raises(ValueError, match="n must be"):
        hits.generate(-1, 0)
    with pytest.raises(ValueError, match="seed"):
        hits.generate(2, -3)
    with pytest.raises(ValueError, match="PROFILE"):
        hits.generate(2, 0, "medium")
    assert len(hits.generate(0, 0)) == 0


def test_write_layout_is_the_greatest_hits_format(tmp_path):
    b = hits.generate(6, 9, distractor_prob=1.0, unlabeled_prob=0.3)
    root = hits.write_layout(b, tmp_path / "vis-data")
    names = sorted(p.name for p in root.iterdir())
    for i in b.ids:
        for suffix in ("_denoised.mp4", "_denoised.wav", "_times.txt", "_synth.json"):
            assert f"{i}{suffix}" in names
    assert not [n for n in names if ".tmp" in n] and not list(tmp_path.glob(".vis-data*"))
    line = re.compile(r"^\d+\.\d{6} (\S+) (hit|scratch|None) (\S+)$")
    for i, evs in zip(b.ids, b.events):
        lines = (root / f"{i}_times.txt").read_text().splitlines()
        assert len(lines) == sum(e.visible for e in evs)  # off-screen sounds are not annotated
        for ln, e in zip(lines, [e for e in evs if e.visible]):
            m = line.match(ln)
            assert m and float(ln.split()[0]) == e.time_s
            assert m.group(1) == (e.material or "None") and m.group(3) == (e.reaction or "None")
    train = (root / "train.txt").read_text().split()
    test = (root / "test.txt").read_text().split()
    assert sorted(train + test) == sorted(b.ids) and test == [b.ids[4]]
    # same batch again: reused; a different one: refused, nothing overwritten
    stamp = (root / "train.txt").stat().st_mtime_ns
    assert hits.write_layout(b, root) == root and (root / "train.txt").stat().st_mtime_ns == stamp
    with pytest.raises(FileExistsError, match="different dataset"):
        hits.write_layout(b[:3], root)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        hits.write_layout(b, tmp_path / "other")
    assert (tmp_path / "other" / "keep.txt").read_text() == "mine"


def test_ensure_writes_once_and_reuses(tmp_path):
    from foley_nb_utils import synth

    root = synth.ensure("hits", seed=1, n=3)
    assert root.is_dir() and str(root).startswith(str(tmp_path / "synthetic"))
    stamp = (root / "synth_manifest.json").stat().st_mtime_ns
    assert synth.ensure("hits", seed=1, n=3) == root
    assert (root / "synth_manifest.json").stat().st_mtime_ns == stamp
    other = synth.ensure("hits", seed=2, n=3)
    assert other != root
    # ensure's chunks are the same clips as one generate() call
    b = hits.generate(3, 1)
    assert sorted(p.name[:-len("_times.txt")] for p in root.glob("*_times.txt")) == b.ids
    assert (root / f"{b.ids[0]}_times.txt").read_text() == hits.times_lines(b.events[0])
    with pytest.raises(ValueError, match="unknown scene"):
        synth.ensure("fireworks")


def test_bench_runs_on_a_tiny_world(capsys):
    from foley_nb_utils import bench

    rows = bench.main(["--scenes", "hits", "--n", "3", "--repeat", "1"])
    out = capsys.readouterr().out
    assert len(rows) == 1 and rows[0]["scene"] == "hits" and rows[0]["n"] == 3
    for k in ("gen", "write", "mp4", "cache", "speedup"):
        assert rows[0][k] > 0 and rows[0]["cpu"][k] > 0
    assert "hits" in out and "gen/s" in out and "speedup" in out


def test_the_worlds_pieces_are_public_for_the_notebooks_that_compose_them():
    """Notebook 19 builds virtual objects from the hits world's textures, light and hit sounds."""
    from foley_nb_utils.synth import hits as H

    assert set(H.MATERIAL_SPECS) == set(H.MATERIALS)
    r = np.random.default_rng(0)
    tex = H.surface_texture(r, H.MATERIAL_SPECS["wood"], 24, 32, 64)
    assert tex.shape == (24, 32, 3) and np.isfinite(tex).all()
    gain, brightness, cast = H.lighting(r, 24, 32)
    assert gain.shape == (24, 32, 3) and 0.7 < brightness < 1.2 and cast.shape == (3,)
    assert H.backdrop(r, 24, 32, 64).shape == (24, 32, 3)
    a = H.surface_texture(np.random.default_rng(1), H.MATERIAL_SPECS["tile"], 16, 16, 64)
    assert np.array_equal(a, H.surface_texture(np.random.default_rng(1), H.MATERIAL_SPECS["tile"], 16, 16, 64))
