// SPDX-License-Identifier: MIT
// Incremental inference for a Gpt: the keys and values of every layer for the tokens already seen, so that one new
// token costs one token's forward instead of the whole window's. Inference only (InferenceMode, no dropout, no
// autograd). The positions of a cache are absolute positions in the window (0..blockSize-1): with learned position
// embeddings, a window that slides invalidates every cached key and value, so callers clear() and refill the cache
// when the window moves (see generate.h, ContextWindow). Holds a reference to the model, which must outlive it and
// keep its weights while the cache is in use. One thread at a time.
#pragma once

#include <torch/types.h>

#include <memory>
#include <vector>

namespace tb::core {

class GptImpl;

class KvCache {
public:
    /// Buffers for `batch` rows of up to blockSize positions each, allocated once on the model's device.
    explicit KvCache(GptImpl& model, int64_t batch = 1);
    ~KvCache();
    KvCache(const KvCache&) = delete;
    KvCache& operator=(const KvCache&) = delete;

    /// Number of positions held (the window's length so far).
    int64_t length() const { return m_length; }
    int64_t capacity() const { return m_capacity; }
    /// Forgets every position; the buffers stay allocated. Row starts (below) stay set.
    void clear() { m_length = 0; }

    /// Left padding for a batch of prompts of different lengths: row b's text begins at cache position starts[b]
    /// (size batch, each >= 0). Positions before it hold padding that no query of that row attends to, and the
    /// position embeddings count from starts[b] (the row's first real token is position 0), so every row gets the
    /// logits it would get alone, to float rounding. An empty vector (the default) or all zeros turns it off and
    /// forward() is exactly the unpadded computation. Not with prompt tuning (Error).
    void setRowStarts(const std::vector<int64_t>& starts);

    /// Appends the tokens idx [batch, t] at positions length() .. length()+t-1 (throws Error past the block size)
    /// and returns their logits: [batch, V] for the last new position only (the last layer then runs for that one
    /// position only, and the lm_head too), or [batch, t, V] with allPositions. Equals the matching rows of a full
    /// forward of the window to float rounding.
    torch::Tensor forward(const torch::Tensor& idx, bool allPositions = false);

private:
    struct State;
    std::unique_ptr<State> m_state;
    int64_t m_length = 0;
    int64_t m_capacity = 0;
};

} // namespace tb::core
