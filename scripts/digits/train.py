#!/usr/bin/env python3
"""Trains the bundled digit classifier and exports it as a spikeforge design.

Reproducible and offline: scikit-learn's 8x8 digits data set ships inside the package.
Run from the repository root (see designs/digits/README.md):

    python3 -m venv .venv-digits
    .venv-digits/bin/pip install -r scripts/digits/requirements.txt
    .venv-digits/bin/python scripts/digits/train.py

Method: ANN-to-SNN conversion. A 64-64-10 ReLU perceptron (with biases) is trained in
floating point; its layers become integrate-and-fire populations (no leak, reset by
subtraction, no refractory period), so a neuron's firing rate approximates its ReLU
activation divided by the layer's threshold. Biases become a one-channel input `bias`
that spikes in every tick. Each layer's weights are scaled to 8-bit integers, and its
threshold is its 99.9th-percentile activation on the training set in the same scale
(data-based normalisation). Pixels (0..16) are rate coded: in each of the
TICKS_PER_IMAGE ticks of an image, pixel p spikes with probability p / 16, drawn from a
seeded generator.

Writes designs/digits.toml, its weight files, the test split's stimulus and labels, and
designs/digits/training.json (accuracies, thresholds, versions). The hardware's
accuracy reported in training.json is computed here by an exact integer simulation of
the semantics page on the exported stimulus; `spikeforge run` must print the same.
"""

import json
import platform
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

HIDDEN = 64
TICKS_PER_IMAGE = 32
WEIGHT_BITS = 8
MEMBRANE_BITS = 16
SPLIT_SEED = 0
TRAIN_SEED = 0
STIMULUS_SEED = 1
PERCENTILE = 99.9

ROOT = Path(__file__).resolve().parents[2]
DESIGNS = ROOT / "designs"
OUT = DESIGNS / "digits"


def quantise(weights, bias):
    """Scales a layer to WEIGHT_BITS-bit integers; returns them and the scale."""
    top = (1 << (WEIGHT_BITS - 1)) - 1
    scale = top / max(np.abs(weights).max(), np.abs(bias).max())
    return (np.round(weights * scale).astype(np.int64),
            np.round(bias * scale).astype(np.int64), scale)


def simulate(spikes, w1, b1, th1, w2, b2, th2):
    """The semantics page for this design, in integers: all images at once.

    spikes: bool [images, ticks, 64]. Returns output spike counts and first-spike ticks.
    """
    images, ticks, _ = spikes.shape
    lo, hi = -(1 << (MEMBRANE_BITS - 1)), (1 << (MEMBRANE_BITS - 1)) - 1
    v1 = np.zeros((images, w1.shape[1]), np.int64)
    v2 = np.zeros((images, w2.shape[1]), np.int64)
    fired1 = np.zeros_like(v1, dtype=bool)
    counts = np.zeros_like(v2)
    first = np.full(v2.shape, ticks)
    for t in range(ticks):
        # Stimulus (pixels and the always-on bias) arrives now; hidden spikes of t - 1.
        acc1 = spikes[:, t, :].astype(np.int64) @ w1 + b1
        acc2 = fired1.astype(np.int64) @ w2 + b2
        assert np.abs(acc1).max() <= hi and np.abs(acc2).max() <= hi  # no wrap
        v1 = np.clip(v1 + acc1, lo, hi)
        fired1 = v1 >= th1
        v1 = np.where(fired1, v1 - th1, v1)
        v2 = np.clip(v2 + acc2, lo, hi)
        fired2 = v2 >= th2
        v2 = np.where(fired2, v2 - th2, v2)
        counts += fired2
        first = np.where(fired2 & (first == ticks), t, first)
    return counts, first


def classify(counts, first):
    """The readout `spikeforge run` uses: most spikes; ties to the earliest first spike,
    then the lowest index; an image with no output spike has no answer (-1)."""
    ticks = first.max() + 1
    key = counts * (ticks + 1) - first  # more spikes first, then earlier spikes
    pred = np.argmax(key, axis=1)
    return np.where(counts.sum(axis=1) > 0, pred, -1)


def write_csv_matrix(path, m):
    path.write_text("".join(",".join(str(int(x)) for x in row) + "\n" for row in m))


def main():
    digits = load_digits()
    x = digits.data / 16.0
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target, test_size=0.2, random_state=SPLIT_SEED, stratify=digits.target)
    mlp = MLPClassifier(hidden_layer_sizes=(HIDDEN,), activation="relu", alpha=1e-3,
                        max_iter=2000, random_state=TRAIN_SEED)
    mlp.fit(x_train, y_train)
    float_accuracy = float(mlp.score(x_test, y_test))

    (w1, w2), (b1, b2) = mlp.coefs_, mlp.intercepts_
    a1 = np.maximum(x_train @ w1 + b1, 0)
    lam1 = np.percentile(a1, PERCENTILE)
    # Layer 2 sees rates a1 / lam1, so its weights absorb lam1.
    a2 = np.maximum((a1 / lam1) @ (w2 * lam1) + b2, 0)
    lam2 = np.percentile(a2, PERCENTILE)
    w1q, b1q, s1 = quantise(w1, b1)
    w2q, b2q, s2 = quantise(w2 * lam1, b2)
    th1, th2 = int(round(lam1 * s1)), int(round(lam2 * s2))

    rng = np.random.default_rng(STIMULUS_SEED)
    pixels = np.rint(x_test * 16).astype(np.int64)
    spikes = rng.integers(0, 16, size=(len(x_test), TICKS_PER_IMAGE, 64)) < pixels[:, None, :]
    counts, first = simulate(spikes, w1q, b1q, th1, w2q, b2q, th2)
    pred = classify(counts, first)
    snn_accuracy = float((pred == y_test).mean())

    OUT.mkdir(parents=True, exist_ok=True)
    np.save(OUT / "w_pixels_hidden.npy", w1q.astype(np.int8))
    np.save(OUT / "w_hidden_out.npy", w2q.astype(np.int8))
    write_csv_matrix(OUT / "w_bias_hidden.csv", b1q[None, :])
    write_csv_matrix(OUT / "w_bias_out.csv", b2q[None, :])
    rows = ["tick,port,index\n"]
    for image in range(len(x_test)):
        for t in range(TICKS_PER_IMAGE):
            tick = image * TICKS_PER_IMAGE + t
            rows.append(f"{tick},bias,0\n")
            rows.extend(f"{tick},pixels,{p}\n" for p in np.flatnonzero(spikes[image, t]))
    (OUT / "test_stimulus.csv").write_text("".join(rows))
    (OUT / "test_labels.csv").write_text(
        "image,label\n" + "".join(f"{i},{int(y)}\n" for i, y in enumerate(y_test)))
    (OUT / "training.json").write_text(json.dumps({
        "images": len(y_test),
        "ticks_per_image": TICKS_PER_IMAGE,
        "float_accuracy": round(float_accuracy, 6),
        "hardware_accuracy": round(snn_accuracy, 6),
        "predictions": [int(p) for p in pred],
        "thresholds": {"hidden": th1, "out": th2},
        "weight_scales": {"hidden": round(float(s1), 6), "out": round(float(s2), 6)},
        "seeds": {"split": SPLIT_SEED, "train": TRAIN_SEED, "stimulus": STIMULUS_SEED},
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "scipy": scipy.__version__, "scikit-learn": sklearn.__version__},
    }, indent=2) + "\n")
    (DESIGNS / "digits.toml").write_text(DESIGN.format(
        hidden=HIDDEN, th1=th1, th2=th2, ticks=TICKS_PER_IMAGE, images=len(y_test),
        float_accuracy=round(float_accuracy, 6), weight_bits=WEIGHT_BITS,
        membrane_bits=MEMBRANE_BITS))
    print(f"float accuracy {float_accuracy:.4f}, hardware (integer SNN) accuracy "
          f"{snn_accuracy:.4f} on {len(y_test)} test images; thresholds {th1}, {th2}")


DESIGN = """\
# A handwritten-digit classifier: scikit-learn's 8 x 8 digits, 64 -> {hidden} -> 10,
# converted from a trained ReLU perceptron to integrate-and-fire neurons.
#
# GENERATED by scripts/digits/train.py (do not edit by hand; rerun the script, see
# designs/digits/README.md). `spikeforge run` (no argument) runs this design over the
# held-out test split and reports its accuracy.

name = "digits"

[hardware]
tile_neurons = 32
tile_axons = 128
membrane_bits = {membrane_bits}
weight_bits = {weight_bits}

# Pixel p of an image (0..16) spikes with probability p / 16 in each tick.
[[input]]
name = "pixels"
channels = 64

# The network's biases: one channel that spikes in every tick.
[[input]]
name = "bias"
channels = 1

[[population]]
name = "hidden"
neurons = {hidden}
threshold = {th1}
leak_shift = 0
reset = "subtract"
refractory = 0

[[population]]
name = "out"
neurons = 10
threshold = {th2}
leak_shift = 0
reset = "subtract"
refractory = 0
output = true

[[crossbar]]
from = "pixels"
to = "hidden"
weights = "digits/w_pixels_hidden.npy"

[[crossbar]]
from = "bias"
to = "hidden"
weights = "digits/w_bias_hidden.csv"

[[crossbar]]
from = "hidden"
to = "out"
weights = "digits/w_hidden_out.npy"

[[crossbar]]
from = "bias"
to = "out"
weights = "digits/w_bias_out.csv"

# What `spikeforge run` runs: {images} test images of {ticks} ticks each, every image
# from a reset. Output neuron k votes for digit k.
[workload]
stimulus = "digits/test_stimulus.csv"
labels = "digits/test_labels.csv"
ticks_per_image = {ticks}
readout = "out"
float_accuracy = {float_accuracy}
"""

if __name__ == "__main__":
    main()
