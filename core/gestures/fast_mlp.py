"""A fast MLP training loop on the CPU, shared by ``core.gestures.training`` and ``core.starter.loop``.

``MLPTrainer`` runs the forward pass, backward pass and AdamW of an ``nn.Sequential`` of Linear, ReLU and Dropout in
numpy on the network's own weights; ``Epoch`` is one epoch's shuffled rows, targets and epoch-wide dropout masks,
made by ``Ahead`` on a second thread while the previous epoch trains. Each replaces a torch built-in that costs more
than the tiny networks it trains (each docstring gives the measured reason); the network stays a torch module, and
inference, saving and export read the weights trained here.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
import torch
from torch import nn

from core.types import FloatArray, IntArray

T = TypeVar("T")


@contextlib.contextmanager
def training_threads(threads: int | None) -> Iterator[None]:
    """torch's and numpy's BLAS at ``threads`` threads (None: as they are) for a training, restored after.

    A training's batches are too small to share: on two cores a second BLAS thread doubled the CPU seconds of a
    training for 5 % of its wall time, and spins beside whatever else the machine serves."""
    if threads is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads, user_api="blas"):
            yield
    finally:
        torch.set_num_threads(before)


class Ahead(Generic[T]):
    """``make()`` called one call ahead on a thread of its own: each ``take`` returns the value made while the
    caller worked on the previous one, and starts the next.

    An epoch's rows (drawn, augmented, mirrored: 6 ms of a starter training's 21 ms epoch) are made while the
    previous epoch trains; numpy lets go of the GIL in its array loops, so on two cores the two overlap.
    ``make`` must use only what no other thread touches (its own random generator)."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="handteach-epoch-rows")
        self._next: Future[T] = self._pool.submit(make)

    def take(self) -> T:
        value = self._next.result()
        self._next = self._pool.submit(self._make)
        return value

    def __enter__(self) -> Ahead[T]:
        return self

    def __exit__(self, *_: object) -> None:
        self._next.cancel()
        self._pool.shutdown(wait=True)


def dropout_masks(network: nn.Sequential, n: int, p: float, rng: np.random.Generator) -> list[FloatArray]:
    """One (n, width) float32 mask of 0 and 1/(1-p) per Dropout layer; empty when p is 0.

    Drawn for the whole epoch from random bytes (p rounded to 1/256): torch's own
    dropout draws a Bernoulli per element per batch and took ~40% of training time.
    """
    cut = round(p * 256)
    if cut == 0:
        return []
    masks = []
    for width in dropout_widths(network):
        keep = np.frombuffer(rng.bytes(n * width), dtype=np.uint8).reshape(n, width) >= cut
        masks.append(keep.astype(np.float32) * np.float32(256 / (256 - cut)))
    return masks


def dropout_widths(network: nn.Sequential) -> list[int]:
    """Width of the activations each Dropout layer sees: the out_features of the Linear before it."""
    widths, width = [], 0
    for layer in network:
        if isinstance(layer, nn.Linear):
            width = layer.out_features
        elif isinstance(layer, nn.Dropout):
            widths.append(width)
    return widths


@dataclass(frozen=True)
class Epoch:
    """One epoch's rows, shuffled, ready for ``MLPTrainer.train_epoch``: (n, D) float32 ``x``, (n,) classes ``y``
    (−1: a row of no class), (n, C) ``targets`` already scaled for each batch's mean (``cross_entropy``), one
    (n, width) mask per Dropout layer, cut into batches of ``batch_size`` rows in order."""

    x: FloatArray
    y: IntArray
    targets: FloatArray
    masks: list[FloatArray]
    batch_size: int


def shuffled_epoch(x: FloatArray, y: IntArray, targets: FloatArray, mass: FloatArray, network: nn.Sequential,
                   dropout: float, batch_size: int, rng: np.random.Generator) -> Epoch:  # fmt: skip
    """The (n, D) rows ``x`` of classes ``y`` and their (n, C) ``targets`` in a random order, each batch's targets
    divided by its rows' ``mass`` (n,): ones for a mean over the rows, the rows' weights for a weighted mean."""
    order = rng.permutation(len(x))
    x, y, targets, mass = (np.ascontiguousarray(a[order]) for a in (x, y, targets, mass))
    for start in range(0, len(x), batch_size):
        part = slice(start, start + batch_size)
        targets[part] /= np.float32(max(float(mass[part].sum()), 1e-12))
    return Epoch(x, y, targets, dropout_masks(network, len(x), dropout, rng), batch_size)


@dataclass
class _Flat:
    """Every weight and bias of the network in one float32 buffer (``values``), with the gradient's and AdamW's
    moments in buffers of the same layout: AdamW is then eight numpy calls a step, not eight per tensor."""

    values: FloatArray
    grads: FloatArray
    exp_avg: FloatArray
    exp_avg_sq: FloatArray
    weights: list[FloatArray]  # (out, in) views of ``values``, one per Linear, in order
    biases: list[FloatArray]  # (out,) views
    weight_grads: list[FloatArray]  # the same views of ``grads``
    bias_grads: list[FloatArray]


def _flatten(linears: list[nn.Linear]) -> _Flat:
    """Move each Linear's parameters into one buffer (the modules then read their views of it)."""
    params = [p for layer in linears for p in (layer.weight, layer.bias)]
    total = sum(p.numel() for p in params)
    values, grads = np.empty(total, np.float32), np.zeros(total, np.float32)
    views, grad_views, at = [], [], 0
    for p in params:
        size, shape = p.numel(), tuple(p.shape)
        values[at : at + size] = p.detach().numpy().reshape(-1)
        p.data = torch.from_numpy(values[at : at + size].reshape(shape))  # the module's tensor is the view
        views.append(values[at : at + size].reshape(shape))
        grad_views.append(grads[at : at + size].reshape(shape))
        at += size
    return _Flat(values, grads, np.zeros(total, np.float32), np.zeros(total, np.float32),
                 views[0::2], views[1::2], grad_views[0::2], grad_views[1::2])  # fmt: skip


class MLPTrainer:
    """Mini-batch steps of an ``nn.Sequential`` of Linear, ReLU and Dropout (``core.gestures.classifier``'s
    networks) with AdamW (decoupled weight decay, as ``torch.optim.AdamW`` computes it).

    Written out in numpy because torch's autograd and optimiser cost more than the arithmetic of a 0.02 M-parameter
    MLP: 1.6 ms a 256-row batch through autograd, about a third of that here, with the same numbers to float32
    rounding (``tests/test_gestures_fast_mlp.py`` checks them against autograd and ``torch.optim.AdamW``). The
    first ``torch.optim`` optimiser of a process also imports ``torch._dynamo``: 2-4 s, longer than a training.
    """

    def __init__(self, network: nn.Sequential, lr: float, weight_decay: float, eps: float = 1e-8) -> None:
        self.layers = list(network)
        for layer in self.layers:
            if not isinstance(layer, nn.Linear | nn.ReLU | nn.Dropout):
                raise TypeError(f"MLPTrainer trains Linear, ReLU and Dropout layers, not {type(layer).__name__}")
        self._flat = _flatten([layer for layer in self.layers if isinstance(layer, nn.Linear)])
        self.lr, self.weight_decay, self.eps = lr, weight_decay, eps
        self.beta1, self.beta2 = 0.9, 0.999
        self.steps = 0

    def step(self, x: FloatArray, masks: list[FloatArray], targets: FloatArray) -> tuple[float, FloatArray]:
        """One step on the (n, D) rows ``x`` against ``targets`` (``cross_entropy``), each Dropout multiplying by
        the next of ``masks`` (none: identity); (the loss, the (n, C) logits before the step)."""
        logits, kept = self._forward(x, masks)
        loss, grad = cross_entropy(logits, targets)
        self._backward(grad, kept)
        self._adamw()
        return loss, logits

    def train_epoch(self, epoch: Epoch) -> tuple[float, float]:
        """A step a batch of ``epoch``; (the batches' losses averaged by rows, the share of rows of a class named
        right, dropout on)."""
        total, right, counted = 0.0, 0, 0
        for start in range(0, len(epoch.y), epoch.batch_size):
            part = slice(start, start + epoch.batch_size)
            loss, logits = self.step(epoch.x[part], [m[part] for m in epoch.masks], epoch.targets[part])
            total += loss * len(logits)
            named, labelled = labelled_right(logits, epoch.y[part])
            right, counted = right + named, counted + labelled
        return total / len(epoch.y), right / max(counted, 1)

    def logits(self, x: FloatArray) -> FloatArray:
        """(n, C) logits of (n, D) rows with no dropout, as the network in eval mode gives them."""
        return self._forward(x, [])[0]

    def _forward(self, x: FloatArray, masks: list[FloatArray]) -> tuple[FloatArray, list[FloatArray]]:
        """The logits, and what the backward pass needs: each Linear's input, each ReLU's and Dropout's factor."""
        flat, kept, linear, dropout = self._flat, [], 0, 0
        for layer in self.layers:
            if isinstance(layer, nn.Linear):
                kept.append(x)
                x = x @ flat.weights[linear].T
                x += flat.biases[linear]
                linear += 1
            elif isinstance(layer, nn.ReLU):
                np.maximum(x, 0, out=x)  # x is this step's own array (the Linear's output)
                kept.append(x > 0)
            elif dropout < len(masks):
                kept.append(masks[dropout])
                x = x * masks[dropout]  # a new array: the Linear after keeps this one as its input
                dropout += 1
            else:
                kept.append(None)
        return x, kept

    def _backward(self, grad: FloatArray, kept: list[FloatArray]) -> None:
        flat = self._flat
        linear = len(flat.weights)
        for index in range(len(self.layers) - 1, -1, -1):
            saved = kept[index]
            if isinstance(self.layers[index], nn.Linear):
                linear -= 1
                np.matmul(grad.T, saved, out=flat.weight_grads[linear])
                np.sum(grad, axis=0, out=flat.bias_grads[linear])
                if index == 0:
                    return
                grad = grad @ flat.weights[linear]  # a new array: scaled in place below
            elif saved is not None:
                grad *= saved

    def _adamw(self) -> None:
        flat = self._flat
        self.steps += 1
        step_size = self.lr / (1 - self.beta1**self.steps)
        root_correction = math.sqrt(1 - self.beta2**self.steps)
        flat.values *= np.float32(1 - self.lr * self.weight_decay)
        flat.exp_avg += (flat.grads - flat.exp_avg) * np.float32(1 - self.beta1)
        flat.exp_avg_sq *= np.float32(self.beta2)
        flat.exp_avg_sq += np.float32(1 - self.beta2) * flat.grads * flat.grads
        denom = np.sqrt(flat.exp_avg_sq)
        denom /= np.float32(root_correction)
        denom += np.float32(self.eps)
        flat.values -= np.float32(step_size) * flat.exp_avg / denom


def cross_entropy(logits: FloatArray, targets: FloatArray) -> tuple[float, FloatArray]:
    """The loss −Σ targets × log softmax(logits) of (n, C) logits and its gradient by the logits.

    ``targets`` (n, C) carry every weight and the mean's divisor: a row of class c weighing w in a mean over n
    rows is w/n at c and 0 elsewhere (``class_targets``), a row pulled to equal probabilities is w/(n·C) at every
    class. One form, one pass: the gradient is softmax × (the row's sum of targets) − targets."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    loss = float((targets * (np.log(total) - shifted)).sum())
    return loss, exp * (targets.sum(axis=1, keepdims=True) / total) - targets


def labelled_right(logits: FloatArray, y: IntArray) -> tuple[int, int]:
    """(rows of a class whose largest logit is their class, rows of a class) of (n, C) logits and (n,) classes ``y``
    (−1: a row of no class, counted in neither)."""
    labelled = y >= 0
    return int((logits.argmax(1)[labelled] == y[labelled]).sum()), int(labelled.sum())


def class_targets(y: IntArray, weights: FloatArray, n_classes: int) -> FloatArray:
    """(n, C) targets (``cross_entropy``) of rows of classes ``y`` weighing ``weights`` (n,): each row's weight at
    its class (rows of class −1 none)."""
    targets = np.zeros((len(y), n_classes), np.float32)
    rows = np.flatnonzero(y >= 0)
    targets[rows, y[rows]] = weights[rows]
    return targets
