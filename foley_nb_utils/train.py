"""Training loops: one ``fit`` for every model of the series and a ``fit_gan`` variant.

Both loops put the model on the run's device, use bf16 autocast on CUDA, clip gradients, show
a tqdm progress bar, return the loss history for plotting and **reuse a checkpoint when one
matches**: the checkpoint's file name carries a hash of the training config and the model's
architecture, so changing either trains anew instead of loading a stale file. Checkpoints are
written atomically and loaded with ``torch.load(weights_only=True)``.

Notebook: 02_building_blocks
"""
from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .atomic import atomic_path
from .repro import cache_dir, config_hash

Batch = Any
LossFn = Callable[[nn.Module, Batch], "torch.Tensor | tuple[torch.Tensor, dict[str, float]]"]

#: Options of every Adam / AdamW the series builds. ``foreach``: one call per update operation
#: for all parameters instead of a Python loop over them, the same numbers
#: (``tests/test_train.py`` checks) and faster for the many small tensors of our networks.
OPTIMIZER_OPTIONS: dict[str, Any] = {"foreach": True}


def _arch(model: nn.Module) -> dict:
    return {"class": type(model).__qualname__, "repr": repr(model),
            "n_params": sum(p.numel() for p in model.parameters())}


def checkpoint_path(name: str, config: dict, *models: nn.Module, folder: str | Path | None = None) -> Path:
    """Where a model trained with ``config`` is kept: ``<cache>/checkpoints/<name>-<hash>.pt``.

    The hash covers ``config`` and each model's class, layer layout and parameter count.
    """
    key = config_hash({"config": config, "models": [_arch(m) for m in models]})
    folder = Path(folder) if folder is not None else cache_dir("checkpoints")
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}-{key}.pt"


_GLOBAL_RNG = threading.RLock()
"""Held while torch's global generator is seeded, saved, restored or drawn from for a build."""


@contextlib.contextmanager
def training_rng(config: dict, *models: nn.Module, device="cpu"):
    """Run a training with torch's global generator seeded from what identifies the training.

    Layers that draw random numbers themselves (dropout) use torch's global generator. Seeding
    it from the training's config and architecture (the checkpoint key), and restoring it
    afterwards, makes every training independent of what ran before it: a model trains to the
    same weights whether the models before it were trained or loaded from the cache.

    Notebook: 02_building_blocks
    """
    seed = int(config_hash({"config": config, "models": [_arch(m) for m in models]}, n=15), 16)
    dev = torch.device(device)
    with _GLOBAL_RNG:  # see build_seeded: trainings side by side must not seed mid-build
        cpu_state = torch.random.get_rng_state()
        cuda_state = torch.cuda.get_rng_state(dev) if dev.type == "cuda" else None
        torch.manual_seed(seed)
    try:
        yield
    finally:
        with _GLOBAL_RNG:
            torch.random.set_rng_state(cpu_state)
            if cuda_state is not None:
                torch.cuda.set_rng_state(cuda_state, dev)


def build_seeded(seed: int, build: Callable[[], nn.Module]) -> nn.Module:
    """``build()`` a module with its layers' initial weights drawn from ``seed`` (torch's global
    generator is seeded for the build and restored afterwards).

    The build holds a lock that :func:`training_rng` also takes, so that trainings running
    :func:`side_by_side` may build their networks inside their own thread.

    Args:
        seed: int seed of the initial weights.
        build: function without arguments returning the module.

    Returns:
        The module.

    Notebook: 07_2017_cross_modal_gan
    """
    with _GLOBAL_RNG, torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return build()


def save_checkpoint(path: str | Path, payload: dict) -> Path:
    """Write ``payload`` (state dicts, history of floats) atomically to ``path``."""
    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
    return path


def load_checkpoint(path: str | Path) -> dict:
    """Load a checkpoint safely (``weights_only=True``); a corrupt file raises ValueError naming it."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - torch raises several types for broken files
        raise ValueError(f"checkpoint {path} is unreadable ({type(e).__name__}: {e}); delete it to retrain") from e


def _to_device(batch: Batch, device) -> Batch:
    if torch.is_tensor(batch):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to_device(b, device) for b in batch)
    if isinstance(batch, dict):
        return {k: _to_device(v, device) for k, v in batch.items()}
    return batch


def _split_loss(out) -> tuple[torch.Tensor, dict[str, float]]:
    if isinstance(out, tuple):
        loss, extra = out
        return loss, {k: float(v) for k, v in extra.items()}
    return out, {}


def _autocast(device):
    dev = torch.device(device)
    if dev.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return torch.autocast("cpu", enabled=False)


def _progress(total: int, desc: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, disable=not enabled, leave=False, mininterval=0.5)


class History(dict):
    """Per-step training records: ``hist["loss"]`` is a list of floats (one per step);
    ``hist["val_loss"]`` one per evaluation; ``hist.loaded`` says whether it came from a checkpoint;
    ``hist.seconds`` the training's wall time in s (kept in the checkpoint; 0 for older ones)."""

    loaded: bool = False
    seconds: float = 0.0

    def last(self, key: str = "loss", n: int = 20) -> float:
        """Mean of the last ``n`` values of ``key``."""
        vals = self.get(key, [])
        if not vals:
            raise KeyError(f"history has no {key!r}")
        tail = vals[-n:]
        return float(sum(tail) / len(tail))


def _batches(data, steps: int):
    """Yield ``steps`` batches from a re-iterable (DataLoader, list) or a callable ``step -> batch``."""
    if callable(data) and not hasattr(data, "__iter__"):
        for s in range(steps):
            yield data(s)
        return
    done = 0
    while done < steps:
        empty = True
        for b in data:
            empty = False
            yield b
            done += 1
            if done >= steps:
                return
        if empty:
            raise ValueError("fit: training data yielded no batch")


def fit(model: nn.Module, data: Iterable[Batch] | Callable[[int], Batch], loss_fn: LossFn, *,
        steps: int, lr: float = 1e-3, device="cpu", weight_decay: float = 0.0,
        clip_grad: float | None = 1.0, optimizer: torch.optim.Optimizer | None = None,
        val_data: Iterable[Batch] | None = None, val_every: int = 0,
        name: str | None = None, config: dict | None = None, progress: bool = True,
        desc: str | None = None) -> History:
    """Train ``model`` for ``steps`` optimiser steps, or load the matching checkpoint.

    Args:
        model: any ``nn.Module``; moved to ``device``.
        data: re-iterable of batches (cycled) or a function ``step -> batch``.
        loss_fn: ``loss_fn(model, batch) -> loss`` or ``(loss, {"name": value})``; the extra
            values are recorded in the history too.
        steps: number of optimiser steps.
        lr, weight_decay: AdamW settings (ignored when ``optimizer`` is given).
        clip_grad: max gradient norm (None: no clipping).
        val_data, val_every: evaluate the mean loss on ``val_data`` every ``val_every`` steps
            (and at the end) under ``torch.no_grad``.
        name, config: when ``name`` is given, the model is checkpointed under
            :func:`checkpoint_path` ``(name, config + steps/lr)`` and reloaded next time.

    Returns:
        :class:`History` with ``loss`` per step (and ``val_loss``, extras).

    Notebook: 02_building_blocks
    """
    model.to(device)
    full_config = {**(config or {}), "steps": steps, "lr": lr, "weight_decay": weight_decay,
                   "clip_grad": clip_grad}
    ckpt = checkpoint_path(name, full_config, model) if name else None
    hist = History(loss=[])
    if ckpt is not None and ckpt.exists():
        state = load_checkpoint(ckpt)
        model.load_state_dict(state["model"])
        hist.update(state.get("history", {}))
        hist.loaded = True
        hist.seconds = float(state.get("seconds", 0.0))  # the training's wall time (0: an older checkpoint)
        model.eval()
        return hist
    with training_rng(full_config, model, device=device):
        hist = _fit_loop(model, data, loss_fn, hist, steps=steps, lr=lr, weight_decay=weight_decay,
                         clip_grad=clip_grad, optimizer=optimizer, val_data=val_data, val_every=val_every,
                         device=device, bar=_progress(steps, desc or name or "training", progress))
    if ckpt is not None:
        save_checkpoint(ckpt, {"model": model.state_dict(), "history": dict(hist), "seconds": float(hist.seconds)})
    return hist


def _fit_loop(model, data, loss_fn, hist, *, steps, lr, weight_decay, clip_grad, optimizer, val_data, val_every,
              device, bar) -> History:
    opt = optimizer or torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay, **OPTIMIZER_OPTIONS)
    t0 = time.time()
    model.train()
    for step, batch in enumerate(_batches(data, steps)):
        batch = _to_device(batch, device)
        with _autocast(device):
            loss, extra = _split_loss(loss_fn(model, batch))
        if not torch.isfinite(loss):
            bar.close()
            raise FloatingPointError(f"fit: loss became {loss.item()} at step {step}; lower lr or check data")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if clip_grad:
            nn.utils.clip_grad_norm_(model.parameters(), clip_grad)
        opt.step()
        hist["loss"].append(float(loss.detach()))
        for k, v in extra.items():
            hist.setdefault(k, []).append(v)
        if val_data is not None and val_every and (step + 1) % val_every == 0 and step + 1 < steps:
            hist.setdefault("val_loss", []).append(evaluate(model, val_data, loss_fn, device=device))
            hist.setdefault("val_step", []).append(step + 1)
            model.train()
        bar.update(1)
        if step % 10 == 0:
            bar.set_postfix(loss=f"{hist['loss'][-1]:.4g}")
    bar.close()
    if val_data is not None:
        hist.setdefault("val_loss", []).append(evaluate(model, val_data, loss_fn, device=device))
        hist.setdefault("val_step", []).append(steps)
    hist.seconds = time.time() - t0
    model.eval()
    return hist


@torch.no_grad()
def evaluate(model: nn.Module, data: Iterable[Batch], loss_fn: LossFn, *, device="cpu") -> float:
    """Mean of ``loss_fn`` over the batches of ``data`` (model in eval mode)."""
    model.eval()
    total, n = 0.0, 0
    for batch in data:
        loss, _ = _split_loss(loss_fn(model, _to_device(batch, device)))
        total += float(loss)
        n += 1
    if n == 0:
        raise ValueError("evaluate: no batches")
    return total / n


def fit_gan(generator: nn.Module, discriminator: nn.Module, data: Iterable[Batch] | Callable[[int], Batch],
            d_loss_fn: Callable[[nn.Module, nn.Module, Batch], torch.Tensor],
            g_loss_fn: Callable[[nn.Module, nn.Module, Batch], torch.Tensor], *,
            steps: int, lr_g: float = 2e-4, lr_d: float = 2e-4, betas=(0.5, 0.999), d_steps: int = 1,
            device="cpu", clip_grad: float | None = None, name: str | None = None,
            config: dict | None = None, progress: bool = True, desc: str | None = None,
            callback: Callable[[int], None] | None = None) -> History:
    """Alternate discriminator and generator updates (DCGAN-style Adam), or load a checkpoint.

    Args:
        d_loss_fn: ``(G, D, batch) -> loss`` for the discriminator (generate under no_grad or
            detach the fakes inside it).
        g_loss_fn: ``(G, D, batch) -> loss`` for the generator.
        d_steps: discriminator updates per generator update.
        callback: called as ``callback(step)`` after each step (e.g. to track a judge score).

    Returns:
        :class:`History` with ``d_loss`` and ``g_loss`` per step.

    Notebook: 02_building_blocks
    """
    generator.to(device)
    discriminator.to(device)
    full_config = {**(config or {}), "steps": steps, "lr_g": lr_g, "lr_d": lr_d, "betas": list(betas),
                   "d_steps": d_steps}
    ckpt = checkpoint_path(name, full_config, generator, discriminator) if name else None
    hist = History(d_loss=[], g_loss=[])
    if ckpt is not None and ckpt.exists():
        state = load_checkpoint(ckpt)
        generator.load_state_dict(state["generator"])
        discriminator.load_state_dict(state["discriminator"])
        hist.update(state.get("history", {}))
        hist.loaded = True
        hist.seconds = float(state.get("seconds", 0.0))
        generator.eval()
        discriminator.eval()
        return hist
    with training_rng(full_config, generator, discriminator, device=device):
        hist = _gan_loop(generator, discriminator, data, d_loss_fn, g_loss_fn, hist, steps=steps, lr_g=lr_g,
                         lr_d=lr_d, betas=betas, d_steps=d_steps, device=device, clip_grad=clip_grad,
                         bar=_progress(steps, desc or name or "GAN training", progress), callback=callback)
    if ckpt is not None:
        save_checkpoint(ckpt, {"generator": generator.state_dict(),
                               "discriminator": discriminator.state_dict(), "history": dict(hist),
                               "seconds": float(hist.seconds)})
    return hist


def _gan_loop(generator, discriminator, data, d_loss_fn, g_loss_fn, hist, *, steps, lr_g, lr_d, betas, d_steps,
              device, clip_grad, bar, callback) -> History:
    opt_g = torch.optim.Adam(generator.parameters(), lr=lr_g, betas=betas, **OPTIMIZER_OPTIONS)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=lr_d, betas=betas, **OPTIMIZER_OPTIONS)
    t0 = time.time()
    generator.train()
    discriminator.train()
    batches = _batches(data, steps * d_steps)
    for step in range(steps):
        for _ in range(d_steps):
            batch = _to_device(next(batches), device)
            with _autocast(device):
                d_loss = d_loss_fn(generator, discriminator, batch)
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            if clip_grad:
                nn.utils.clip_grad_norm_(discriminator.parameters(), clip_grad)
            opt_d.step()
        with _autocast(device):
            g_loss = g_loss_fn(generator, discriminator, batch)
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        if clip_grad:
            nn.utils.clip_grad_norm_(generator.parameters(), clip_grad)
        opt_g.step()
        if not (torch.isfinite(d_loss) and torch.isfinite(g_loss)):
            bar.close()
            raise FloatingPointError(f"fit_gan: loss became non-finite at step {step}")
        hist["d_loss"].append(float(d_loss.detach()))
        hist["g_loss"].append(float(g_loss.detach()))
        if callback is not None:
            callback(step)
        bar.update(1)
        if step % 10 == 0:
            bar.set_postfix(d=f"{hist['d_loss'][-1]:.3g}", g=f"{hist['g_loss'][-1]:.3g}")
    bar.close()
    hist.seconds = time.time() - t0
    generator.eval()
    discriminator.eval()
    return hist


def side_by_side(jobs: dict[str, Callable[[], Any]], workers: int | None = None) -> dict[str, Any]:
    """Run independent trainings at the same time in threads and return their results by name.

    torch releases Python's lock inside its operations, so when each training runs its
    operations on one thread (``torch.get_num_threads() == 1``, the quick profile's setting for
    tiny networks), two trainings on a 2-core laptop take about the time of the slower one
    instead of the sum. Otherwise (several threads per operation, or one core) they run one
    after the other.

    The results are the same as sequential runs on one condition, which the caller must meet:
    no job draws from torch's *global* generator while it trains (no dropout in training mode;
    noise and batches from explicit ``torch.Generator`` objects). Networks are built with
    :func:`build_seeded`, before or inside the jobs: its lock keeps one job's build from
    interleaving with another's seeding. ``fit`` and ``fit_gan`` seed and restore the global
    generator around each training, which is harmless when nothing draws from it; its state is
    restored here afterwards.

    Args:
        jobs: name → a function without arguments that trains and returns something.
        workers: threads (default: one per job, at most ``os.cpu_count()``, or 1 when each
            operation already uses several threads).

    Returns:
        name → the job's result, in the order of ``jobs``. The first job to fail raises, with
        its name in the message (the others finish first). An interrupt (Jupyter's stop
        button) stops the waiting at once; trainings already running finish in the background.

    Notebook: 07_2017_cross_modal_gan
    """
    import os
    from concurrent.futures import ThreadPoolExecutor

    if workers is None:
        workers = min(len(jobs), os.cpu_count() or 1) if torch.get_num_threads() == 1 else 1
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive int, got {workers!r}")
    state = torch.random.get_rng_state()
    try:
        if workers == 1:
            return {name: job() for name, job in jobs.items()}
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fnu-train") as pool:
            futures = {name: pool.submit(job) for name, job in jobs.items()}
        out = {}
        for name, fut in futures.items():
            try:
                out[name] = fut.result()
            except Exception as e:
                raise RuntimeError(f"training {name!r} failed: {type(e).__name__}: {e}") from e
        return out
    finally:
        torch.random.set_rng_state(state)


def plot_history(hist: History, keys: Iterable[str] = ("loss",), *, ax=None, smooth: int = 10,
                 title: str = "", logy: bool = False, label: str = ""):
    """Plot training curves (moving average over ``smooth`` steps) from a :class:`History`.

    ``label`` prefixes each curve's legend entry (``"I2S "`` → "I2S d_loss"), so that the curves of
    several runs on one axes say which run they belong to.

    Notebook: 02_building_blocks
    """
    import matplotlib.pyplot as plt
    import numpy as np

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 2.4))
    for k in keys:
        if k == "val_loss":
            if hist.get("val_loss"):
                ax.plot(hist.get("val_step", range(len(hist["val_loss"]))), hist["val_loss"], "o-",
                        label=f"{label}val_loss", lw=1, ms=3)
            continue
        v = np.asarray(hist.get(k, []), dtype=float)
        if v.size == 0:
            continue
        if smooth > 1 and v.size > smooth:
            v = np.convolve(v, np.ones(smooth) / smooth, mode="valid")
        ax.plot(v, label=f"{label}{k}", lw=1)
    ax.set_xlabel("step")
    if logy:
        ax.set_yscale("log")
    ax.legend(fontsize=8)
    ax.set_title(title or ("loaded from checkpoint" if getattr(hist, "loaded", False) else "training"))
    return ax


__all__ = ["OPTIMIZER_OPTIONS", "History", "build_seeded", "checkpoint_path", "evaluate", "fit", "fit_gan",
           "load_checkpoint", "plot_history", "save_checkpoint", "side_by_side", "training_rng"]
