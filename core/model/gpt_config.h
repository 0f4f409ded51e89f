// SPDX-License-Identifier: MIT
// The shape of a GPT (nanoGPT's architecture). Plain value type, no torch: the GUI and CLI read and edit it freely.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tb::core {

struct GptConfig {
    int64_t vocabSize = 256; // set from the tokenizer when a run starts
    int64_t blockSize = 64;  // context length in tokens
    int64_t nLayer = 4;
    int64_t nHead = 4;
    int64_t nEmbd = 128;
    double dropout = 0.0;    // 0 for pretraining small models from scratch; 0.1+ when fine-tuning
    bool bias = true;        // biases in Linear and LayerNorm layers, as GPT-2 had

    /// Plain-language problems with this configuration; empty when it is valid.
    std::vector<std::string> validate() const;

    /// Total number of parameters (the tied lm_head counted once).
    int64_t parameterCount() const;
    /// Parameters without the position embedding, as nanoGPT reports them.
    int64_t nonEmbeddingParameterCount() const;
    /// Floating-point operations for one training token (forward + backward), as in the PaLM appendix / nanoGPT MFU.
    double flopsPerToken() const;
    /// Rough peak training memory in bytes for a batch: weights, AdamW state, gradients and activations in fp32.
    int64_t estimateTrainingBytes(int64_t batchSize) const;
};

} // namespace tb::core
