// SPDX-License-Identifier: MIT
#include "core/eval/evaluate.h"

#include "core/common/error.h"
#include "core/common/rng.h"
#include "core/model/eval_mode_guard.h"

#include <torch/torch.h>

#include <algorithm>
#include <string>

namespace tb::core {

double fullSplitLoss(Gpt& model, const torch::Tensor& tokens, int64_t blockSize, int64_t batchSize)
{
    if (tokens.dim() != 1 || tokens.numel() < 2)
        throw Error("the loss of a split needs a 1-D stream of at least 2 tokens");
    if (blockSize < 1 || blockSize > model->maxInputLength())
        throw Error("evaluation block size " + std::to_string(blockSize) + " must be in [1, " +
                    std::to_string(model->maxInputLength()) + "]");
    if (batchSize < 1)
        throw Error("evaluation batch size must be at least 1 (it is " + std::to_string(batchSize) + ")");

    torch::NoGradGuard noGrad;
    EvalModeGuard evalMode(*model);
    const auto device = model->parameters().front().device();
    const auto stream = tokens.contiguous(); // int32 or int64; windows are widened one batch at a time
    const int64_t targets = stream.numel() - 1;
    const int64_t fullWindows = targets / blockSize;
    const int64_t tail = targets % blockSize;

    double lossSum = 0.0;
    auto score = [&](const torch::Tensor& x, const torch::Tensor& y) {
        const auto logits = model(x.to(device, torch::kLong));
        const auto losses = torch::nn::functional::cross_entropy(
            logits.reshape({-1, logits.size(-1)}).to(torch::kFloat), y.to(device, torch::kLong).reshape({-1}),
            torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
        lossSum += losses.to(torch::kDouble).sum().item<double>();
    };

    // Window i covers x = stream[i*L, (i+1)*L), y shifted by one, so every target is scored exactly once.
    const int64_t covered = fullWindows * blockSize;
    const auto xs = stream.slice(0, 0, covered).view({fullWindows, blockSize});
    const auto ys = stream.slice(0, 1, covered + 1).view({fullWindows, blockSize});
    for (int64_t first = 0; first < fullWindows; first += batchSize) {
        const int64_t last = std::min(first + batchSize, fullWindows);
        score(xs.slice(0, first, last), ys.slice(0, first, last));
    }
    if (tail > 0)
        score(stream.slice(0, covered, covered + tail).view({1, tail}),
              stream.slice(0, covered + 1, covered + tail + 1).view({1, tail}));
    return lossSum / double(targets);
}

std::vector<int64_t> fixedBatchStarts(int64_t splitSize, int64_t blockSize, int64_t count, uint64_t seed)
{
    if (count < 0)
        throw Error("the number of evaluation batches cannot be negative (it is " + std::to_string(count) + ")");
    if (splitSize - blockSize < 1)
        throw Error("a split of " + std::to_string(splitSize) + " tokens is too small for block size " +
                    std::to_string(blockSize) + ": it needs at least " + std::to_string(blockSize + 1) + " tokens");
    SplitMix64 rng(seed);
    std::vector<int64_t> starts;
    starts.reserve(size_t(count));
    for (int64_t i = 0; i < count; ++i)
        starts.push_back(int64_t(rng.below(uint64_t(splitSize - blockSize))));
    return starts;
}

} // namespace tb::core
