// spikeforge simulation harness for Verilator (docs/hardware.md, "Harness").
//
// Drives the generated top exactly as sim/harness.v does, cycle for cycle: read that
// file's header for the per-cycle contract (reset, wait, feed, tick, run, the out_ready
// LFSR, the output lines and the trace format). The driver's registers are plain
// variables here, and the Verilog nonblocking semantics are emulated explicitly; each
// cycle:
//   1. put the driver's registers on the model's inputs (clk low) and evaluate;
//   2. sample every output: these are the pre-edge values the Verilog driver reads;
//   3. write the trace line, then compute the driver's next state from the sampled
//      outputs and the current registers (output lines are written here);
//   4. raise clk and evaluate (the model's rising edge, with the pre-edge inputs);
//   5. apply the driver's next state (its nonblocking updates).
// Single-threaded; deterministic (every model variable starts at 0).
//
// Build (spikeforge_sim::hdl does this, with --prefix fixed so this file is generic):
//   verilator --cc --exe --build -O3 --prefix Vtop --top-module <design>_top \
//     -CFLAGS "-DCB=<in_channel bits> -DOB=<out_port bits> -DIB=<out_index bits>" \
//     -o Vharness harness.cpp $(cat files.f)
// Run in the build directory (the $readmemh images are read at run time, from there):
//   Vharness +stimulus=stim.txt +output=out.txt +seed=1 +ready_pct=70 \
//     [+max_cycles=<n>] [+trace=trace.txt]

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "Vtop.h"
#include "verilated.h"

#if !defined(CB) || !defined(OB) || !defined(IB)
#error "compile with -DCB=<in_channel bits> -DOB=<out_port bits> -DIB=<out_index bits>"
#endif
#if CB > 32 || OB > 32 || IB > 32
#error "this harness supports ports of at most 32 bits"
#endif

namespace {

enum Phase { P_RESET, P_WAIT, P_FEED, P_TICK, P_RUN, P_DONE };
const int MAX_CHANNELS = 1 << 20;

// The value of the first "+name=value" argument, as $value$plusargs finds it.
const char* plusarg(int argc, char** argv, const char* name) {
    size_t len = std::strlen(name);
    for (int i = 1; i < argc; ++i) {
        const char* a = argv[i];
        if (a[0] == '+' && std::strncmp(a + 1, name, len) == 0 && a[1 + len] == '=')
            return a + 2 + len;
    }
    return nullptr;
}

uint32_t mask(uint64_t v, int bits) {
    return bits >= 32 ? static_cast<uint32_t>(v) : static_cast<uint32_t>(v & ((1ull << bits) - 1));
}

// The driver's registers (the Verilog harness's `reg`s and integers).
struct Driver {
    uint32_t rst = 1, in_valid = 0, in_channel = 0, out_ready = 0, tick = 0;
    Phase phase = P_RESET;
    uint32_t lfsr = 1;
    uint64_t cycles = 0;
};

}  // namespace

int main(int argc, char** argv) {
    const char* stim_name = plusarg(argc, argv, "stimulus");
    const char* out_name = plusarg(argc, argv, "output");
    const char* seed = plusarg(argc, argv, "seed");
    const char* pct = plusarg(argc, argv, "ready_pct");
    const char* maxc = plusarg(argc, argv, "max_cycles");
    const char* trace_name = plusarg(argc, argv, "trace");
    if (!stim_name) stim_name = "stim.txt";
    if (!out_name) out_name = "out.txt";

    Driver d;
    if (seed) d.lfsr = static_cast<uint32_t>(std::strtoull(seed, nullptr, 10));
    if (d.lfsr == 0) d.lfsr = 1;
    int32_t ready_pct = pct ? static_cast<int32_t>(std::strtoll(pct, nullptr, 10)) : 100;
    uint64_t max_cycles = maxc ? std::strtoull(maxc, nullptr, 10) : 100000000ull;
    // Integers of the Verilog harness (blocking variables).
    int32_t t = 0, k = 0, n = 0;
    std::vector<int32_t> queue(MAX_CHANNELS, 0);

    FILE* stim = std::fopen(stim_name, "r");
    FILE* outf = std::fopen(out_name, "w");
    if (!stim || !outf) {
        std::printf("harness: cannot open the stimulus or output file\n");
        return 2;
    }
    FILE* tracef = nullptr;
    if (trace_name) {
        tracef = std::fopen(trace_name, "w");
        if (!tracef) {
            std::printf("harness: cannot open the trace file\n");
            return 2;
        }
        std::fputs("cycle rst in_valid in_channel in_ready out_valid out_port out_index out_ready "
                   "tick busy tick_done\n",
                   tracef);
    }

    const std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    ctx->randReset(0);
    ctx->commandArgs(argc, argv);
    const std::unique_ptr<Vtop> top{new Vtop{ctx.get(), "dut"}};

    bool trace_first = true;
    uint32_t prev[11] = {0};
    int status = 0;
    for (;;) {
        // 1. Inputs from the driver's registers, clock low.
        top->clk = 0;
        top->rst = d.rst;
        top->in_valid = d.in_valid;
        top->in_channel = d.in_channel;
        top->out_ready = d.out_ready;
        top->tick = d.tick;
        top->eval();
        // 2. Pre-edge outputs.
        const uint32_t in_ready = top->in_ready;
        const uint32_t out_valid = top->out_valid;
        const uint32_t out_port = mask(top->out_port, OB);
        const uint32_t out_index = mask(top->out_index, IB);
        const uint32_t busy = top->busy;
        const uint32_t tick_done = top->tick_done;
        // 3. Trace line, then the driver's always block.
        if (tracef) {
            const uint32_t now[11] = {d.rst,    d.in_valid, d.in_channel, in_ready,
                                      out_valid, out_port,  out_index,    d.out_ready,
                                      d.tick,   busy,       tick_done};
            if (trace_first || std::memcmp(now, prev, sizeof now) != 0) {
                std::fprintf(tracef, "%llu", static_cast<unsigned long long>(d.cycles));
                for (uint32_t v : now) std::fprintf(tracef, " %u", v);
                std::fputc('\n', tracef);
            }
            trace_first = false;
            std::memcpy(prev, now, sizeof now);
        }
        Driver next = d;
        next.cycles = d.cycles + 1;
        next.lfsr = (d.lfsr << 1) |
                    (((d.lfsr >> 31) ^ (d.lfsr >> 21) ^ (d.lfsr >> 1) ^ d.lfsr) & 1u);
        next.out_ready = (d.lfsr % 100u) < static_cast<uint32_t>(ready_pct) ? 1 : 0;
        if (out_valid && d.out_ready) std::fprintf(outf, "%d %u %u\n", t, out_port, out_index);
        if (d.cycles >= max_cycles) {
            std::printf("harness: gave up after %llu cycles\n",
                        static_cast<unsigned long long>(d.cycles));
            status = 2;
            break;
        }
        bool done = false;
        switch (d.phase) {
        case P_RESET:
            if (d.cycles == 2) {
                next.rst = 0;
                next.phase = P_WAIT;
            }
            break;
        case P_WAIT:
            if (!busy) {
                if (std::fscanf(stim, "%d", &n) != 1) {
                    next.phase = P_DONE;
                } else {
                    for (int32_t i = 0; i < n && i < MAX_CHANNELS; ++i)
                        if (std::fscanf(stim, "%d", &queue[i]) != 1) break;
                    k = 0;
                    if (n > 0) {
                        next.in_channel = mask(static_cast<uint32_t>(queue[0]), CB);
                        next.in_valid = 1;
                        next.phase = P_FEED;
                    } else {
                        next.tick = 1;
                        next.phase = P_TICK;
                    }
                }
            }
            break;
        case P_FEED:
            if (d.in_valid && in_ready) {
                k = k + 1;
                if (k < n) {
                    next.in_channel = mask(static_cast<uint32_t>(queue[k]), CB);
                } else {
                    next.in_valid = 0;
                    next.tick = 1;
                    next.phase = P_TICK;
                }
            }
            break;
        case P_TICK:
            next.tick = 0;
            next.phase = P_RUN;
            break;
        case P_RUN:
            if (tick_done) {
                t = t + 1;
                next.phase = P_WAIT;
            }
            break;
        default:
            std::fprintf(outf, "cycles %llu\n", static_cast<unsigned long long>(d.cycles));
            done = true;
            break;
        }
        if (done) break;
        // 4. The rising edge, with the pre-edge inputs still applied.
        top->clk = 1;
        top->eval();
        // 5. The driver's nonblocking updates.
        d = next;
    }
    top->final();
    std::fclose(outf);
    std::fclose(stim);
    if (tracef) std::fclose(tracef);
    return status;
}
