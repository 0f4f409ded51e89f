// SPDX-License-Identifier: MIT
#include "core/data/sft_examples.h"

#include <algorithm>

namespace tb::core {

TokenizedExample tokenizeExample(const RenderedExample& example, const Tokenizer& tokenizer)
{
    TokenizedExample out;
    const std::vector<TokenSpan> spans = tokenizer.encodeWithSpans(example.text);
    out.ids.reserve(spans.size());
    out.loss.reserve(spans.size());
    for (const TokenSpan& s : spans) {
        out.ids.push_back(s.id);
        // A token that stands for no text (an empty span) takes the mask of the byte it sits at.
        const size_t at = std::min(s.begin, example.lossMask.empty() ? size_t{0} : example.lossMask.size() - 1);
        out.loss.push_back(example.lossMask.empty() ? 0 : example.lossMask[at]);
        if (tokenizer.pieceKind(s.id) == PieceKind::Unknown)
            ++out.unknownTokens;
    }
    return out;
}

namespace {

/// Appends `example`'s first `maxTokens` tokens to `row` (inputs get all but the row's last token, targets all
/// but its first). Returns whether it was cut.
void appendExample(SftRow& row, const TokenizedExample& example, size_t maxTokens)
{
    const size_t n = std::min(example.ids.size(), maxTokens);
    for (size_t i = 0; i < n; ++i) {
        // Token i is the target of the previous position (the last token of the row so far), if there is one.
        if (!row.inputs.empty() || i > 0)
            row.targets.push_back(example.loss[i] ? int64_t{example.ids[i]} : kIgnoreTarget);
        row.inputs.push_back(example.ids[i]);
    }
    row.truncated = row.truncated || n < example.ids.size();
    ++row.examples;
}

/// The rows are built as token sequences of up to length + 1 (inputs then hold one token too many); this drops the
/// last input and pads both to `length`.
void finishRow(SftRow& row, size_t length)
{
    if (row.inputs.size() > row.targets.size())
        row.inputs.pop_back();
    row.inputs.resize(length, 0);
    row.targets.resize(length, kIgnoreTarget);
}

bool hasCountedTarget(const TokenizedExample& e, size_t maxTokens)
{
    const size_t n = std::min(e.ids.size(), maxTokens);
    for (size_t i = 1; i < n; ++i)
        if (e.loss[i])
            return true;
    return false;
}

} // namespace

std::vector<SftRow> buildRows(const std::vector<TokenizedExample>& examples, int64_t lengthIn, bool packing)
{
    const size_t length = static_cast<size_t>(std::max<int64_t>(lengthIn, 1));
    const size_t capacity = length + 1; // tokens a row can hold: length inputs, the last one only as a target
    std::vector<SftRow> rows;
    SftRow current;
    size_t used = 0; // tokens in `current`
    for (const TokenizedExample& e : examples) {
        if (!hasCountedTarget(e, capacity))
            continue;
        if (!packing || used + e.ids.size() > capacity) {
            if (used > 0) {
                finishRow(current, length);
                rows.push_back(std::move(current));
                current = SftRow{};
                used = 0;
            }
        }
        appendExample(current, e, capacity);
        used += std::min(e.ids.size(), capacity);
        if (!packing) {
            finishRow(current, length);
            rows.push_back(std::move(current));
            current = SftRow{};
            used = 0;
        }
    }
    if (used > 0) {
        finishRow(current, length);
        rows.push_back(std::move(current));
    }
    return rows;
}

int64_t countedTargets(const std::vector<SftRow>& rows)
{
    int64_t n = 0;
    for (const auto& r : rows)
        n += std::count_if(r.targets.begin(), r.targets.end(), [](int64_t t) { return t != kIgnoreTarget; });
    return n;
}

std::string markedText(const RenderedExample& example, const std::string& open, const std::string& close)
{
    std::string out;
    bool inside = false;
    for (size_t i = 0; i < example.text.size(); ++i) {
        const bool counted = i < example.lossMask.size() && example.lossMask[i];
        if (counted != inside) {
            out += counted ? open : close;
            inside = counted;
        }
        out += example.text[i];
    }
    if (inside)
        out += close;
    return out;
}

} // namespace tb::core
