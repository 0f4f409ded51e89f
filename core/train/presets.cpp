// SPDX-License-Identifier: MIT
#include "core/train/presets.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>

namespace tb::core {

const std::vector<ModelPreset>& modelPresets()
{
    // Every preset sets the same keys so that switching presets leaves nothing of the previous one behind.
    static const std::vector<ModelPreset> presets = {
        {"tiny",
         "3 layers, 96 wide: learns words in about a minute on 2 CPU cores",
         {{"model.n_layer", "3"},
          {"model.n_head", "4"},
          {"model.n_embd", "96"},
          {"model.block_size", "64"},
          {"model.dropout", "0.0"},
          {"train.batch_size", "12"},
          {"train.max_steps", "1000"},
          {"train.learning_rate", "0.003"}, // small models tolerate (and profit from) a higher rate
          {"train.min_lr", "0.0003"},
          {"train.warmup_steps", "50"},
          {"train.eval_interval", "100"}}},
        {"small",
         "4 layers, 128 wide: nanoGPT's CPU recipe for shakespeare-char",
         {{"model.n_layer", "4"},
          {"model.n_head", "4"},
          {"model.n_embd", "128"},
          {"model.block_size", "64"},
          {"model.dropout", "0.0"},
          {"train.batch_size", "12"},
          {"train.max_steps", "2000"},
          {"train.learning_rate", "0.001"},
          {"train.min_lr", "0.0001"},
          {"train.warmup_steps", "100"},
          {"train.eval_interval", "250"}}},
        {"baby",
         "6 layers, 384 wide, 256 context: nanoGPT's shakespeare-char (a GPU-sized run)",
         {{"model.n_layer", "6"},
          {"model.n_head", "6"},
          {"model.n_embd", "384"},
          {"model.block_size", "256"},
          {"model.dropout", "0.2"},
          {"train.batch_size", "64"},
          {"train.max_steps", "5000"},
          {"train.learning_rate", "0.001"},
          {"train.min_lr", "0.0001"},
          {"train.warmup_steps", "100"},
          {"train.eval_interval", "250"}}},
    };
    return presets;
}

const ModelPreset* findPreset(const std::string& name)
{
    for (const auto& p : modelPresets())
        if (p.name == name)
            return &p;
    return nullptr;
}

const std::vector<ModelPreset>& methodPresets()
{
    static const std::vector<ModelPreset> presets = {
        {"grpo-gold",
         "GRPO of the fine-tuned demo model against the built-in gold scorer: 60 steps of 16 answers, about 5 to "
         "10 minutes on 2 CPU cores",
         {{"method", "grpo"},
          {"model.dropout", "0.0"},
          {"reward.model", ""},
          {"reward.model_weight", "1.0"},
          {"reward.gold_weight", "1.0"},
          {"reward.log_gold", "true"},
          {"grpo.rollout_prompts", "4"},
          {"grpo.group_size", "4"},
          {"grpo.max_new_tokens", "64"}, // characters of the demo's char model: about a dozen words
          {"grpo.kl_coef", "0.04"},
          {"grpo.epsilon", "0.2"},
          {"grpo.loss_type", "grpo"},
          {"grpo.scale_rewards", "true"},
          {"grpo.temperature", "1.0"},
          {"grpo.adapter", "none"},
          {"train.batch_size", "1"},
          {"train.grad_accum", "1"},
          {"train.max_steps", "60"},
          {"train.learning_rate", "0.0003"},
          {"train.min_lr", "0.0001"},
          {"train.warmup_steps", "0"},
          {"train.eval_interval", "20"},
          {"train.log_interval", "1"},
          {"data.format", ""},
          {"data.val_fraction", "0.1"}}},
    };
    return presets;
}

const ModelPreset* findMethodPreset(const std::string& name)
{
    for (const auto& p : methodPresets())
        if (p.name == name)
            return &p;
    return nullptr;
}

RunConfig applyPreset(RunConfig config, const ModelPreset& preset)
{
    for (const auto& [key, value] : preset.changes)
        applyOverride(config, key + "=" + value);
    return config;
}

std::string matchingPreset(const RunConfig& config)
{
    const std::string yaml = toYaml(config);
    for (const auto& p : modelPresets())
        if (toYaml(applyPreset(config, p)) == yaml)
            return p.name;
    return {};
}

RunEstimate estimateRun(const RunConfig& config, int64_t vocabSize, double matmulFlopsPerSecond)
{
    GptConfig model = config.model;
    if (vocabSize > 0)
        model.vocabSize = vocabSize;
    RunEstimate e;
    e.parameters = model.parameterCount();
    e.trainingBytes = model.estimateTrainingBytes(config.train.batchSize);
    e.flopsPerStep = model.flopsPerToken() * double(config.train.tokensPerStep(model.blockSize));
    if (matmulFlopsPerSecond > 0)
        e.secondsPerStep = e.flopsPerStep / matmulFlopsPerSecond;
    return e;
}

double matmulThroughput()
{
    static const double throughput = [] {
        torch::NoGradGuard noGrad;
        constexpr int64_t n = 384; // the width of the baby model: big enough to reach BLAS speed, quick to run
        // Constant inputs: the probe must not consume torch's global RNG, which training runs seed and checkpoint.
        const torch::Tensor a = torch::full({n, n}, 0.5);
        const torch::Tensor b = torch::full({n, n}, 0.25);
        torch::Tensor c = torch::mm(a, b); // warm up threads and caches
        double best = 1e9;
        for (int rep = 0; rep < 5; ++rep) {
            const auto t0 = std::chrono::steady_clock::now();
            for (int i = 0; i < 4; ++i)
                c = torch::mm(a, b);
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 4.0;
            best = std::min(best, s);
        }
        return best > 0 ? 2.0 * double(n * n * n) / best : 0.0;
    }();
    return throughput;
}

} // namespace tb::core
