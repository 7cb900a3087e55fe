"""Reproducibility: profiles, seeds, devices, paths and the banner every notebook prints.

Every notebook's setup cell calls :func:`setup`, which validates the papermill parameters
(``PROFILE``, ``SEED``, ``DEVICE``, ``DATA_DIR``, ``OUT_DIR``), seeds torch, picks the device,
points the results recorder at a fresh output folder and prints one banner line per fact.

Randomness in the package never touches global state: functions take a
``numpy.random.Generator`` or ``torch.Generator``, made here from the notebook's seed plus a
purpose key (``ctx.rng("train-split")``), so that adding a random call in one place does not
shift the random numbers of another.

Notebook: 00_welcome
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

PROFILES = ("quick", "full")


# --------------------------------------------------------------------------- paths
def repo_root() -> Path | None:
    """The checkout folder when the package is used from a clone (editable install), else None."""
    here = Path(__file__).resolve().parent.parent
    return here if (here / "pyproject.toml").exists() and (here / "notebooks").is_dir() else None


def _base_dir(env: str, sub: str) -> Path:
    if os.environ.get(env):
        return Path(os.environ[env]).expanduser()
    root = repo_root()
    return (root / "data" / sub) if root else Path.home() / ".cache" / "foley_nb_utils" / sub


def cache_dir(*parts: str) -> Path:
    """Folder for derived files (decoded features, judges, checkpoints), created on demand.

    ``$FOLEY_CACHE_DIR`` wins; otherwise ``<repo>/data/cache`` in a clone, else
    ``~/.cache/foley_nb_utils/cache``. Everything in it can be deleted and is rebuilt.
    """
    d = _base_dir("FOLEY_CACHE_DIR", "cache").joinpath(*parts)
    d.mkdir(parents=True, exist_ok=True)
    return d


def synthetic_dir(*parts: str) -> Path:
    """Folder where the synthetic world writes its dataset layouts (``$FOLEY_SYNTH_DIR`` wins)."""
    d = _base_dir("FOLEY_SYNTH_DIR", "synthetic").joinpath(*parts)
    d.mkdir(parents=True, exist_ok=True)
    return d


# --------------------------------------------------------------------------- seeds
def _key_to_int(key: Any) -> int:
    if isinstance(key, (int, np.integer)):
        if key < 0:
            raise ValueError(f"seed keys must be non-negative, got {key}")
        return int(key)
    return zlib.crc32(str(key).encode())


def rng(seed: int, *keys: Any) -> np.random.Generator:
    """A numpy Generator for ``seed`` and a purpose (any strings or ints).

    Same (seed, keys) → same stream on every machine; different keys → independent streams.

    Notebook: 00_welcome
    """
    return np.random.default_rng(np.random.SeedSequence([_key_to_int(seed), *map(_key_to_int, keys)]))


def torch_generator(seed: int, *keys: Any, device: str = "cpu"):
    """A ``torch.Generator`` seeded like :func:`rng` (same seed and keys → same numbers)."""
    import torch

    g = torch.Generator(device=device)
    g.manual_seed(int(rng(seed, *keys).integers(0, 2**62)))
    return g


def config_hash(config: Any, n: int = 12) -> str:
    """Short stable hash of a JSON-able config (dict order does not matter).

    Used to key checkpoints and feature caches so a stale file is never reused.
    """
    blob = json.dumps(config, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:n]


# --------------------------------------------------------------------------- devices
def choose_device(preference: str = "auto"):
    """Pick a ``torch.device``: ``"auto"`` tries cuda → mps → cpu; ``$FOLEY_DEVICE`` overrides auto.

    Asking for a device that is not available is an error, not a silent fallback.

    Notebook: 00_welcome
    """
    import torch

    pref = str(preference or "auto").lower()
    if pref == "auto":
        pref = os.environ.get("FOLEY_DEVICE", "auto").lower()
    if pref == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    kind = pref.split(":")[0]
    if kind not in ("cpu", "cuda", "mps"):
        raise ValueError(f"DEVICE={preference!r}: use 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'")
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"DEVICE={preference!r} but torch sees no CUDA GPU; use DEVICE='auto' or 'cpu'")
    if kind == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ValueError(f"DEVICE={preference!r} but MPS is not available; use DEVICE='auto' or 'cpu'")
    return torch.device(pref)


# --------------------------------------------------------------------------- profiles
def check_profile(profile: str) -> str:
    if profile not in PROFILES:
        raise ValueError(f"PROFILE={profile!r}: choose one of {', '.join(PROFILES)}")
    return profile


def pick(profile: str, *, quick: dict, full: dict) -> SimpleNamespace:
    """The settings of one profile as attributes, checking both profiles define the same names.

    >>> cfg = pick("quick", quick=dict(n_clips=64), full=dict(n_clips=4096))
    >>> cfg.n_clips
    64

    Notebook: 00_welcome
    """
    check_profile(profile)
    if set(quick) != set(full):
        raise ValueError(f"profiles define different settings: {sorted(set(quick) ^ set(full))}")
    return SimpleNamespace(**(quick if profile == "quick" else full))


# --------------------------------------------------------------------------- versions
def versions() -> dict[str, str]:
    """Versions of Python and the main libraries (those installed)."""
    from importlib import metadata

    out = {"python": platform.python_version()}
    for name in ("foley_nb_utils", "torch", "numpy", "scipy", "librosa", "av", "soundfile", "scikit-learn"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


# --------------------------------------------------------------------------- setup
@dataclass
class Context:
    """What a notebook's setup cell returns: the run's settings and its random streams."""

    notebook: str
    profile: str
    seed: int
    device: Any
    out_dir: Path
    data_dir: Path | None
    started: float = field(default_factory=time.time)

    def rng(self, *keys: Any) -> np.random.Generator:
        """numpy Generator for this run's seed and a purpose key."""
        return rng(self.seed, *keys)

    def torch_gen(self, *keys: Any, device: str = "cpu"):
        """torch Generator for this run's seed and a purpose key."""
        return torch_generator(self.seed, *keys, device=device)

    @property
    def synthetic(self) -> bool:
        """True when running on the synthetic world (no ``DATA_DIR`` given)."""
        return self.data_dir is None


def _new_interactive_dir(notebook: str) -> Path:
    base = (repo_root() or Path.cwd()) / "runs" / "interactive"
    stamp = time.strftime("%Y-%m-%dT%H-%M-%S")
    d = base / f"{notebook}-{stamp}"
    k = 2
    while d.exists():
        d = base / f"{notebook}-{stamp}-{k}"
        k += 1
    return d


def setup(notebook: str, profile: str = "quick", seed: int = 0, device: str = "auto",
          out_dir: str | Path | None = None, data_dir: str | Path | None = None,
          quiet: bool = False) -> Context:
    """Validate a notebook's parameters, seed torch, choose the device and print the banner.

    Args:
        notebook: the notebook's stem, e.g. ``"05_2016_visually_indicated_sounds"``.
        profile: ``"quick"`` (2-core CPU, about a minute) or ``"full"`` (one GPU).
        seed: the run's seed; every random stream derives from it (:meth:`Context.rng`).
        device: ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"mps"``.
        out_dir: where results (``results.json``) and figures go; None → a new folder under
            ``runs/interactive/`` so that no run overwrites another's results.
        data_dir: a real dataset's root; None → the synthetic world.

    Returns:
        A :class:`Context`.

    Notebook: 00_welcome
    """
    import torch

    from . import display, results

    check_profile(profile)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"SEED={seed!r}: use a non-negative integer")
    dev = choose_device(device)
    if data_dir is not None:
        data_dir = Path(data_dir).expanduser()
        if not data_dir.is_dir():
            raise FileNotFoundError(f"DATA_DIR={str(data_dir)!r} does not exist or is not a folder")
    out = Path(out_dir) if out_dir is not None else _new_interactive_dir(notebook)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(int(seed))  # layer initialisations use torch's default generator
    ctx = Context(notebook, profile, int(seed), dev, out, data_dir)
    vers = versions()
    results.configure(notebook=notebook, out_dir=out,
                      meta={"profile": profile, "seed": int(seed), "device": str(dev),
                            "data_dir": str(data_dir) if data_dir else None, "versions": vers})
    display.setup_plots()
    if not quiet:
        libs = ", ".join(f"{k} {v}" for k, v in vers.items())
        print(f"{notebook} · profile {profile} · seed {seed} · device {dev} "
              f"({os.cpu_count()} CPU cores, {torch.get_num_threads()} torch threads)")
        print(f"data: {data_dir if data_dir else 'synthetic world'} · results: {out}")
        print(libs)
    return ctx


def elapsed(ctx: Context) -> float:
    """Seconds since :func:`setup` (notebooks record their own wall time with it)."""
    return time.time() - ctx.started


__all__ = ["PROFILES", "Context", "cache_dir", "check_profile", "choose_device", "config_hash",
           "elapsed", "pick", "repo_root", "rng", "setup", "synthetic_dir", "torch_generator",
           "versions"]

if sys.version_info < (3, 10):  # pragma: no cover
    raise ImportError("foley_nb_utils needs Python 3.10 or newer")
