// SPDX-License-Identifier: MIT
#include "core/io/run_config_keys.h"

#include "core/common/error.h"
#include "core/data/chat_template.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>
#include <string_view>

namespace tb::core::config_keys {
namespace fs = std::filesystem;


int64_t parseInt(const std::string& key, const std::string& text, const Origin& o)
{
    int64_t v = 0;
    const auto* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc() || p != end)
        throw InputError(o.file, key, "must be a whole number, got '" + text + "'", o.line);
    return v;
}

double parseDouble(const std::string& key, const std::string& text, const Origin& o)
{
    // std::from_chars for double is available in GCC 11+; accept forms like 1e-3 and 6.0e-4.
    double v = 0;
    const auto* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc() || p != end || !std::isfinite(v))
        throw InputError(o.file, key, "must be a number, got '" + text + "'", o.line);
    return v;
}

bool parseBool(const std::string& key, const std::string& text, const Origin& o)
{
    if (text == "true" || text == "True" || text == "yes" || text == "on" || text == "1")
        return true;
    if (text == "false" || text == "False" || text == "no" || text == "off" || text == "0")
        return false;
    throw InputError(o.file, key, "must be true or false, got '" + text + "'", o.line);
}

std::string resolvePath(const std::string& text, const Origin& o)
{
    if (text.empty())
        return text;
    fs::path p(text);
    if (p.is_relative() && !o.baseDir.empty())
        p = o.baseDir / p;
    return p.lexically_normal().string();
}

std::string fmtDouble(double v)
{
    std::ostringstream ss;
    ss.precision(17);
    ss << v;
    std::string s = ss.str();
    // Prefer the shortest text that reads back exactly.
    for (int prec = 1; prec <= 17; ++prec) {
        std::ostringstream t;
        t.precision(prec);
        t << v;
        if (std::stod(t.str()) == v) {
            s = t.str();
            break;
        }
    }
    if (s.find_first_of(".eEn") == std::string::npos)
        s += ".0";
    return s;
}

/// Splits a `--set` list value: items are separated by '|'; inside an item `\|` is a literal bar, `\n` a
/// newline, `\t` a tab and `\\` a backslash. An empty value is the empty list.
std::vector<std::string> listOverrideItems(const std::string& key, const std::string& text, const Origin& o)
{
    std::vector<std::string> items;
    if (text.empty())
        return items;
    std::string item;
    for (size_t i = 0; i < text.size(); ++i) {
        const char ch = text[i];
        if (ch == '|') {
            items.push_back(std::move(item));
            item.clear();
        } else if (ch != '\\') {
            item += ch;
        } else if (i + 1 == text.size()) {
            throw InputError(o.file, key, "ends with a lone backslash; write \\\\ for a backslash", o.line);
        } else {
            switch (const char e = text[++i]) {
            case 'n': item += '\n'; break;
            case 't': item += '\t'; break;
            case '|':
            case '\\': item += e; break;
            default:
                throw InputError(o.file, key,
                                 std::string("has an unknown escape \\") + e +
                                     " (known: \\n newline, \\t tab, \\| bar, \\\\ backslash)",
                                 o.line);
            }
        }
    }
    items.push_back(std::move(item));
    return items;
}

/// The inverse of listOverrideItems.
std::string listOverrideText(const std::vector<std::string>& items)
{
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0)
            out += '|';
        for (const char ch : items[i]) {
            switch (ch) {
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '|': out += "\\|"; break;
            case '\\': out += "\\\\"; break;
            default: out += ch;
            }
        }
    }
    return out;
}

/// A list-of-strings key. Editors see it as Text in the `--set` form.
KeySpec listKey(const char* key, std::vector<std::string>& (*field)(RunConfig&), const char* help)
{
    KeySpec spec{key, {}, {}, KeyType::Text, help};
    spec.setList = [field](RunConfig& c, const std::vector<std::string>& v, const Origin&) { field(c) = v; };
    spec.getList = [field](const RunConfig& c) { return field(const_cast<RunConfig&>(c)); };
    spec.set = [key, field](RunConfig& c, const std::string& v, const Origin& o) {
        field(c) = listOverrideItems(key, v, o);
    };
    spec.get = [field](const RunConfig& c) { return listOverrideText(field(const_cast<RunConfig&>(c))); };
    return spec;
}

#define TB_INT_KEY(name, field, help)                                                                                   \
    KeySpec{name, [](RunConfig& c, const std::string& v, const Origin& o) { c.field = parseInt(name, v, o); },         \
            [](const RunConfig& c) { return std::to_string(c.field); }, KeyType::Int, help}
#define TB_DOUBLE_KEY(name, field, help)                                                                                \
    KeySpec{name, [](RunConfig& c, const std::string& v, const Origin& o) { c.field = parseDouble(name, v, o); },      \
            [](const RunConfig& c) { return fmtDouble(c.field); }, KeyType::Number, help}
#define TB_BOOL_KEY(name, field, help)                                                                                  \
    KeySpec{name, [](RunConfig& c, const std::string& v, const Origin& o) { c.field = parseBool(name, v, o); },        \
            [](const RunConfig& c) { return std::string(c.field ? "true" : "false"); }, KeyType::Bool, help}
#define TB_ADAPTER_KEY(name, field, help)                                                                               \
    KeySpec{name,                                                                                                       \
            [](RunConfig& c, const std::string& v, const Origin& o) {                                                   \
                if (v != "none" && v != "lora")                                                                         \
                    throw InputError(o.file, name, "must be none or lora, got '" + v + "'", o.line);                   \
                c.field = v;                                                                                            \
            },                                                                                                          \
            [](const RunConfig& c) { return c.field; }, KeyType::Choice, help, "none|lora"}

const std::vector<KeySpec>& keySpecs()
{
    static const std::vector<KeySpec> specs = {
        KeySpec{"method",
                [](RunConfig& c, const std::string& v, const Origin&) { c.method = v; },
                [](const RunConfig& c) { return c.method; },
                KeyType::Choice,
                "Training method. pretrain: next-token prediction on a raw corpus from random weights. "
                "sft: supervised fine-tuning of every weight of the init_from model on data.train. lora: "
                "the same with the base frozen and low-rank adapters trained (see lora.*). prompt_tuning: "
                "only a few virtual-token embeddings are trained (see prompt_tuning.*). dpo: direct "
                "preference optimisation on chosen/rejected pairs, the parent as the frozen reference (see dpo.*). "
                "reward_model: the parent with a scalar score head, trained on chosen/rejected pairs to score the "
                "chosen answer higher (Bradley-Terry; see reward_model.*). grpo and ppo: reinforcement learning "
                "of the parent on its own answers to data.train's prompts, scored by reward.* with a KL leash to "
                "the parent (see grpo.*, ppo.* and docs/rlhf.md).",
                "pretrain|sft|lora|prompt_tuning|dpo|reward_model|grpo|ppo"},
        KeySpec{"init_from",
                [](RunConfig& c, const std::string& v, const Origin& o) { c.initFrom = resolvePath(v, o); },
                [](const RunConfig& c) { return c.initFrom; },
                KeyType::Path,
                "Fine-tuning: the parent model, a run directory (its latest checkpoint) or a checkpoint "
                "file. The model shape and tokenizer come from it; the lineage is recorded. Empty for "
                "pretrain."},
        TB_INT_KEY("model.n_layer", model.nLayer,
                   "Number of transformer blocks (the model's depth). 4 is nanoGPT's CPU recipe: deep "
                   "enough to learn words, small enough to train in minutes on a laptop. Each layer "
                   "adds about 12 * n_embd^2 parameters."),
        TB_INT_KEY("model.n_head", model.nHead,
                   "Attention heads per block; must divide n_embd. Each head looks at the context "
                   "through its own n_embd / n_head wide slice. 4 heads of width 32 is nanoGPT's CPU "
                   "recipe."),
        TB_INT_KEY("model.n_embd", model.nEmbd,
                   "Width of the residual stream (the embedding size). 128 is nanoGPT's CPU recipe; "
                   "parameters and compute grow with its square."),
        TB_INT_KEY("model.block_size", model.blockSize,
                   "Context length: how many tokens the model sees at once. 64 is nanoGPT's CPU "
                   "recipe; attention memory grows with its square, and the validation split must hold"
                   " more tokens than this."),
        TB_DOUBLE_KEY("model.dropout", model.dropout,
                   "Fraction of activations zeroed at random while training, against overfitting. 0 "
                   "because small models trained from scratch underfit rather than overfit (nanoGPT); "
                   "use 0.1-0.2 when fine-tuning or when val loss rises while train loss falls."),
        KeySpec{"model.bias",
                [](RunConfig& c, const std::string& v, const Origin& o) { c.model.bias = parseBool("model.bias", v, o); },
                [](const RunConfig& c) { return std::string(c.model.bias ? "true" : "false"); },
                KeyType::Bool,
                "Biases in Linear and LayerNorm layers. true as in GPT-2 and nanoGPT's default; false"
                " is slightly faster and often as good."},
        TB_INT_KEY("train.batch_size", train.batchSize,
                   "Sequences per micro-batch. 12 is nanoGPT's CPU recipe; larger batches give "
                   "smoother gradients but cost memory and time per step."),
        TB_INT_KEY("train.grad_accum", train.gradAccum,
                   "Micro-batches whose gradients are summed before each optimizer step: the effective"
                   " batch is batch_size * grad_accum without the memory of one big batch. 1 means no "
                   "accumulation."),
        TB_INT_KEY("train.max_steps", train.maxSteps,
                   "Optimizer steps to train for. 2000 is nanoGPT's CPU recipe, enough for a "
                   "char-level model to write plausible words."),
        TB_DOUBLE_KEY("train.learning_rate", train.learningRate,
                   "Peak step size of AdamW, reached after warmup. 1e-3 is nanoGPT's CPU recipe for "
                   "small models; too high diverges, too low learns slowly."),
        TB_DOUBLE_KEY("train.min_lr", train.minLr,
                   "Learning rate at the end of the cosine decay. 1e-4 is learning_rate / 10, as "
                   "nanoGPT does (after Chinchilla); it must not exceed learning_rate."),
        TB_INT_KEY("train.warmup_steps", train.warmupSteps,
                   "Steps over which the learning rate rises linearly from 0 to learning_rate, so the "
                   "first updates cannot wreck a fresh model. 100 is nanoGPT's CPU recipe; keep it "
                   "well below max_steps."),
        TB_INT_KEY("train.lr_decay_steps", train.lrDecaySteps,
                   "Step where the cosine decay reaches min_lr; after it the rate stays at min_lr. 0 "
                   "means max_steps, so the rate decays over the whole run."),
        TB_DOUBLE_KEY("train.weight_decay", train.weightDecay,
                   "AdamW weight decay, applied to 2-D weight matrices only (not to biases and "
                   "LayerNorms). It pulls weights towards zero as a regulariser; 0.1 is GPT-2's and "
                   "nanoGPT's value."),
        TB_DOUBLE_KEY("train.beta1", train.beta1,
                   "AdamW momentum: how much of past gradients each step keeps. 0.9 is the standard "
                   "value."),
        TB_DOUBLE_KEY("train.beta2", train.beta2,
                   "AdamW's decay of the average squared gradient. 0.99 as in nanoGPT's "
                   "shakespeare-char because small batches give noisy gradients; 0.95 suits large "
                   "batches."),
        TB_DOUBLE_KEY("train.grad_clip", train.gradClip,
                   "Clips the global gradient norm to this value, so one bad batch cannot throw the "
                   "weights far off. 1.0 as in nanoGPT; 0 disables clipping."),
        TB_INT_KEY("train.eval_interval", train.evalInterval,
                   "Steps between evaluations of train and val loss; each evaluation also writes a "
                   "checkpoint. 250 as in nanoGPT's CPU recipe; smaller gives finer curves but spends "
                   "more time evaluating."),
        TB_INT_KEY("train.eval_iters", train.evalIters,
                   "Batches per split averaged at each evaluation, the same fixed batches every time "
                   "so the curve is comparable. 20 keeps evaluation cheap; more gives a less noisy "
                   "estimate."),
        KeySpec{"train.seed",
                [](RunConfig& c, const std::string& v, const Origin& o) {
                    const int64_t s = parseInt("train.seed", v, o);
                    if (s < 0)
                        throw InputError(o.file, "train.seed", "must not be negative, got '" + v + "'", o.line);
                    c.train.seed = static_cast<uint64_t>(s);
                },
                [](const RunConfig& c) { return std::to_string(c.train.seed); },
                KeyType::Int,
                "One seed for weight init, batch order and dropout: the same seed and config give the"
                " same run. 1337 as in nanoGPT."},
        TB_INT_KEY("train.threads", train.threads,
                   "CPU threads for torch. 0 uses every core; set fewer to keep the machine responsive"
                   " while it trains."),
        KeySpec{"train.precision",
                [](RunConfig& c, const std::string& v, const Origin& o) {
                    if (!parsePrecision(v, c.train.precision))
                        throw InputError(o.file, "train.precision", "must be fp32 or bf16, got '" + v + "'", o.line);
                },
                [](const RunConfig& c) { return toString(c.train.precision); },
                KeyType::Choice,
                "fp32, or bf16 autocast for the training step (fp32 master weights, fp32 evaluation)."
                " fp32 by default because bf16 is only faster on CPUs with AVX512-BF16 or AMX.",
                "fp32|bf16"},
        TB_INT_KEY("train.log_interval", train.logInterval,
                   "Steps between lines in metrics.jsonl. 1 logs every step, which small runs can "
                   "afford; raise it for very long runs."),
        listKey("train.probe_prompts", [](RunConfig& c) -> std::vector<std::string>& { return c.train.probePrompts; },
                "Prompts the model continues after every evaluation, with the same seed each time, so you can "
                "watch the text improve (the Samples panel; samples.jsonl in the run folder). A list in YAML; on "
                "the command line one value with | between prompts and \\n for a newline; empty turns probes "
                "off. A newline by default, which every text corpus has."),
        TB_INT_KEY("train.probe_tokens", train.probeTokens,
                   "New tokens sampled per probe prompt (temperature 0.8). 64 is a line or two of text, a few "
                   "milliseconds for a small model."),
        KeySpec{"train.activation_checkpointing",
                [](RunConfig& c, const std::string& v, const Origin& o) {
                    c.train.activationCheckpointing = parseBool("train.activation_checkpointing", v, o);
                },
                [](const RunConfig& c) { return std::string(c.train.activationCheckpointing ? "true" : "false"); },
                KeyType::Bool,
                "Recomputes each block's activations in the backward pass instead of keeping them: "
                "less memory for about a third more compute. Off because small models fit in memory."},
        KeySpec{"data.corpus",
                [](RunConfig& c, const std::string& v, const Origin& o) { c.data.corpus = resolvePath(v, o); },
                [](const RunConfig& c) { return c.data.corpus; },
                KeyType::Path,
                "The text to train on: a UTF-8 text file or a .jsonl file of {\"text\": ...} records."
                " Relative paths are resolved against the config file's folder."},
        TB_DOUBLE_KEY("data.val_fraction", data.valFraction,
                   "Fraction of the token stream, taken from its end, held out to measure how well the"
                   " model generalises. 0.1 as in nanoGPT (first 90% train); the val split must hold "
                   "more than block_size tokens. Fine-tuning holds out this fraction of data.train's records "
                   "(at least one), picked by a fixed shuffle rather than from the end."),
        KeySpec{"data.train",
                [](RunConfig& c, const std::string& v, const Origin& o) { c.data.train = resolvePath(v, o); },
                [](const RunConfig& c) { return c.data.train; },
                KeyType::Path,
                "Fine-tuning: the dataset to tune on, in any format of docs/formats.md (Alpaca, ShareGPT, "
                "messages, prompt/completion, ...; JSON, JSONL, CSV, gzip). Relative paths are resolved "
                "against the config file's folder."},
        KeySpec{"data.format",
                [](RunConfig& c, const std::string& v, const Origin&) { c.data.format = v; },
                [](const RunConfig& c) { return c.data.format; },
                KeyType::Text,
                "Fine-tuning: the format of data.train (e.g. alpaca, sharegpt, messages); empty detects it "
                "from the records."},
        listKey("data.replace", [](RunConfig& c) -> std::vector<std::string>& { return c.data.replace; },
                "Fine-tuning: placeholder replacements applied to every text of data.train before it is "
                "formatted, each item placeholder=text, e.g. {{name}}=TuneBench (LLaMA-Factory's identity data "
                "uses {{name}} and {{author}}). Empty by default: the data is used as it is."),
        KeySpec{"data.cache_dir",
                [](RunConfig& c, const std::string& v, const Origin& o) { c.data.cacheDir = resolvePath(v, o); },
                [](const RunConfig& c) { return c.data.cacheDir; },
                KeyType::Path,
                "Folder for tokenized corpora, keyed by corpus hash and tokenizer, so the next run "
                "skips tokenizing. Empty uses ~/.cache/tunebench/tokens."},
        KeySpec{"tokenizer.kind",
                [](RunConfig& c, const std::string& v, const Origin&) { c.tokenizer.kind = v; },
                [](const RunConfig& c) { return c.tokenizer.kind; },
                KeyType::Choice,
                "char: every distinct character of the corpus is one token (a small vocabulary, as "
                "nanoGPT's shakespeare-char). byte: the 256 byte values; any text works, but "
                "non-ASCII characters take several tokens. bpe, unigram: a SentencePiece model of that "
                "type, trained on the corpus when the run starts (see tokenizer.vocab_size).",
                "char|byte|bpe|unigram"},
        KeySpec{"tokenizer.unknown",
                [](RunConfig& c, const std::string& v, const Origin&) { c.tokenizer.unknown = v; },
                [](const RunConfig& c) { return c.tokenizer.unknown; },
                KeyType::Choice,
                "char only: what a character missing from the vocabulary (e.g. in a prompt) becomes. "
                "unk maps it to one reserved <unk> id; error refuses the text.",
                "unk|error"},
        TB_INT_KEY("tokenizer.vocab_size", tokenizer.vocabSize,
                   "bpe/unigram: pieces in the vocabulary, counting <unk>, the newline piece and, with byte "
                   "fallback, 256 byte pieces. 0 picks 1000; char and byte ignore it."),
        TB_DOUBLE_KEY("tokenizer.character_coverage", tokenizer.characterCoverage,
                      "bpe/unigram: share of the corpus's characters that get a piece of their own; the rarest "
                      "rest become byte pieces (or <unk>). 1 keeps every character; 0.9995 suits corpora with "
                      "thousands of rare characters."),
        KeySpec{"tokenizer.byte_fallback",
                [](RunConfig& c, const std::string& v, const Origin& o) {
                    c.tokenizer.byteFallback = parseBool("tokenizer.byte_fallback", v, o);
                },
                [](const RunConfig& c) { return std::string(c.tokenizer.byteFallback ? "true" : "false"); },
                KeyType::Bool,
                "bpe/unigram: characters outside the vocabulary are encoded as their UTF-8 bytes, so any "
                "text round-trips exactly. Off maps them to <unk>."},
        KeySpec{"sft.loss_on",
                [](RunConfig& c, const std::string& v, const Origin&) { c.sft.lossOn = v; },
                [](const RunConfig& c) { return c.sft.lossOn; },
                KeyType::Choice,
                "completion: only the assistant's (or completion's) tokens count in the loss, so the "
                "model learns to answer rather than to repeat questions (the usual SFT choice). all: "
                "every token of the formatted example counts.",
                "completion|all"},
        KeySpec{"sft.chat_template",
                [](RunConfig& c, const std::string& v, const Origin&) { c.sft.chatTemplate = v; },
                [](const RunConfig& c) { return c.sft.chatTemplate; },
                KeyType::Text,
                "How a conversation becomes text for the model; stored with the run and applied the same "
                "way when sampling (sample --chat). One section per role, [[system]], [[user]], [[assistant]], "
                "each with {content} where the turn's text goes; \\n is a newline. Empty uses the built-in "
                "template, User: ... / Assistant: ... lines (docs/fine-tuning.md)."},
        KeySpec{"sft.packing",
                [](RunConfig& c, const std::string& v, const Origin& o) { c.sft.packing = parseBool("sft.packing", v, o); },
                [](const RunConfig& c) { return std::string(c.sft.packing ? "true" : "false"); },
                KeyType::Bool,
                "Packs several short examples into one block_size row: fewer padding tokens, faster "
                "epochs. Off so that every row is one example, as a beginner expects."},
        KeySpec{"sft.skip_unspellable",
                [](RunConfig& c, const std::string& v, const Origin& o) {
                    c.sft.skipUnspellable = parseBool("sft.skip_unspellable", v, o);
                },
                [](const RunConfig& c) { return std::string(c.sft.skipUnspellable ? "true" : "false"); },
                KeyType::Bool,
                "Leaves out examples with characters the parent's tokenizer cannot spell (a char tokenizer "
                "of an English corpus meets Chinese text): trained on, they teach the model to write <unk>. "
                "The run's log says how many were left out. false keeps them."},
        KeySpec{"sft.forgetting_corpus",
                [](RunConfig& c, const std::string& v, const Origin& o) { c.sft.forgettingCorpus = resolvePath(v, o); },
                [](const RunConfig& c) { return c.sft.forgettingCorpus; },
                KeyType::Path,
                "Text on which the forgetting meter measures perplexity at every evaluation. Empty uses a "
                "held-out slice of the parent's pretraining corpus."},
        TB_INT_KEY("lora.r", lora.r,
                   "LoRA rank: the adapter of a d_out x d_in weight is B (d_out x r) times A (r x d_in). 8 is "
                   "the common default: enough to learn a task's format with a few percent of the weights."),
        TB_DOUBLE_KEY("lora.alpha", lora.alpha,
                      "LoRA scale: the update is (alpha / r) B A. 16 (twice r) as in most PEFT recipes."),
        TB_DOUBLE_KEY("lora.dropout", lora.dropout,
                      "Dropout on the adapter's input during training; 0.05 as in PEFT's examples."),
        listKey("lora.targets", [](RunConfig& c) -> std::vector<std::string>& { return c.lora.targets; },
                "Which projections get adapters: q, k, v (attention query/key/value), attn_out (attention "
                "output), mlp_in, mlp_out. All six by default: small models need the capacity."),
        TB_INT_KEY("prompt_tuning.num_virtual_tokens", promptTuning.numVirtualTokens,
                   "Trainable embeddings prepended to every input; they take this many positions of "
                   "block_size. 8 is enough to steer a small model's format."),
        TB_DOUBLE_KEY("dpo.beta", dpo.beta,
                      "DPO's beta: how strongly the tuned model is held near the parent (the reference). The "
                      "loss is -log sigmoid(beta * (chosen log-ratio - rejected log-ratio)); 0.1 is TRL's and the "
                      "paper's default. Larger stays closer to the parent; it must be positive."),
        KeySpec{"dpo.adapter",
                [](RunConfig& c, const std::string& v, const Origin& o) {
                    if (v != "none" && v != "lora")
                        throw InputError(o.file, "dpo.adapter", "must be none or lora, got '" + v + "'", o.line);
                    c.dpo.adapter = v;
                },
                [](const RunConfig& c) { return c.dpo.adapter; },
                KeyType::Choice,
                "What DPO trains. none: every weight of the model. lora: the base stays frozen and LoRA adapters "
                "(lora.*) train, so the reference is the same model with its adapters off. none by default: "
                "small models train fully in little memory.",
                "none|lora"},
        KeySpec{"reward_model.adapter",
                [](RunConfig& c, const std::string& v, const Origin& o) {
                    if (v != "none" && v != "lora")
                        throw InputError(o.file, "reward_model.adapter", "must be none or lora, got '" + v + "'",
                                         o.line);
                    c.rewardModel.adapter = v;
                },
                [](const RunConfig& c) { return c.rewardModel.adapter; },
                KeyType::Choice,
                "What a reward model trains besides its score head. none: every weight of the parent. lora: the "
                "base stays frozen and LoRA adapters (lora.*) train with the head. none by default: small models "
                "train fully in little memory.",
                "none|lora"},
        KeySpec{"reward.model",
                [](RunConfig& c, const std::string& v, const Origin& o) { c.reward.model = resolvePath(v, o); },
                [](const RunConfig& c) { return c.reward.model; },
                KeyType::Path,
                "grpo, ppo: the reward-model run (method reward_model; its best checkpoint, else latest) or "
                "checkpoint that scores each answer: the proxy reward. It must share the policy's tokenizer. "
                "Empty: no reward model (then reward.gold_weight must be positive)."},
        TB_DOUBLE_KEY("reward.model_weight", reward.modelWeight,
                      "grpo, ppo: weight of the reward model's score in the reward (reward = model_weight * model "
                      "score + gold_weight * gold score). 1 so that a reward model alone is the reward."),
        TB_DOUBLE_KEY("reward.gold_weight", reward.goldWeight,
                      "grpo, ppo: weight of the built-in gold scorer (docs/rlhf.md, the reward-hacking lab) in the "
                      "reward. 0 by default: the gold score is only watched (reward.log_gold), not optimised."),
        TB_BOOL_KEY("reward.log_gold", reward.logGold,
                    "grpo, ppo: log objective/gold, the gold scorer's mean score, beside the reward even when "
                    "reward.gold_weight is 0, so a class can see the proxy reward and the gold score part ways."),
        TB_INT_KEY("grpo.rollout_prompts", grpo.rolloutPrompts,
                   "GRPO: prompts of data.train answered per training step. 4 keeps a step a few seconds on "
                   "2 CPU cores with the demo model."),
        TB_INT_KEY("grpo.group_size", grpo.groupSize,
                   "GRPO: answers sampled per prompt (G); each answer's advantage is its reward relative to its "
                   "group. At least 2; 4 is small but enough to compare answers."),
        TB_INT_KEY("grpo.max_new_tokens", grpo.maxNewTokens,
                   "GRPO: longest answer in tokens. 24 fits the demo's one-sentence answers."),
        TB_DOUBLE_KEY("grpo.kl_coef", grpo.klCoef,
                      "GRPO: beta, the weight of the per-token k3 KL to the parent (the reference) in the loss. "
                      "0.04 as in the DeepSeekMath paper; 0 turns the leash off; it must not be negative."),
        TB_DOUBLE_KEY("grpo.epsilon", grpo.epsilon,
                      "GRPO: the probability ratio is clipped to [1 - epsilon, 1 + epsilon]. 0.2 as in PPO and "
                      "TRL."),
        KeySpec{"grpo.loss_type",
                [](RunConfig& c, const std::string& v, const Origin& o) {
                    if (v != "grpo" && v != "bnpo" && v != "dr_grpo")
                        throw InputError(o.file, "grpo.loss_type", "must be grpo, bnpo or dr_grpo, got '" + v + "'",
                                         o.line);
                    c.grpo.lossType = v;
                },
                [](const RunConfig& c) { return c.grpo.lossType; },
                KeyType::Choice,
                "GRPO: how per-token losses are averaged (TRL's loss_type). grpo: per answer, then over answers "
                "(the paper). bnpo: over every token. dr_grpo: summed and divided by answers x max_new_tokens "
                "(no length bias).",
                "grpo|bnpo|dr_grpo"},
        TB_BOOL_KEY("grpo.scale_rewards", grpo.scaleRewards,
                    "GRPO: divide each advantage by its group's standard deviation (the paper, TRL's default). "
                    "false subtracts the group mean only (Dr. GRPO)."),
        TB_DOUBLE_KEY("grpo.temperature", grpo.temperature,
                      "GRPO: sampling temperature of the rollouts; the log-probabilities use it too, as TRL does. "
                      "1 samples the policy as it is."),
        TB_ADAPTER_KEY("grpo.adapter", grpo.adapter,
                       "What GRPO trains. none: every weight of the policy. lora: the base stays frozen and LoRA "
                       "adapters (lora.*) train. none by default: small models train fully in little memory."),
        TB_INT_KEY("ppo.rollout_prompts", ppo.rolloutPrompts,
                   "PPO: prompts of data.train answered per rollout (one answer each). 8 keeps a rollout a few "
                   "seconds on 2 CPU cores with the demo model."),
        TB_INT_KEY("ppo.max_new_tokens", ppo.maxNewTokens,
                   "PPO: longest answer in tokens. 24 fits the demo's one-sentence answers."),
        TB_DOUBLE_KEY("ppo.kl_coef", ppo.klCoef,
                      "PPO: weight of the per-token KL penalty to the parent in the reward (the initial value when "
                      "ppo.kl_target is set). 0.05 as in TRL; it must not be negative."),
        TB_DOUBLE_KEY("ppo.kl_target", ppo.klTarget,
                      "PPO: when positive, the KL coefficient adapts so that the KL per answer nears this many nats "
                      "(Ziegler et al. 2019). 0 keeps ppo.kl_coef fixed, the simpler default."),
        TB_DOUBLE_KEY("ppo.kl_horizon", ppo.klHorizon,
                      "PPO: horizon of the adaptive KL controller in answers: larger adapts more slowly. 10000 as "
                      "in TRL."),
        TB_DOUBLE_KEY("ppo.gamma", ppo.gamma,
                      "PPO: discount of GAE. 1, as in TRL: an answer is short and only its end is scored."),
        TB_DOUBLE_KEY("ppo.lam", ppo.lam,
                      "PPO: lambda of GAE, trading bias for variance in the advantages. 0.95 as in TRL."),
        TB_DOUBLE_KEY("ppo.cliprange", ppo.cliprange,
                      "PPO: the policy's probability ratio is clipped to [1 - cliprange, 1 + cliprange]. 0.2 as "
                      "in TRL."),
        TB_DOUBLE_KEY("ppo.cliprange_value", ppo.cliprangeValue,
                      "PPO: a value prediction may move at most this far from its rollout-time value before the "
                      "clipped value loss takes over. 0.2 as in TRL."),
        TB_DOUBLE_KEY("ppo.vf_coef", ppo.vfCoef,
                      "PPO: weight of the value loss beside the policy loss. 0.1 as in TRL."),
        TB_INT_KEY("ppo.epochs", ppo.epochs,
                   "PPO: passes over each rollout (each pass is ppo.minibatches optimizer steps). 4 as in TRL."),
        TB_INT_KEY("ppo.minibatches", ppo.minibatches,
                   "PPO: minibatches per pass over a rollout; must divide ppo.rollout_prompts. 1 as in TRL."),
        TB_BOOL_KEY("ppo.whiten", ppo.whiten,
                    "PPO: whiten the advantages of each rollout (zero mean, unit variance), as TRL always does."),
        TB_DOUBLE_KEY("ppo.missing_eos_penalty", ppo.missingEosPenalty,
                      "PPO: subtracted from the score of an answer that ran to ppo.max_new_tokens without ending, "
                      "so rambling does not pay. 0 (off) by default, as in TRL."),
        TB_DOUBLE_KEY("ppo.temperature", ppo.temperature,
                      "PPO: sampling temperature of the rollouts; the log-probabilities use it too, as TRL does. "
                      "1 samples the policy as it is."),
        TB_ADAPTER_KEY("ppo.adapter", ppo.adapter,
                       "What PPO trains besides the value head. none: every weight of the policy. lora: the base "
                       "stays frozen and LoRA adapters (lora.*) train. none by default."),
    };
    return specs;
}

#undef TB_INT_KEY
#undef TB_DOUBLE_KEY
#undef TB_BOOL_KEY
#undef TB_ADAPTER_KEY

const KeySpec* findKey(const std::string& key)
{
    for (const auto& s : keySpecs())
        if (key == s.key)
            return &s;
    return nullptr;
}

std::string knownKeysIn(const std::string& section)
{
    std::string out;
    for (const auto& s : keySpecs()) {
        const std::string k = s.key;
        if (k.rfind(section + ".", 0) == 0) {
            if (!out.empty())
                out += ", ";
            out += k.substr(section.size() + 1);
        }
    }
    return out;
}

std::string unknownKeyMessage(const std::string& key)
{
    const auto dot = key.find('.');
    if (dot != std::string::npos) {
        const std::string known = knownKeysIn(key.substr(0, dot));
        if (!known.empty())
            return "unknown key (known keys in " + key.substr(0, dot) + ": " + known + ")";
    }
    return "unknown key (known sections: method, init_from, model, train, data, tokenizer, sft, lora, prompt_tuning, dpo, "
           "reward_model, reward, grpo, ppo)";
}

void setKey(RunConfig& config, const std::string& key, const std::string& value, const Origin& o)
{
    const KeySpec* spec = findKey(key);
    if (!spec)
        throw InputError(o.file, key, unknownKeyMessage(key), o.line);
    spec->set(config, value, o);
}

} // namespace tb::core::config_keys
