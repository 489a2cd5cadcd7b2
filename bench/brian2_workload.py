"""One functional-model workload of `spikeforge bench` run in Brian2, for comparison.

The harness writes the workload to a folder: params.json (inputs, neurons, ticks,
threshold, leak shift), weights.i8 (inputs x neurons int8, row-major, every entry a
synapse) and input.u32 (the input raster as (tick, channel) pairs of little-endian
uint32, sorted). This script builds the same network in Brian2's C++ standalone mode
with one thread, with the semantics' integer arithmetic:

    acc += w for every delivered input spike (same tick, no delay)
    v = v - floor(v / 2^leak_shift) + acc; acc = 0     (v >> leak_shift for integers)
    fire when v >= threshold, then v = 0

and prints one JSON object: the build time (code generation and compilation, apart),
each run's network time as Brian2 measures it and the binary's wall time, and the
spike count of every neuron, for the harness to compare with its own.

Usage: python brian2_workload.py WORKLOAD_DIR BUILD_DIR [REPEATS]
"""

import json
import os
import platform
import sys
import time

import numpy as np


def main():
    workload, build_dir = sys.argv[1], sys.argv[2]
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    with open(os.path.join(workload, "params.json")) as f:
        p = json.load(f)
    n_in, n, ticks = p["inputs"], p["neurons"], p["ticks"]
    weights = np.fromfile(os.path.join(workload, "weights.i8"), dtype=np.int8)
    assert weights.size == n_in * n, "weights.i8 has the wrong size"
    raster = np.fromfile(os.path.join(workload, "input.u32"), dtype="<u4").reshape(-1, 2)

    import brian2 as b2

    b2.set_device("cpp_standalone", directory=build_dir, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = 0
    b2.prefs.logging.console_log_level = "WARNING"
    b2.defaultclock.dt = 1 * b2.ms

    inp = b2.SpikeGeneratorGroup(
        n_in, raster[:, 1].astype(np.int64), raster[:, 0].astype(np.float64) * b2.ms
    )
    g = b2.NeuronGroup(
        n,
        "v : integer\nacc : integer",
        threshold=f"v >= {int(p['threshold'])}",
        reset="v = 0",
    )
    # The update runs after the synapses of the same step have added this tick's
    # input, then the threshold, then the reset: the order of one semantic tick.
    g.run_regularly(
        f"v = v - (v // {2 ** int(p['leak_shift'])}) + acc\nacc = 0",
        when="after_synapses",
        order=0,
    )
    g.thresholder["spike"].when = "after_synapses"
    g.thresholder["spike"].order = 1
    s = b2.Synapses(inp, g, "w : integer", on_pre="acc_post += w")
    rows, cols = np.divmod(np.arange(n_in * n, dtype=np.int64), n)
    s.connect(i=rows, j=cols)
    s.w = weights.astype(np.int32)
    mon = b2.SpikeMonitor(g, record=False)
    b2.run(ticks * b2.ms)

    t0 = time.perf_counter()
    b2.device.build(directory=build_dir, compile=True, run=False, with_output=False)
    build_s = time.perf_counter() - t0
    run_s, binary_s = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        b2.device.run(directory=build_dir, with_output=False)
        binary_s.append(time.perf_counter() - t0)
        run_s.append(float(b2.device._last_run_time))
    counts = [int(c) for c in np.asarray(mon.count)]
    print(
        json.dumps(
            {
                "brian2_version": b2.__version__,
                "numpy_version": np.__version__,
                "python_version": platform.python_version(),
                "build_s": build_s,
                "run_s": run_s,
                "binary_s": binary_s,
                "counts": counts,
            }
        )
    )


if __name__ == "__main__":
    main()
