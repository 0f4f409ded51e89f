// SPDX-License-Identifier: MIT
#include "core/model/block_checkpoint.h"

#include "core/common/torch_rng.h"

#include <torch/torch.h>

#include <memory>

namespace tb::core {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

using BlockFn = std::function<torch::Tensor(const torch::Tensor&)>;

/// What backward needs besides the saved input: the block and the RNG state its forward started with.
struct Replay {
    BlockFn block;
    torch::Tensor rngState;
};

class BlockCheckpointFunction : public torch::autograd::Function<BlockCheckpointFunction> {
public:
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, int64_t replayAddress)
    {
        auto* replay = reinterpret_cast<Replay*>(replayAddress);
        replay->rngState = cpuRngState();
        ctx->save_for_backward({x});
        ctx->saved_data["replay"] = replayAddress;
        torch::NoGradGuard noGrad;
        return replay->block(x);
    }

    static variable_list backward(AutogradContext* ctx, variable_list gradOutputs)
    {
        // Take ownership back: each forward allocated one Replay, freed here after its one backward.
        std::unique_ptr<Replay> replay(reinterpret_cast<Replay*>(ctx->saved_data["replay"].toInt()));
        const torch::Tensor input = ctx->get_saved_variables()[0].detach().requires_grad_(true);
        const torch::Tensor rngAfterForward = cpuRngState();
        setCpuRngState(replay->rngState); // same dropout masks as the forward pass
        torch::Tensor output;
        {
            torch::AutoGradMode enable(true);
            output = replay->block(input);
        }
        setCpuRngState(rngAfterForward);
        torch::autograd::backward({output}, {gradOutputs[0]});
        return {input.grad(), torch::Tensor()};
    }
};

} // namespace

torch::Tensor checkpointedForward(const BlockFn& block, const torch::Tensor& x)
{
    auto* replay = new Replay{block, {}};
    return BlockCheckpointFunction::apply(x, reinterpret_cast<int64_t>(replay));
}

} // namespace tb::core
