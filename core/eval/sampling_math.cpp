// SPDX-License-Identifier: MIT
#include "core/eval/sampling_math.h"

#include "core/common/error.h"
#include "core/eval/generate.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

namespace tb::core {

namespace {

constexpr float kNegInfF = -std::numeric_limits<float>::infinity();
// The same slack as filteredProbabilities(): cumulative mass within 1e-6 of top-p counts as reaching it.
constexpr double kTopPSlack = 1e-6;

/// softmax over the finite scores (as doubles); all zeros when none is finite.
std::vector<double> softmaxFinite(const std::vector<float>& scores)
{
    std::vector<double> out(scores.size(), 0.0);
    double top = -std::numeric_limits<double>::infinity();
    for (const float s : scores)
        if (std::isfinite(s))
            top = std::max(top, double(s));
    if (!std::isfinite(top))
        return out;
    double sum = 0.0;
    for (size_t i = 0; i < scores.size(); ++i)
        if (std::isfinite(scores[i])) {
            out[i] = std::exp(double(scores[i]) - top);
            sum += out[i];
        }
    for (double& p : out)
        p /= sum;
    return out;
}

/// Ids in descending order of score, ties to the lower id (torch's stable descending sort); NaN sorts last.
std::vector<size_t> descendingOrder(const std::vector<float>& scores)
{
    std::vector<size_t> order(scores.size());
    std::iota(order.begin(), order.end(), size_t(0));
    const auto key = [&scores](size_t i) { return std::isnan(scores[i]) ? kNegInfF : scores[i]; };
    std::stable_sort(order.begin(), order.end(), [&key](size_t a, size_t b) { return key(a) > key(b); });
    return order;
}

} // namespace

SamplingParams samplingParams(const SampleOptions& options)
{
    return {options.temperature, options.topK, options.topP, options.greedy};
}

std::vector<double> softmaxOf(const std::vector<float>& logits) { return softmaxFinite(logits); }

ShapedDistribution shapeDistribution(const std::vector<float>& logits, const SamplingParams& params)
{
    ShapedDistribution out;
    const size_t vocab = logits.size();
    out.raw = softmaxFinite(logits);
    out.kept.assign(vocab, false);
    if (vocab == 0)
        return out;

    if (params.greedy || params.temperature <= 0.0) {
        out.tempered = out.raw;
        out.afterTopK = out.raw;
        out.final.assign(vocab, 0.0);
        // torch's argmax: the first of the largest values.
        size_t best = vocab;
        for (size_t i = 0; i < vocab; ++i)
            if (std::isfinite(logits[i]) && (best == vocab || logits[i] > logits[best]))
                best = i;
        if (best == vocab)
            return out;
        out.final[best] = 1.0;
        out.kept[best] = true;
        out.keptCount = 1;
        out.truncatedMass = std::max(0.0, 1.0 - out.raw[best]);
        return out;
    }

    // Float division, as the torch code divides a float tensor by the temperature.
    std::vector<float> scores(vocab);
    const auto temperature = float(params.temperature);
    for (size_t i = 0; i < vocab; ++i)
        scores[i] = std::isnan(logits[i]) ? kNegInfF : logits[i] / temperature;
    out.tempered = softmaxFinite(scores);

    if (params.topK > 0 && size_t(params.topK) < vocab) {
        const auto order = descendingOrder(scores);
        for (size_t r = size_t(params.topK); r < vocab; ++r)
            scores[order[r]] = kNegInfF;
    }
    out.afterTopK = softmaxFinite(scores);

    if (params.topP < 1.0) {
        const auto order = descendingOrder(scores);
        std::vector<float> sorted(vocab);
        for (size_t r = 0; r < vocab; ++r)
            sorted[r] = scores[order[r]];
        const auto sortedProbs = softmaxFinite(sorted);
        double above = 0.0; // mass ranked strictly above the token at rank r
        for (size_t r = 0; r < vocab; ++r) {
            if (r > 0 && above >= params.topP - kTopPSlack)
                scores[order[r]] = kNegInfF;
            above += sortedProbs[r];
        }
    }
    out.final = softmaxFinite(scores);

    for (size_t i = 0; i < vocab; ++i) {
        out.kept[i] = out.final[i] > 0.0;
        if (out.kept[i])
            ++out.keptCount;
        else
            out.truncatedMass += out.tempered[i];
    }
    return out;
}

double entropyOf(const std::vector<double>& probs)
{
    double h = 0.0;
    for (const double p : probs)
        if (p > 0.0)
            h -= p * std::log(p);
    return h;
}

std::vector<TokenId> rankedIds(const std::vector<double>& probs, int64_t k)
{
    std::vector<TokenId> ids(probs.size());
    std::iota(ids.begin(), ids.end(), TokenId(0));
    const size_t n = (k <= 0 || size_t(k) >= ids.size()) ? ids.size() : size_t(k);
    const auto before = [&probs](TokenId a, TokenId b) {
        return probs[size_t(a)] > probs[size_t(b)] || (probs[size_t(a)] == probs[size_t(b)] && a < b);
    };
    std::partial_sort(ids.begin(), ids.begin() + std::ptrdiff_t(n), ids.end(), before);
    ids.resize(n);
    return ids;
}

int64_t rankOf(const std::vector<double>& probs, TokenId id)
{
    if (id < 0 || size_t(id) >= probs.size())
        return 0;
    const double mine = probs[size_t(id)];
    int64_t rank = 1;
    for (size_t i = 0; i < probs.size(); ++i)
        if (probs[i] > mine || (probs[i] == mine && i < size_t(id)))
            ++rank;
    return rank;
}

double klDivergence(const std::vector<double>& p, const std::vector<double>& q)
{
    if (p.size() != q.size())
        throw Error("KL divergence needs distributions of the same size, got " + std::to_string(p.size()) +
                    " and " + std::to_string(q.size()));
    double kl = 0.0;
    for (size_t i = 0; i < p.size(); ++i) {
        if (!(p[i] > 0.0))
            continue;
        if (!(q[i] > 0.0))
            return std::numeric_limits<double>::infinity();
        kl += p[i] * (std::log(p[i]) - std::log(q[i]));
    }
    return std::max(0.0, kl);
}

} // namespace tb::core
