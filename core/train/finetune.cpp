// SPDX-License-Identifier: MIT
#include "core/train/finetune.h"

#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/common/hash.h"
#include "core/common/rng.h"
#include "core/data/corpus_tokens.h"
#include "core/data/formats/dataset_checks.h"
#include "core/data/formats/dataset_reader.h"
#include "core/eval/evaluate.h"
#include "core/eval/next_token.h"
#include "core/model/eval_mode_guard.h"
#include "core/store/checkpoint.h"
#include "core/store/model_loader.h"
#include "core/store/run_dir.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tb::core {
namespace fs = std::filesystem;

ParentModel loadParent(const std::string& initFrom)
{
    std::error_code ec;
    fs::path file = initFrom;
    if (initFrom.empty())
        throw InputError("config", "init_from", "is not set: name the parent run directory or checkpoint");
    if (fs::is_directory(file, ec)) {
        const RunDirectory dir(file);
        if (!fs::exists(dir.latestCheckpoint(), ec))
            throw InputError(initFrom, "init_from",
                             "holds no checkpoint (expected checkpoints/latest.safetensors); pretrain a model there "
                             "first or name a checkpoint file");
        file = dir.latestCheckpoint();
    } else if (!fs::exists(file, ec)) {
        throw InputError(initFrom, "init_from", "does not exist: name a run directory or a checkpoint file");
    }
    Checkpoint c;
    try {
        c = loadCheckpoint(file);
    } catch (const InputError& e) {
        throw InputError(file.string(), "init_from", "is not a TuneBench checkpoint: " + e.message());
    }
    if (c.config.method == "prompt_tuning")
        throw InputError(file.string(), "init_from",
                         "is a prompt-tuning run: its virtual tokens cannot be carried into another run; start from "
                         "its parent (" + c.config.initFrom + ") instead");
    if (c.config.usesLora()) {
        // The parent's model is its base weights plus its adapters: merge them, so the run starts from the adapted
        // model (the adapters' own tensors are not parameters of the new model).
        Gpt adapted(c.config.model);
        enableConfiguredAdapters(adapted, c.config);
        loadWeights(adapted, c.model, file);
        adapted->mergeLora();
        std::map<std::string, torch::Tensor> merged;
        for (const auto& item : adapted->named_parameters())
            if (item.key().find(".lora_") == std::string::npos)
                merged.emplace(item.key(), item.value().detach().clone());
        c.model = std::move(merged);
    }
    ParentModel p;
    p.checkpoint = fs::absolute(file).lexically_normal();
    p.runDir = p.checkpoint.parent_path().parent_path();
    p.config = std::move(c.config);
    p.tokenizer = std::move(c.tokenizer);
    p.weights = std::move(c.model);
    p.step = c.step;
    return p;
}

void inheritFromParent(RunConfig& config, const RunConfig& parent)
{
    const double dropout = config.model.dropout;
    config.model = parent.model;
    config.model.dropout = dropout;
    config.tokenizer = parent.tokenizer;
    config.data.corpus = parent.data.corpus;
    if (config.sft.forgettingCorpus.empty())
        config.sft.forgettingCorpus = parent.sft.forgettingCorpus;
}

Dataset loadTrainingDataset(const RunConfig& config)
{
    DatasetLoadOptions options;
    if (!config.data.format.empty()) {
        const auto format = parseDatasetFormat(config.data.format);
        if (!format)
            throw InputError("config", "data.format", "'" + config.data.format + "' is not a known dataset format "
                                                      "(see docs/formats.md)");
        options.format = *format;
    }
    return loadDataset(config.data.train, options);
}

std::vector<bool> heldOutExamples(const RunConfig& config, int64_t kept, int64_t records, const std::string& items,
                                  const std::string& who)
{
    if (kept < 2) {
        std::string why = "has " + std::to_string(records) + " " + items;
        if (kept < records)
            why += ", of which " + std::to_string(records - kept) + " have characters the parent's tokenizer cannot "
                   "spell and are left out (sft.skip_unspellable: false keeps them; the model then sees <unk> there)";
        throw InputError(config.data.train, "data.train", why + "; " + who + " needs at least 2 (one held out)");
    }
    return heldOutRecords(kept, std::clamp<int64_t>(std::llround(double(kept) * config.data.valFraction), 1, kept - 1));
}

SftData loadSftData(const RunConfig& config, const Tokenizer& tokenizer, int64_t rowLength)
{
    SftData out;
    out.chatTemplate = ChatTemplate::parse(config.sft.chatTemplate);
    const LossOn lossOn = parseLossOn(config.sft.lossOn);
    const auto replacements = parseReplacements(config.data.replace);
    Dataset dataset = loadTrainingDataset(config);
    out.hash = hashHex(readFile(config.data.train));
    std::vector<TokenizedExample> examples;
    examples.reserve(dataset.records.size());
    for (DatasetRecord& record : dataset.records) {
        applyReplacements(record, replacements);
        TokenizedExample e =
            tokenizeExample(renderRecord(record, out.chatTemplate, lossOn, config.data.train), tokenizer);
        if (e.unknownTokens > 0) {
            ++out.examplesWithUnknown;
            if (config.sft.skipUnspellable)
                continue;
        }
        examples.push_back(std::move(e));
    }
    const auto n = static_cast<int64_t>(examples.size());
    const std::vector<bool> held =
        heldOutExamples(config, n, static_cast<int64_t>(dataset.records.size()), "record(s)", "fine-tuning");
    out.examplesSkipped = config.sft.skipUnspellable ? out.examplesWithUnknown : 0;
    std::vector<TokenizedExample> train, val;
    for (int64_t i = 0; i < n; ++i)
        (held[static_cast<size_t>(i)] ? val : train).push_back(std::move(examples[static_cast<size_t>(i)]));
    out.valExamples = static_cast<int64_t>(val.size());
    out.trainExamples = n - out.valExamples;
    out.train = buildRows(train, rowLength, config.sft.packing);
    out.val = buildRows(val, rowLength, config.sft.packing);
    for (const auto* rows : {&out.train, &out.val})
        for (const auto& r : *rows)
            out.truncatedRows += r.truncated ? 1 : 0;
    if (out.train.empty() || out.val.empty())
        throw InputError(config.data.train, "data.train",
                         std::string("leaves no ") + (out.train.empty() ? "training" : "validation") +
                             " example with a token to learn (every answer is empty or cut off by the model's "
                             "block size)");
    return out;
}

std::pair<torch::Tensor, torch::Tensor> rowsBatch(const std::vector<SftRow>& rows, const std::vector<int64_t>& indices)
{
    const int64_t length = static_cast<int64_t>(rows.front().inputs.size());
    torch::Tensor x = torch::empty({static_cast<int64_t>(indices.size()), length}, torch::kLong);
    torch::Tensor y = torch::empty_like(x);
    auto xa = x.accessor<int64_t, 2>();
    auto ya = y.accessor<int64_t, 2>();
    for (size_t b = 0; b < indices.size(); ++b) {
        const SftRow& r = rows[static_cast<size_t>(indices[b])];
        for (int64_t t = 0; t < length; ++t) {
            xa[static_cast<int64_t>(b)][t] = r.inputs[static_cast<size_t>(t)];
            ya[static_cast<int64_t>(b)][t] = r.targets[static_cast<size_t>(t)];
        }
    }
    return {x, y};
}

torch::Tensor maskedLanguageModelLoss(const torch::Tensor& logits, const torch::Tensor& targets)
{
    const int64_t vocab = logits.size(-1);
    const torch::Tensor flatLogits = logits.reshape({-1, vocab}).to(torch::kFloat);
    const torch::Tensor flatTargets = targets.reshape({-1});
    if (!flatTargets.ne(kIgnoreTarget).any().item<bool>())
        return flatLogits.sum() * 0.0;
    return torch::nn::functional::cross_entropy(
        flatLogits, flatTargets, torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kIgnoreTarget));
}

double maskedLoss(Gpt& model, const std::vector<SftRow>& rows, const std::vector<int64_t>& indicesIn, int64_t batchSize)
{
    std::vector<int64_t> indices = indicesIn;
    if (indices.empty()) {
        indices.resize(rows.size());
        std::iota(indices.begin(), indices.end(), int64_t{0});
    }
    torch::NoGradGuard noGrad;
    EvalModeGuard evalMode(*model);
    double sum = 0;
    int64_t count = 0;
    const size_t step = static_cast<size_t>(std::max<int64_t>(batchSize, 1));
    for (size_t i = 0; i < indices.size(); i += step) {
        const std::vector<int64_t> chunk(indices.begin() + static_cast<std::ptrdiff_t>(i),
                                         indices.begin() + static_cast<std::ptrdiff_t>(std::min(indices.size(), i + step)));
        auto [x, y] = rowsBatch(rows, chunk);
        const int64_t counted = y.ne(kIgnoreTarget).sum().item<int64_t>();
        if (counted == 0)
            continue;
        sum += maskedLanguageModelLoss(model->forward(x), y).item<double>() * double(counted);
        count += counted;
    }
    return count > 0 ? sum / double(count) : 0.0;
}

std::vector<int64_t> fixedRowIndices(int64_t rows, int64_t count, uint64_t seed)
{
    std::vector<int64_t> out(static_cast<size_t>(rows));
    std::iota(out.begin(), out.end(), int64_t{0});
    if (rows <= count)
        return out;
    SplitMix64 rng(seed);
    for (int64_t i = rows - 1; i > 0; --i) // Fisher-Yates, then keep the first `count`
        std::swap(out[static_cast<size_t>(i)], out[static_cast<size_t>(rng.below(static_cast<uint64_t>(i + 1)))]);
    out.resize(static_cast<size_t>(count));
    return out;
}

ForgettingMeter::ForgettingMeter(torch::Tensor tokens, int64_t window, int64_t count, uint64_t seed, std::string source)
    : m_tokens(std::move(tokens)), m_window(window), m_source(std::move(source))
{
    m_starts = fixedBatchStarts(m_tokens.size(0), m_window, count, seed);
}

double ForgettingMeter::perplexity(Gpt& model, int64_t batchSize) const
{
    torch::NoGradGuard noGrad;
    EvalModeGuard evalMode(*model);
    double sum = 0;
    int64_t count = 0;
    const size_t step = static_cast<size_t>(std::max<int64_t>(batchSize, 1));
    for (size_t i = 0; i < m_starts.size(); i += step) {
        const size_t end = std::min(m_starts.size(), i + step);
        std::vector<torch::Tensor> xs, ys;
        for (size_t j = i; j < end; ++j) {
            const torch::Tensor w = m_tokens.narrow(0, m_starts[j], m_window + 1).to(torch::kLong);
            xs.push_back(w.narrow(0, 0, m_window));
            ys.push_back(w.narrow(0, 1, m_window));
        }
        sum += languageModelLoss(model->forward(torch::stack(xs)), torch::stack(ys)).item<double>() * double(end - i);
        count += static_cast<int64_t>(end - i);
    }
    return count > 0 ? std::exp(sum / double(count)) : 0.0;
}

ForgettingMeter makeForgettingMeter(const RunConfig& config, double parentValFraction, const Tokenizer& tokenizer,
                                    int64_t window, std::string& why)
{
    const bool explicitCorpus = !config.sft.forgettingCorpus.empty();
    const std::string file = explicitCorpus ? config.sft.forgettingCorpus : config.data.corpus;
    const std::string key = explicitCorpus ? "sft.forgetting_corpus" : "data.corpus";
    if (file.empty()) {
        why = "the parent has no pretraining corpus to measure forgetting on; set sft.forgetting_corpus";
        return {};
    }
    std::error_code ec;
    if (!fs::exists(file, ec))
        throw InputError(file, key, "does not exist (the forgetting meter reads it); set sft.forgetting_corpus");
    const fs::path cacheDir = config.data.cacheDir.empty() ? defaultTokenCacheDir() : fs::path(config.data.cacheDir);
    torch::Tensor tokens;
    if (explicitCorpus) {
        // The whole file is held-out text: take both splits of a 50/50 split, train part first.
        const TokenDataset d = loadTokenDataset(file, tokenizer, 0.5, cacheDir);
        tokens = torch::cat({d.tokens(Split::Train), d.tokens(Split::Val)});
    } else {
        tokens = loadTokenDataset(file, tokenizer, parentValFraction, cacheDir).tokens(Split::Val);
    }
    if (tokens.size(0) < window + 1)
        throw InputError(file, key,
                         "has " + std::to_string(tokens.size(0)) + " held-out tokens, fewer than block_size + 1 = " +
                             std::to_string(window + 1) + " that the forgetting meter needs");
    const int64_t count = config.train.evalIters * config.train.batchSize;
    return ForgettingMeter(tokens, window, count, config.train.seed ^ 0xf0e6e7ULL, file);
}

AdapterEffect adapterEffect(Gpt& tuned, Gpt& base, const std::vector<std::vector<TokenId>>& texts)
{
    AdapterEffect e;
    double klSum = 0;
    int64_t agree = 0;
    for (const auto& text : texts) {
        if (text.empty())
            continue;
        const std::vector<double> kl = tokenKl(tuned, base, text);
        const torch::Tensor a = nextTokenLogits(tuned, text).argmax(-1);
        const torch::Tensor b = nextTokenLogits(base, text).argmax(-1);
        agree += a.eq(b).sum().item<int64_t>();
        for (double v : kl)
            klSum += v;
        e.positions += static_cast<int64_t>(kl.size());
    }
    if (e.positions > 0) {
        e.meanKl = klSum / double(e.positions);
        e.top1Agreement = double(agree) / double(e.positions);
    }
    return e;
}

std::string adapterEffectWarning(const AdapterEffect& effect)
{
    if (effect.positions == 0 || !(effect.top1Agreement > 0.99 && effect.meanKl < 1e-3))
        return {};
    return "the tuned model barely differs from its base (mean KL " + std::to_string(effect.meanKl) +
           " nats, top-1 agreement " + std::to_string(effect.top1Agreement * 100.0) +
           "% on the probe prompts): try more steps, a higher learning rate or (LoRA) a larger lora.r";
}

} // namespace tb::core
