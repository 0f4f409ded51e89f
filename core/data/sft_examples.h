// SPDX-License-Identifier: MIT
// From rendered SFT examples (chat_template.h) to token rows for training: each example tokenised with the
// parent's tokenizer, each token marked as counted in the loss or not, and rows of a fixed length whose targets
// are -1 (ignored by the loss) on padding and on tokens the loss does not count. Torch-free; pure functions.
#pragma once

#include "core/data/chat_template.h"
#include "core/tokenizer/tokenizer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tb::core {

/// The target value the SFT loss ignores (cross-entropy's ignore_index).
inline constexpr int64_t kIgnoreTarget = -1;

/// One example as tokens: ids and, per id, whether predicting it counts in the loss.
struct TokenizedExample {
    std::vector<TokenId> ids;
    std::vector<unsigned char> loss;
    int64_t unknownTokens = 0; // ids the tokenizer could not spell (<unk>): text the model never sees
};

/// Tokenises the whole text at once (so it is exactly what the model sees) and marks a token as counted when the
/// first byte it came from is counted.
TokenizedExample tokenizeExample(const RenderedExample& example, const Tokenizer& tokenizer);

/// One training row of `length` positions: inputs[i] predicts targets[i]; a target of kIgnoreTarget is skipped.
struct SftRow {
    std::vector<int64_t> inputs;
    std::vector<int64_t> targets;
    int64_t examples = 0;  // examples packed into it (1 without packing)
    bool truncated = false; // the (last) example did not fit and was cut
};

/// Rows of `length` positions (the model's maxInputLength). Without packing, one example per row: its first
/// length + 1 tokens (cut beyond), padded with id 0 and ignored targets. With packing, whole examples are placed
/// one after another in a row while they fit (an example longer than a row gets a row of its own and is cut);
/// attention is not masked between them, as in TRL's packing. Examples with no counted target are left out.
std::vector<SftRow> buildRows(const std::vector<TokenizedExample>& examples, int64_t length, bool packing);

/// Counted targets of the rows (the tokens the loss averages over).
int64_t countedTargets(const std::vector<SftRow>& rows);

/// The text with the counted characters marked, for `data preview`: counted stretches are wrapped in
/// `open`/`close` (e.g. "[[" and "]]", or terminal colours).
std::string markedText(const RenderedExample& example, const std::string& open, const std::string& close);

} // namespace tb::core
