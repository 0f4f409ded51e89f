// SPDX-License-Identifier: MIT
#include "core/train/train_config.h"

namespace tb::core {

std::string toString(Precision p) { return p == Precision::Bf16 ? "bf16" : "fp32"; }

bool parsePrecision(const std::string& text, Precision& out)
{
    if (text == "fp32") {
        out = Precision::Fp32;
        return true;
    }
    if (text == "bf16") {
        out = Precision::Bf16;
        return true;
    }
    return false;
}

std::vector<std::string> TrainConfig::validate() const
{
    std::vector<std::string> problems;
    auto need = [&](bool ok, const std::string& message) {
        if (!ok)
            problems.push_back(message);
    };
    auto num = [](double v) { return std::to_string(v); };
    need(batchSize >= 1, "train.batch_size must be at least 1 (it is " + std::to_string(batchSize) + ")");
    need(gradAccum >= 1, "train.grad_accum must be at least 1 (it is " + std::to_string(gradAccum) + ")");
    need(maxSteps >= 1, "train.max_steps must be at least 1 (it is " + std::to_string(maxSteps) + ")");
    need(learningRate > 0.0, "train.learning_rate must be greater than 0 (it is " + num(learningRate) + ")");
    need(minLr >= 0.0 && minLr <= learningRate,
         "train.min_lr must be between 0 and train.learning_rate (it is " + num(minLr) + ")");
    need(warmupSteps >= 0, "train.warmup_steps must not be negative");
    need(lrDecaySteps >= 0, "train.lr_decay_steps must not be negative (0 means max_steps)");
    need(weightDecay >= 0.0, "train.weight_decay must not be negative");
    need(beta1 >= 0.0 && beta1 < 1.0, "train.beta1 must be in [0, 1) (it is " + num(beta1) + ")");
    need(beta2 >= 0.0 && beta2 < 1.0, "train.beta2 must be in [0, 1) (it is " + num(beta2) + ")");
    need(gradClip >= 0.0, "train.grad_clip must not be negative (0 disables clipping)");
    need(evalInterval >= 1, "train.eval_interval must be at least 1");
    need(evalIters >= 1, "train.eval_iters must be at least 1");
    need(threads >= 0, "train.threads must not be negative (0 uses every core)");
    need(logInterval >= 1, "train.log_interval must be at least 1");
    need(probeTokens >= 1, "train.probe_tokens must be at least 1 (it is " + std::to_string(probeTokens) +
                               "); an empty train.probe_prompts turns probe samples off");
    for (size_t i = 0; i < probePrompts.size(); ++i)
        need(!probePrompts[i].empty(), "train.probe_prompts: prompt " + std::to_string(i + 1) +
                                           " is empty; a probe needs at least one character to continue");
    return problems;
}

} // namespace tb::core
