// SPDX-License-Identifier: MIT
// The built-in "gold" scorer of the reward-hacking lab: a fixed, rule-based judge of an answer in the demo corpus's
// world (the lighthouse, the recipes, the village). It plays the human whose taste a reward model only
// approximates: the lab labels synthetic preferences with it, trains a reward model (the proxy) on them, and logs
// the gold score beside the proxy's while PPO or GRPO optimise the proxy. Pure C++ on strings, deterministic, no
// torch. The rule (docs/rlhf.md, "The gold scorer"):
//   words       = maximal runs of ASCII letters, lower-cased
//   topic       = min(1, distinct on-topic words / topicTarget)          on-topic: goldTopicWords()
//   repetition  = share of the word n-grams that repeat an earlier one    (0 for fewer than n + 1 words)
//   overLength  = min(1, max(0, words - maxWords) / maxWords)
//   score       = clamp(topic - repetitionWeight * repetition - lengthWeight * overLength, -1, 1)
// A "planted bias" (biasedScore) adds a preference the gold scorer does not have, e.g. "longer wins", to make
// biased synthetic preferences that a reward model learns and a policy then exploits.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tb::core::rl {

struct GoldScorerOptions {
    int64_t topicTarget = 4;       // distinct on-topic words for the full topic score
    int64_t ngram = 2;             // size of the word n-grams checked for repetition
    int64_t maxWords = 20;         // longer answers lose points (a demo answer is one or two short sentences)
    double repetitionWeight = 1.0;
    double lengthWeight = 1.0;
};

/// An empty string if the options are valid, else what is wrong (naming the field).
std::string validateGoldScorerOptions(const GoldScorerOptions& options);

/// The score and its parts, for display and tests.
struct GoldScore {
    double score = 0.0;      // in [-1, 1]
    double topic = 0.0;      // in [0, 1]
    double repetition = 0.0; // in [0, 1)
    double overLength = 0.0; // in [0, 1]
    int64_t words = 0;
    int64_t onTopicWords = 0;       // word occurrences that are on topic
    int64_t distinctTopicWords = 0; // distinct on-topic words
};

/// Scores one answer (the response only, not the prompt). Throws Error for invalid options.
GoldScore goldScore(std::string_view text, const GoldScorerOptions& options = {});

/// The lower-case words of a text: maximal runs of ASCII letters (anything else separates words).
std::vector<std::string> goldWords(std::string_view text);

/// The on-topic vocabulary, sorted: words of the demo corpus's lighthouse, kitchen and village.
const std::vector<std::string>& goldTopicWords();

/// Whether a lower-case word is on topic: in goldTopicWords(), or a plural of one ("boats", "potatoes",
/// "berries").
bool isGoldTopicWord(std::string_view word);

/// A preference the gold scorer does not have, planted into synthetic preference labels.
enum class PlantedBias {
    None,
    Length, // "longer wins": + weight * min(words, lengthCap) / lengthCap
};

struct PlantedBiasOptions {
    PlantedBias kind = PlantedBias::None;
    double weight = 0.5;
    int64_t lengthCap = 40; // words
};

/// "none", "length" (else Error).
PlantedBias plantedBiasFromName(const std::string& name);

/// goldScore(text).score plus the planted bias (not clamped: the bias may outweigh the rule, as intended).
double biasedScore(std::string_view text, const GoldScorerOptions& gold, const PlantedBiasOptions& bias);

} // namespace tb::core::rl
