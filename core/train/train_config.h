// SPDX-License-Identifier: MIT
// Optimisation and schedule settings of a run. Plain value type, no torch. Defaults follow nanoGPT's CPU recipe for
// Shakespeare-char unless a comment says why not.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tb::core {

enum class Precision { Fp32, Bf16 };

std::string toString(Precision p);
/// Parses "fp32" / "bf16"; returns false for anything else.
bool parsePrecision(const std::string& text, Precision& out);

struct TrainConfig {
    int64_t batchSize = 12;       // sequences per micro-batch
    int64_t gradAccum = 1;        // micro-batches per optimizer step
    int64_t maxSteps = 2000;      // optimizer steps
    double learningRate = 1e-3;   // peak, reached after warmup
    double minLr = 1e-4;          // cosine floor; nanoGPT uses learning_rate / 10
    int64_t warmupSteps = 100;
    int64_t lrDecaySteps = 0;     // where the cosine reaches min_lr; 0 means max_steps
    double weightDecay = 0.1;     // AdamW, applied to 2-D weights only
    double beta1 = 0.9;
    double beta2 = 0.99;          // 0.99 for small batches (nanoGPT's Shakespeare-char); 0.95 for large
    double gradClip = 1.0;        // clip the global grad norm to this; 0 disables
    int64_t evalInterval = 250;   // steps between evaluations (and checkpoints)
    int64_t evalIters = 20;       // fixed batches per split for each evaluation
    uint64_t seed = 1337;         // one seed for init, batches and dropout
    int64_t threads = 0;          // intra-op threads; 0 means all cores
    Precision precision = Precision::Fp32;
    int64_t logInterval = 1;      // steps between metrics lines
    bool activationCheckpointing = false; // recompute block activations in backward: less memory, ~1/3 more compute
    std::vector<std::string> probePrompts = {"\n"}; // re-sampled after every evaluation to show progress; {} disables
    int64_t probeTokens = 64;     // new tokens per probe sample: a line or two of text, a few ms on a small model

    std::vector<std::string> validate() const;
    int64_t tokensPerStep(int64_t blockSize) const { return batchSize * gradAccum * blockSize; }
};

} // namespace tb::core
