# %% [markdown]
# # 01 · Sound and vision: the representations every Foley model uses
#
# A video-to-audio model never sees "a sound" or "a video": it sees arrays. Which arrays — a raw
# waveform, a spectrogram, a mel spectrogram, the cochleagram of "Visually Indicated Sounds"; single
# frames, stacks of neighbouring frames, frame differences — decides what the model can learn and how
# its output is turned back into something we can hear. This notebook builds each representation on a
# struck object whose every detail we control, inverts the audio ones so you can *hear* what each
# throws away, and ends with the thread that ties the two modalities together: **synchrony**.

# %% [markdown]
# ## Learning objectives
#
# - compute and read a waveform, an STFT, a log-mel spectrogram and an ERB cochleagram, with their units;
# - invert each (Griffin-Lim, mel inversion, subband-envelope synthesis) and measure what is lost;
# - find impacts with an onset detector;
# - turn frames into spacetime images and frame differences, the motion inputs of notebook 05;
# - measure audio-visual synchrony, and estimate an unknown offset from the data.
#
# **Prerequisites**: [00 · Welcome](00_welcome.ipynb).

# %% tags=["colab"]
# On Google Colab: install the series' package first (this cell does nothing anywhere else)
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "foley_nb_utils @ git+https://github.com/foley-notebooks/foley-notebooks"], check=True)

# %%
import time

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

import foley_nb_utils as fnu

# %% tags=["parameters"]
PROFILE = "quick"
SEED = 0
DEVICE = "auto"
DATA_DIR = None
OUT_DIR = None
SHOW_SOLUTIONS = False

# %%
ctx = fnu.repro.setup("01_sound_and_vision", profile=PROFILE, seed=SEED, device=DEVICE,
                      out_dir=OUT_DIR, data_dir=DATA_DIR)
cfg = fnu.repro.pick(PROFILE, quick=dict(size=64, fps=15, gl_iters=32, n_shifts=25),
                     full=dict(size=128, fps=30, gl_iters=100, n_shifts=61))
SR, DUR = 16000, 2.0
HITS = {"metal": 0.35, "wood": 0.95, "glass": 1.5}  # material → strike time (s)
t_start = time.perf_counter()

# %% [markdown]
# ## 1 · Sound
#
# ### The waveform
#
# A microphone measures air pressure; sampled $f_s$ times per second it becomes $x[n] = x(n/f_s)$. At
# $f_s = 16$ kHz (the rate of most of this series) frequencies up to the Nyquist frequency $f_s/2 = 8$
# kHz are represented. Our sound: three strikes on three materials, each a *modal impact* — the
# object rings at its resonant modes $f_k$, each decaying with its own time constant $\tau_k$:
#
# $$x(t) = \sum_k a_k\, e^{-t/\tau_k}\, \sin(2\pi f_k t + \varphi_k).$$
#
# Metal and glass ring long at high, inharmonic frequencies; wood is short and low. That is all a
# listener — or a model — needs to tell them apart.

# %%
x = sum(fnu.toy.strike_sound([t], m, sr=SR, duration_s=DUR) for m, t in HITS.items())
x = x + 0.003 * ctx.rng("room noise").standard_normal(len(x)).astype(np.float32)
fnu.display.waveform(x, SR, events=list(HITS.values()), title="three strikes: metal, wood, glass")
plt.show()
fnu.display.play(x, SR, "the three strikes")

# %%
fnu.display.show_source(fnu.audio.modal_impact)

# %% [markdown]
# ### The short-time Fourier transform
#
# A spectrogram asks "which frequencies, when?". The STFT cuts the signal into windows $w$ of $N$
# samples, hop $H$ apart, and Fourier-transforms each:
#
# $$X[m, k] = \sum_{n=0}^{N-1} x[n + mH]\, w[n]\, e^{-2\pi i k n / N},$$
#
# frame $m$ at time $mH/f_s$, bin $k$ at frequency $k f_s / N$. The window trades time for frequency
# resolution: long windows resolve the modes, short ones the strike times.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 2.8))
for ax, n_fft in zip(axes, (128, 1024)):
    S = 20 * np.log10(fnu.audio.stft_mag(x, n_fft=n_fft, hop=n_fft // 4) + 1e-5)
    fnu.display.spectrogram(S, rate=SR / (n_fft // 4), ax=ax, ylabel="bin", colorbar=False, vmin=-80,
                            title=f"|STFT| in dB, window {n_fft} samples = {1000 * n_fft / SR:.0f} ms")
plt.tight_layout()
plt.show()

# %% [markdown]
# ### The log-mel spectrogram
#
# Hearing is roughly logarithmic in frequency above 1 kHz. The mel scale $m(f) = 2595 \log_{10}(1 +
# f/700)$ places triangular filters equally in mel; their outputs, in decibels, are the *log-mel
# spectrogram* — the input and output of most models from 2017 on (notebooks 07–23).

# %%
M = fnu.audio.log_mel(x, SR, n_mels=64, n_fft=1024, hop=256)
fnu.display.spectrogram(M, rate=SR / 256, ylabel="mel band", title="log-mel (64 bands, dB)")
plt.show()
_ = fnu.record("log-mel shape (bands × frames)", f"{M.shape[0]} × {M.shape[1]}")

# %% [markdown]
# ### The ERB cochleagram of "Visually Indicated Sounds"
#
# Owens et al. (notebook 05) model the ear more closely. The cochlea's filters widen with frequency as
# the *equivalent rectangular bandwidth* $\mathrm{ERB}(f) = 24.7\,(4.37 f/1000 + 1)$ Hz, so filters are
# spaced equally in ERB-number $E(f) = 21.4 \log_{10}(1 + 4.37 f/1000)$. Their recipe: 40 half-cosine
# band-pass filters equally spaced in $E$, plus a low-pass and a high-pass (42 channels); the
# Hilbert envelope $|x_j + i\,\mathcal{H}x_j|$ of each subband; downsampled to 90 Hz (three steps per
# 30 fps frame); compressed as $e^{0.3}$. Neighbouring filters form cosine/sine pairs, so their
# squared responses sum to one: the subbands add back up to the signal.

# %%
filters, centers = fnu.audio.erb_filterbank(len(x), SR, n_bands=40, fmin=20, fmax=8000)
freqs = np.fft.rfftfreq(len(x), 1 / SR)
fig, axes = plt.subplots(1, 2, figsize=(10, 2.6))
axes[0].plot(freqs, filters[::3].T ** 2, lw=0.8)
axes[0].plot(freqs, (filters ** 2).sum(0), "k", lw=1.5, label="sum of squares")
axes[0].set(xscale="log", xlim=(20, 8000), ylim=(0, 1.25), xlabel="frequency (Hz)", ylabel="gain²",
            title="every 3rd ERB filter (squared)")
axes[0].legend(fontsize=7, loc="upper right")  # above the curves: the filters peak at 1
C = fnu.audio.cochleagram(x, SR, n_bands=40, fmin=20, fmax=8000, env_sr=90)
fnu.display.spectrogram(C, rate=90, ax=axes[1], ylabel="centre (Hz)", yticks=centers,
                        title=f"cochleagram: {C.shape[0]} bands × {C.shape[1]} steps at 90 Hz")
plt.tight_layout()
plt.show()
_ = fnu.record("filterbank power sum, worst deviation from 1 (20 Hz–8 kHz)",
               float(np.abs((filters ** 2).sum(0)[(freqs > 20) & (freqs < 8000)] - 1).max()))

# %% [markdown]
# ### Inverting: what does each representation throw away?
#
# A model that predicts a spectrogram still owes us a waveform. The STFT magnitude drops the phase;
# **Griffin-Lim** recovers a consistent phase by alternating projections. The mel spectrogram also
# merges frequencies; we undo the filterbank by non-negative least squares, then Griffin-Lim. The
# cochleagram keeps only 42 envelopes; **parametric synthesis** imposes them on the subbands of white
# noise (what notebook 05 calls its parametric baseline). Listen, then compare the log-spectral
# distance $\mathrm{LSD} = \sqrt{\operatorname{mean}(\log_{10} |X|^2 - \log_{10} |\hat X|^2)^2}$ (in
# bels: lower is closer).

# %%
def lsd(a, b, n_fft=512):
    """Log-spectral distance (bels) between two waveforms of the same length."""
    A = np.log10(fnu.audio.stft_mag(a, n_fft, n_fft // 4) ** 2 + 1e-8)
    B = np.log10(fnu.audio.stft_mag(b, n_fft, n_fft // 4) ** 2 + 1e-8)
    return float(np.sqrt(np.mean((A - B) ** 2)))


inversions = {
    "Griffin-Lim (STFT)": fnu.audio.griffin_lim(fnu.audio.stft_mag(x, 1024, 256), 1024, 256,
                                                n_iter=cfg.gl_iters, rng=ctx.rng("gl"), length=len(x)),
    "mel inversion": fnu.audio.mel_to_audio(M, SR, n_fft=1024, hop=256, n_iter=cfg.gl_iters,
                                            rng=ctx.rng("mel"), length=len(x)),
    "cochleagram → noise": fnu.audio.cochleagram_to_audio(C, SR, len(x), ctx.rng("coch"), fmin=20, fmax=8000),
}
rows = [{"waveform": "original", "LSD (bels)": 0.0}]
for name, y in inversions.items():
    rows.append({"waveform": name, "LSD (bels)": fnu.record(f"LSD of {name}", lsd(x, y))})
display(fnu.display.table(rows, floatfmt=".2f", title="distance to the original"))
fnu.display.players({"original": (x, SR), **{k: (v, SR) for k, v in inversions.items()}})

# %% [markdown]
# Griffin-Lim keeps the rings but smears their attacks a little; mel inversion blurs the high modes of
# glass (few mel bands up there); the noise-excited cochleagram keeps timing and spectral shape but
# loses the pure tones — it sounds like the right event struck on the wrong, "noisy" object. That is
# why Owens et al. preferred pasting real examples (notebook 05 tests the claim).

# %% [markdown]
# ### Onsets: finding the strikes
#
# Every timing metric in this series starts from an **onset detector**: the spectral flux
# $\mathrm{SF}[m] = \sum_k \max(0,\, L[m,k] - L[m-1,k])$ of a log spectrogram $L$ rises sharply at each
# strike; peak picking turns it into times.

# %%
env = fnu.audio.onset_envelope(x, SR, hop=160)
onsets = fnu.audio.detect_onsets(x, SR, hop=160)
ax = fnu.display.waveform(env / env.max(), 100, events=list(HITS.values()), title="onset strength "
                          "(red: true strikes, black: detected)", color="tab:green")
for o in onsets:
    ax.axvline(o, color="k", ls="--", lw=0.8)
plt.show()
true = np.array(list(HITS.values()))
err_ms = 1000 * np.array([np.min(np.abs(onsets - t)) for t in true])
fnu.record("onsets detected / true strikes", f"{len(onsets)} / {len(true)}")
_ = fnu.record("onset timing error, mean (ms)", float(err_ms.mean()), unit="ms")

# %% [markdown]
# ## 2 · Vision
#
# ### Frames, spacetime images, frame differences
#
# Video is frames $I_t$ at a frame rate (15 fps here, 29.97 in Greatest Hits). A single frame shows
# *what* is there; the sound depends on *when* things move. Owens et al. feed their CNN **spacetime
# images**: the grayscale frames $t-1, t, t+1$ stacked as the three channels, so motion shows up as
# colour fringes. Frame differences $|I_t - I_{t-1}|$ keep only the motion.

# %%
frames = fnu.toy.strike_frames(list(HITS.values()), size=cfg.size, fps=cfg.fps, duration_s=DUR)
st = fnu.video.spacetime_images(frames)              # [T, 3, H, W] in [0, 1]
diff = fnu.video.frame_differences(frames)           # [T, H, W]
k = int(round(HITS["wood"] * cfg.fps)) - 1            # the frame just before the wood strike
fig, axes = plt.subplots(1, 4, figsize=(9, 2.4))
axes[0].imshow(frames[k]); axes[0].set_title(f"frame {k} (RGB)")
axes[1].imshow(st[k].transpose(1, 2, 0)); axes[1].set_title("spacetime image (t−1, t, t+1)")
axes[2].imshow(diff[k + 1], cmap="gray"); axes[2].set_title("frame difference")
motion = diff.reshape(len(diff), -1).mean(1)
axes[3].plot(np.arange(len(motion)) / cfg.fps, motion); axes[3].set_title("motion energy")
for t in HITS.values():
    axes[3].axvline(t, color="tab:red", lw=0.8)
for a in axes[:3]:
    a.axis("off")
plt.tight_layout()
plt.show()
_ = fnu.record("spacetime tensor shape", str(tuple(st.shape)))

# %% [markdown]
# ## 3 · Synchrony
#
# Sound and picture must agree in time: viewers notice audio that leads the picture by about 45 ms
# or lags it by about 125 ms (the broadcasting tolerance of ITU-R BT.1359). Move the slider to shift
# the sound against the picture and watch the stick — the video below re-renders with the shifted
# sound. (The slider needs a live kernel; on a static page you see the unshifted clip.)

# %%
def shifted(audio, shift_s):
    """Delay (shift_s > 0) or advance (< 0) a waveform, keeping its length."""
    n = int(round(shift_s * SR))
    out = np.zeros_like(audio)
    if n >= 0:
        out[n:] = audio[:len(audio) - n]
    else:
        out[:n] = audio[-n:]
    return out


out = widgets.Output()


def show_shift(change=None):
    with out:
        out.clear_output(wait=True)
        s = slider.value
        display(fnu.display.video_player(frames, cfg.fps, shifted(x, s), SR, width=200,
                                         label=f"sound shifted by {1000 * s:+.0f} ms"))


slider = widgets.FloatSlider(value=0.0, min=-0.3, max=0.3, step=0.02, description="shift (s)",
                             continuous_update=False)
slider.observe(show_shift, "value")
show_shift()
widgets.VBox([slider, out])

# %% [markdown]
# ### How a timing metric sees a shift
#
# We shift the sound by $\Delta$ and measure the mean distance between detected onsets and the frames
# where the stick touches the plate. A good metric grows as $|\Delta|$ — up to the frame period
# ($1/15$ s here), below which the picture itself cannot say when the strike happened. Beyond about
# ±0.25 s the error flattens: the nearest detected onset now belongs to the *neighbouring* strike. A
# timing metric must therefore match each event to at most one onset within a tolerance (the onset
# AP of notebook 04), not just to the nearest one.

# %%
shifts = np.linspace(-0.3, 0.3, cfg.n_shifts)
contact = np.array(list(HITS.values()))
errors = []
for s in shifts:
    o = fnu.audio.detect_onsets(shifted(x, s), SR)
    errors.append(np.mean([np.min(np.abs(o - c)) for c in contact]) if len(o) else np.nan)
errors = np.array(errors)
fig, ax = plt.subplots(figsize=(5, 2.6))
ax.plot(1000 * shifts, 1000 * errors, "o-", ms=3, label="onset error")
ax.plot(1000 * shifts, 1000 * np.abs(shifts), "k--", lw=0.8, label="|shift|")
ax.set(xlabel="shift of the sound (ms)", ylabel="mean onset error (ms)")
ax.legend(fontsize=8)
plt.show()
near = np.abs(shifts) <= 0.2
slope = np.polyfit(np.abs(shifts[near]), errors[near], 1)[0]
_ = fnu.record("slope of onset error vs |shift| for |shift| ≤ 0.2 s (ideal 1)", float(slope))

# %% [markdown]
# ### Estimating an unknown offset from the data
#
# Without labels we can still align the two streams: the motion energy peaks around each strike and
# the onset strength jumps at each sound, so the lag that maximises their cross-correlation
# estimates the offset. (The motion is smoothed over a few frames: when a strike falls between two
# frames, the stick goes down and back up between them, and those two frames look alike.) (Notebook 04's sync judge learns this; here it is three lines.) We hide random
# offsets and recover them.

# %%
def estimate_offset(frames, audio, fps, max_lag_s=0.3):
    """Lag (s) of the sound relative to the picture, by cross-correlating motion with onset strength."""
    motion = fnu.video.frame_differences(frames).reshape(len(frames), -1).mean(1)
    motion = np.convolve(motion, np.hanning(7), mode="same")  # a strike between two frames shows as a dip
    hop = SR // 100
    strength = fnu.audio.onset_envelope(audio, SR, hop=hop)
    t = np.arange(len(strength)) * hop / SR
    # difference k is the motion between frames k-1 and k: it belongs half a frame earlier
    m = np.interp(t, (np.arange(len(motion)) - 0.5) / fps, motion)
    m, s = (m - m.mean()) / (m.std() + 1e-9), (strength - strength.mean()) / (strength.std() + 1e-9)
    lags = np.arange(-int(max_lag_s * 100), int(max_lag_s * 100) + 1)
    score = [np.dot(m[max(0, -l):len(m) - max(0, l)], s[max(0, l):len(s) - max(0, -l)]) for l in lags]
    return lags[int(np.argmax(score))] / 100


true_offsets = ctx.rng("offsets").uniform(-0.25, 0.25, 8)
est = np.array([estimate_offset(frames, shifted(x, o), cfg.fps) for o in true_offsets])
fnu.display.table([{"hidden offset (ms)": 1000 * o, "estimate (ms)": 1000 * e} for o, e in zip(true_offsets, est)],
                  floatfmt=".0f", title="offset recovery by cross-correlation")

# %%
sync_err = fnu.record("offset estimate, mean abs error (ms)", float(1000 * np.mean(np.abs(est - true_offsets))),
                      unit="ms")
fnu.record("frame period (ms)", 1000 / cfg.fps, unit="ms")
fnu.record("notebook body wall time (s)", time.perf_counter() - t_start, unit="s", timing=True)
fnu.results.show()

# %% [markdown]
# The estimate's error is compared with the frame period in the table: a single video frame is the
# resolution limit of anything that only looks at frames, which is why Owens et al. predict sound
# features at 90 Hz — three steps per frame — and why later models add audio-rate conditioning.

# %% [markdown]
# ## Exercises
#
# 1. Make the STFT window 4096 samples. Which strike becomes hard to locate in time, and why?
# 2. Compute the cochleagram with `compression=1.0`. Which strike dominates the picture now?
# 3. Raise the room noise tenfold. How do the onset errors and the offset estimates change?
#
# Set `SHOW_SOLUTIONS = True` in the parameters cell and re-run to see solutions.

# %%
if SHOW_SOLUTIONS:
    S = fnu.audio.stft_mag(x, 4096, 1024)
    print("1. a 4096-sample window is 256 ms: each strike smears over", 4096 / SR, "s; the wood strike,"
          " the shortest, is the hardest to place.")
    C1 = fnu.audio.cochleagram(x, SR, fmin=20, fmax=8000, compression=1.0)
    loud = {m: float(C1[:, int(t * 90):int(t * 90) + 9].max()) for m, t in HITS.items()}
    print("2. peak envelope per strike without compression:", {k: round(v, 3) for k, v in loud.items()})
    xn = x + 0.03 * ctx.rng("more noise").standard_normal(len(x)).astype(np.float32)
    o = fnu.audio.detect_onsets(xn, SR)
    print("3. onsets with 10× noise:", o.round(3), "true:", true)
else:
    print("Solutions hidden: set SHOW_SOLUTIONS = True in the parameters cell.")

# %% [markdown]
# ## Summary
#
# - Waveform → STFT → log-mel → cochleagram: each step discards detail (phase, fine frequency,
#   everything but 42 envelopes); inversion lets us hear the loss and measure it.
# - Onset detection turns sound into event times; spacetime images and frame differences turn video
#   into motion — together they measure synchrony, the first thing a Foley model must get right.
#
# **Next**: [02 · Building blocks](02_building_blocks.ipynb) — the networks of the survey's section 2.2.
