// SPDX-License-Identifier: MIT
#include "core/rl/gold_scorer.h"

#include "core/common/error.h"

#include <algorithm>
#include <set>

namespace tb::core::rl {

namespace {

std::vector<std::string> sortedTopicWords()
{
    // Drawn from resources/demo (make_corpus.py's word lists and handwritten.txt). Singular forms; plurals match
    // through isGoldTopicWord's rule.
    std::vector<std::string> words = {
        // the lighthouse and the sea
        "light", "lighthouse", "lamp", "keeper", "logbook", "lens", "wick", "oil", "tower", "stairs", "glass",
        "sea", "wind", "tide", "wave", "rock", "fog", "mist", "storm", "rain", "snow", "hail", "cloud", "sky",
        "dawn", "sunset", "night", "star", "ship", "boat", "ferry", "sail", "harbour", "beach", "gull", "seal",
        "whale", "heron", "crab", "north", "south", "east", "west",
        // the kitchen
        "recipe", "bread", "soup", "stew", "pie", "cake", "porridge", "butter", "flour", "sugar", "egg", "onion",
        "carrot", "potato", "salt", "pepper", "honey", "milk", "oats", "apple", "plum", "pear", "berry",
        "cherry", "barley", "leek", "pumpkin", "lentil", "cabbage", "pea", "bean", "mushroom", "fish", "beef",
        "lamb", "chicken", "cheese", "jam", "tea", "cream", "oven", "pot", "dough", "bake", "boil", "stir",
        "cook", "supper", "spoon", "cup", "pinch", "stove",
        // the village and its fables
        "village", "baker", "smith", "miller", "mill", "weaver", "market", "street", "church", "bell", "well",
        "bridge", "farm", "farmer", "harvest", "teacher", "garden", "cart", "horse", "fox", "hare", "owl",
        "goat", "mouse", "crow", "badger", "bear", "wolf", "duck", "hen", "cat", "dog", "sparrow", "tortoise",
        "squirrel", "deer", "pig", "frog",
    };
    std::sort(words.begin(), words.end());
    words.erase(std::unique(words.begin(), words.end()), words.end());
    return words;
}

bool inTopicList(std::string_view word)
{
    const auto& words = goldTopicWords();
    return std::binary_search(words.begin(), words.end(), word);
}

} // namespace

std::string validateGoldScorerOptions(const GoldScorerOptions& options)
{
    if (options.topicTarget < 1)
        return "topic_target must be at least 1";
    if (options.ngram < 1)
        return "ngram must be at least 1";
    if (options.maxWords < 1)
        return "max_words must be at least 1";
    if (!(options.repetitionWeight >= 0.0) || !(options.lengthWeight >= 0.0))
        return "the weights must not be negative";
    return {};
}

const std::vector<std::string>& goldTopicWords()
{
    static const std::vector<std::string> words = sortedTopicWords();
    return words;
}

bool isGoldTopicWord(std::string_view word)
{
    if (inTopicList(word))
        return true;
    const auto endsWith = [&word](std::string_view suffix) {
        return word.size() > suffix.size() + 1 && word.substr(word.size() - suffix.size()) == suffix;
    };
    // berries -> berry, potatoes -> potato, boats -> boat
    if (endsWith("ies") && inTopicList(std::string(word.substr(0, word.size() - 3)) + "y"))
        return true;
    if (endsWith("es") && inTopicList(word.substr(0, word.size() - 2)))
        return true;
    return endsWith("s") && inTopicList(word.substr(0, word.size() - 1));
}

std::vector<std::string> goldWords(std::string_view text)
{
    std::vector<std::string> words;
    std::string current;
    for (const char c : text) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            current.push_back(char(c | 0x20)); // ASCII lower case
        } else if (!current.empty()) {
            words.push_back(std::move(current));
            current.clear();
        }
    }
    if (!current.empty())
        words.push_back(std::move(current));
    return words;
}

GoldScore goldScore(std::string_view text, const GoldScorerOptions& options)
{
    if (const std::string problem = validateGoldScorerOptions(options); !problem.empty())
        throw Error("invalid gold scorer options: " + problem);
    const auto words = goldWords(text);
    GoldScore s;
    s.words = int64_t(words.size());

    std::set<std::string_view> topic;
    for (const auto& word : words)
        if (isGoldTopicWord(word)) {
            ++s.onTopicWords;
            topic.insert(word);
        }
    s.distinctTopicWords = int64_t(topic.size());
    s.topic = std::min(1.0, double(s.distinctTopicWords) / double(options.topicTarget));

    const size_t n = size_t(options.ngram);
    if (words.size() > n) {
        std::set<std::vector<std::string_view>> seen;
        int64_t repeats = 0;
        const size_t count = words.size() - n + 1;
        for (size_t i = 0; i < count; ++i) {
            std::vector<std::string_view> gram(words.begin() + std::ptrdiff_t(i),
                                               words.begin() + std::ptrdiff_t(i + n));
            if (!seen.insert(std::move(gram)).second)
                ++repeats;
        }
        s.repetition = double(repeats) / double(count);
    }

    const double extra = double(std::max<int64_t>(0, s.words - options.maxWords));
    s.overLength = std::min(1.0, extra / double(options.maxWords));
    s.score = std::clamp(s.topic - options.repetitionWeight * s.repetition - options.lengthWeight * s.overLength,
                         -1.0, 1.0);
    return s;
}

PlantedBias plantedBiasFromName(const std::string& name)
{
    if (name == "none")
        return PlantedBias::None;
    if (name == "length")
        return PlantedBias::Length;
    throw Error("unknown planted bias \"" + name + "\" (expected none or length)");
}

double biasedScore(std::string_view text, const GoldScorerOptions& gold, const PlantedBiasOptions& bias)
{
    const GoldScore s = goldScore(text, gold);
    switch (bias.kind) {
    case PlantedBias::None:
        return s.score;
    case PlantedBias::Length: {
        if (bias.lengthCap < 1)
            throw Error("invalid planted bias: the length cap must be at least 1 word");
        const double share = double(std::min(s.words, bias.lengthCap)) / double(bias.lengthCap);
        return s.score + bias.weight * share;
    }
    }
    return s.score;
}

} // namespace tb::core::rl
