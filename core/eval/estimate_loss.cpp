// SPDX-License-Identifier: MIT
#include "core/eval/estimate_loss.h"

#include "core/model/eval_mode_guard.h"

#include <torch/torch.h>

namespace tb::core {

double estimateLoss(Gpt& model, const TokenDataset& data, Split split, const std::vector<int64_t>& starts,
                    int64_t blockSize, int64_t batchSize)
{
    torch::NoGradGuard noGrad;
    EvalModeGuard evalMode(*model);
    double sum = 0;
    int64_t count = 0;
    for (size_t i = 0; i < starts.size(); i += static_cast<size_t>(batchSize)) {
        const size_t end = std::min(starts.size(), i + static_cast<size_t>(batchSize));
        const std::vector<int64_t> chunk(starts.begin() + static_cast<std::ptrdiff_t>(i),
                                         starts.begin() + static_cast<std::ptrdiff_t>(end));
        auto [x, y] = data.batchAt(split, chunk, blockSize);
        const torch::Tensor loss = languageModelLoss(model->forward(x), y);
        sum += loss.item<double>() * double(chunk.size());
        count += static_cast<int64_t>(chunk.size());
    }
    return count > 0 ? sum / double(count) : 0.0;
}

} // namespace tb::core
