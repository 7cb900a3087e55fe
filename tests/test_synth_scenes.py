"""The other scenes of the synthetic world: instruments, scenes, keyboard, dance — determinism,
shapes, and that the picture, the sound and the labels agree."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from foley_nb_utils import audio, synth
from foley_nb_utils.synth import dance, instruments, keyboard, scenes


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path_factory, monkeypatch):
    # the music21 note cache is shared by the tests of this module (parsing is slow)
    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "scene-cache"))


@pytest.mark.parametrize("mod, n, kwargs", [(instruments, 4, {}), (scenes, 3, {}), (dance, 2, {}),
                                            (keyboard, 2, {})])
def test_same_seed_same_bytes_and_chunks_compose(mod, n, kwargs):
    a = mod.generate(n, 5, **kwargs)
    b = mod.generate(n, 5, **kwargs)
    assert a.frames.tobytes() == b.frames.tobytes() and a.audio.tobytes() == b.audio.tobytes() and a.ids == b.ids
    tail = mod.generate(n - 1, 5, start=1, **kwargs)
    assert tail.frames.tobytes() == a.frames[1:].tobytes() and tail.audio.tobytes() == a.audio[1:].tobytes()
    assert mod.generate(n, 6, **kwargs).audio.tobytes() != a.audio.tobytes()
    assert a.frames.dtype == np.uint8 and a.audio.dtype == np.float32 and np.abs(a.audio).max() <= 1.0


def test_instruments_shapes_pitch_and_timbre():
    b = instruments.generate(120, 1)
    assert b.frames.shape == (120, 64, 64, 3) and b.audio.shape == (120, 8000) and b.fps == 2.0
    assert len(instruments.INSTRUMENTS) == 13 and instruments.CLASSES == instruments.INSTRUMENTS
    assert set(np.unique(b.labels["instrument"])) == set(range(13))
    for i in range(len(b)):
        name = instruments.INSTRUMENTS[b.labels["instrument"][i]]
        lo, hi = instruments._I[name]["midi"]
        assert lo <= b.labels["pitch"][i] <= hi and b.ids[i].startswith(name)
    # the sound has the labelled pitch: its spectrum peaks at a harmonic of f0 and has energy at f0
    for i in np.nonzero(np.isin(b.labels["instrument"], [instruments.INSTRUMENTS.index(x)
                                                         for x in ("flute", "horn", "tuba")]))[0]:
        f0 = 440 * 2 ** ((b.labels["pitch"][i] - 69) / 12)
        spec = np.abs(np.fft.rfft(b.audio[i] * np.hanning(8000)))
        f = np.fft.rfftfreq(8000, 1 / 16000)
        peak = f[np.argmax(spec)]
        assert abs(peak / f0 - round(peak / f0)) < 0.03 and round(peak / f0) <= 2, (i, f0, peak)
    # the clarinet's odd harmonics: the 3rd is much stronger than the 2nd
    k = instruments.INSTRUMENTS.index("clarinet")
    r = np.random.default_rng(0)
    y = instruments._note(r, "clarinet", 55, 16000, 8000)
    f0 = 440 * 2 ** ((55 - 69) / 12)
    spec = np.abs(np.fft.rfft(y * np.hanning(8000)))
    band = lambda h: spec[int(h * f0 * 0.5 * 0.97):int(h * f0 * 0.5 * 1.03) + 1].max()  # noqa: E731
    assert band(3) > 5 * band(2) and k >= 0


def test_instrument_pictures_tell_the_instrument():
    b = instruments.generate(400, 2)
    x = b.frames.reshape(400, 16, 4, 16, 4, 3).mean((2, 4)).reshape(400, -1) / 255.0   # 16x16 thumbnails
    y = b.labels["instrument"]
    nn = KNeighborsClassifier(1).fit(x[:300], y[:300])
    assert nn.score(x[300:], y[300:]) > 0.6          # chance is 1/13
    # ... and the player, not only the instrument, varies between pictures of one instrument
    same = x[y == y[0]]
    assert np.abs(same - same.mean(0)).mean() > 0.02


def test_scenes_categories_and_the_av_link():
    b = scenes.generate(48, 3)
    assert b.frames.shape == (48, 20, 64, 64, 3) and b.audio.shape == (48, 32000)
    assert set(np.unique(b.labels["category"])) == set(range(8)) and np.all(b.labels["secondary"] == -1)
    # crickets: the dots shine exactly while the chirps sound
    k = scenes.CATEGORIES.index("crickets")
    for i in np.nonzero(b.labels["category"] == k)[0]:
        bright = (b.frames[i].max(axis=-1) > 200).sum(axis=(1, 2)) > 0
        env = audio.rms_envelope(b.audio[i], 16000, env_sr=10)[:20]
        assert env[bright].mean() > 3 * env[~bright].mean()
    mixed = scenes.generate(10, 3, mix_prob=1.0)
    assert np.all(mixed.labels["secondary"] >= 0) and np.all(mixed.labels["secondary"] != mixed.labels["category"])
    assert np.array_equal(mixed.frames[:3], b.frames[:3])   # the unseen source changes only the sound


def test_keyboard_roll_frames_and_sound_agree():
    b = keyboard.generate(4, 2)
    T, K = 100, 25
    assert b.frames.shape == (4, T, 24, 240, 3) and b.extra["roll"].shape == (4, T, K)
    assert b.config["settings"]["midi_synth"] in ("sine", "fluidsynth")
    roll, snd, on = b.extra["roll"], b.extra["sounding"], b.extra["onsets"]
    assert np.all(snd >= roll) and np.all(on <= roll) and snd.sum() > roll.sum()   # the pedal sustains
    pitches, xr, black = keyboard.key_layout(48, K, 240)
    for i in range(4):
        gray = b.frames[i, :, -3].astype(float).mean(-1)        # the front row: no hand reaches it
        for k in np.nonzero(~black)[0]:
            x = int(xr[k].mean())
            down, up = roll[i, :, k], ~roll[i, :, k]
            if down.any() and up.any():
                assert gray[down, x].max() < gray[up, x].min()  # a pressed white key is darker
        starts = np.unique(b.extra["notes"][i][:, 0])
        det = audio.detect_onsets(b.audio[i], 16000)
        hit = [np.min(np.abs(det - s)) < 0.05 for s in starts if s > 0.05]
        assert np.mean(hit) >= 0.7
    import pretty_midi, io  # noqa: E401
    pm = pretty_midi.PrettyMIDI(io.BytesIO(b.extra["midi"][0]))
    assert len(pm.instruments[0].notes) == len(b.extra["notes"][0])
    assert any(c.number == 64 for c in pm.instruments[0].control_changes) == (len(b.extra["pedal"][0]) > 0)


def test_music21_notes_are_cached(monkeypatch):
    path = keyboard._pieces(1)[0]
    first = keyboard.piece_notes(path)
    import music21

    monkeypatch.setattr(music21.converter, "parse", lambda *a, **k: (_ for _ in ()).throw(AssertionError))
    assert np.array_equal(keyboard.piece_notes(path), first) and first.shape[1] == 4 and len(first) > 50


def test_dance_moves_and_music_follow_the_beat():
    b = dance.generate(10, 4)
    assert b.frames.shape == (10, 60, 64, 64, 3) and b.extra["keypoints"].shape == (10, 60, 17, 2)
    for i in range(len(b)):
        beats = b.extra["beat_times"][i]
        assert np.allclose(np.diff(beats), 60 / b.labels["bpm"][i], atol=1e-4)
        det = audio.detect_onsets(b.audio[i], 16000)
        assert np.mean([np.min(np.abs(det - t)) < 0.05 for t in beats]) >= 0.8    # a bass note on every beat
        kp = np.round(b.extra["keypoints"][i]).astype(int)
        ok = (kp >= 0).all(-1) & (kp < 64).all(-1)
        t, j = np.nonzero(ok)
        col = b.frames[i, t, kp[t, j, 1], kp[t, j, 0]]
        assert (col == col[0]).all(-1).mean() > 0.95     # every joint lies on the drawn figure
    house = dance.generate(6, 8)
    for i in np.nonzero(house.labels["genre"] == dance.GENRES.index("house"))[0]:
        y = house.extra["keypoints"][i, :, 11, 1]
        spec = np.abs(np.fft.rfft(y - y.mean(), 600))
        f = np.fft.rfftfreq(600, 1 / 15)
        assert abs(f[np.argmax(spec)] - house.labels["bpm"][i] / 60) < 0.2   # bounces once per beat


@pytest.mark.parametrize("mod, n", [(instruments, 6), (scenes, 4), (dance, 3), (keyboard, 3)])
def test_layouts_are_written_atomically_and_never_clobbered(mod, n, tmp_path):
    b = mod.generate(n, 1)
    root = mod.write_layout(b, tmp_path / "data")
    assert (root / synth.MANIFEST).exists() and not list(tmp_path.glob(".data*"))
    assert mod.write_layout(b, root) == root
    with pytest.raises(FileExistsError):
        mod.write_layout(mod.generate(n, 2), root)
    files = [p for p in root.rglob("*") if p.is_file()]
    assert len([p for p in files if p.suffix in (".mp4", ".jpg")]) == n


def test_scene_settings_are_checked():
    with pytest.raises(ValueError, match="size"):
        instruments.generate(1, 0, size=30 + 1)
    with pytest.raises(ValueError, match="unknown setting"):
        scenes.generate(1, 0, colour="red")
    with pytest.raises(ValueError, match="keyboard"):
        keyboard.generate(1, 0, n_keys=5)
    with pytest.raises(ValueError, match="dance"):
        dance.generate(1, 0, duration_s=0.2)


# ------------------------------------------------------------------ shared helpers
def test_paint_disks_matches_a_pixel_loop():
    from foley_nb_utils.synth import common as C

    v = np.full((2, 12, 16, 3), 100, np.uint8)
    C.paint_disks(v, [0, 1], [3.3, 15.0], [4.6, 0.2], [2.5, 3.0], [(250, 0, 0), (0, 0, 0)], [1.0, 0.5])
    ref = np.full((2, 12, 16, 3), 100.0)
    for t, cx, cy, r, col, a in ((0, 3.3, 4.6, 2.5, (250, 0, 0), 1.0), (1, 15.0, 0.2, 3.0, (0, 0, 0), 0.5)):
        for y in range(12):
            for x in range(16):
                if (x - cx) ** 2 + (y - cy) ** 2 <= r * r:
                    ref[t, y, x] = ref[t, y, x] * (1 - a) + np.array(col) * a
    assert np.array_equal(v, np.floor(ref + 0.5).astype(np.uint8))


def test_wavetable_is_harmonic_synthesis():
    from foley_nb_utils.synth import common as C

    amps, ph = np.array([1.0, 0.5, 0.25]), np.array([0.1, 1.0, 2.0])
    cycles = 220.5 * np.arange(4000) / 16000 + 0.3
    y = C.play_wavetable(C.wavetable(amps, ph), cycles)
    ref = sum(a * np.sin(2 * np.pi * (k + 1) * cycles + p) for k, (a, p) in enumerate(zip(amps, ph)))
    assert np.abs(y - ref).max() < 2e-3


def test_ids_and_batch_bookkeeping():
    from datetime import datetime

    from foley_nb_utils.synth import common as C
    from foley_nb_utils.synth import hits

    ids = C.timestamp_ids(3, "hits", 0, 50)
    times = [datetime.strptime(i, "%Y-%m-%d-%H-%M-%S") for i in ids]
    gaps = np.diff([t.timestamp() for t in times])
    assert np.all((gaps >= 40) & (gaps <= 140)) and ids[10:20] == C.timestamp_ids(3, "hits", 10, 10)
    a, b = hits.generate(2, 1), hits.generate(2, 1, start=5)
    assert "concat" in C.SceneBatch.concat([a, b]).config                # not consecutive chunks
    with pytest.raises(ValueError, match="material"):
        C.SceneBatch(a.frames, a.audio, 15, 16000, a.ids, {"material": np.zeros(3)})
    with pytest.raises(IndexError):
        a[2]
