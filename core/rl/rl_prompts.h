// SPDX-License-Identifier: MIT
// The prompts of an RL run (grpo, ppo), read from data.train: the prompt side of SFT records (alpaca, sharegpt,
// messages, prompt-completion: the turns before the last assistant turn), the prompt of preference and KTO
// records, or a plain prompt list (a .txt file with one prompt a line, or JSONL of {"prompt": "..."}; a JSONL
// {"text": ...} record is one prompt too). A prompt is rendered with the chat template when the policy's parent is
// a fine-tuned (chat) model, as SFT renders it, else as raw text; plain-string records (TRL's prompt/completion
// strings) are always raw. data.val_fraction of the prompts are held out for evaluation. Calling thread only.
#pragma once

#include "core/data/chat_template.h"
#include "core/io/run_config.h"
#include "core/tokenizer/tokenizer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tb::core::rl {

struct RlPrompt {
    std::string text;         // the user's prompt (turn contents joined by "\n"): what the reward sources read
    std::vector<TokenId> ids; // the policy's input: the prompt rendered (chat template or raw) and encoded
};

struct RlPrompts {
    std::vector<RlPrompt> train;
    std::vector<RlPrompt> val;
    bool chat = false;        // rendered with the chat template (answers stop at its answer end)
    ChatTemplate chatTemplate;
    int64_t promptsWithUnknown = 0; // prompts with characters the tokenizer cannot spell
    int64_t promptsSkipped = 0;     // of those, left out (sft.skip_unspellable)
    std::string hash;               // of data.train's bytes
};

/// Reads data.train as above. `chat`: render with the run's chat template (sft.chat_template). InputError naming
/// data.train (file, line) for an unreadable file, a record without a prompt, an empty prompt list, fewer than two
/// prompts, or a malformed line of a prompt list.
RlPrompts loadRlPrompts(const RunConfig& config, const Tokenizer& tokenizer, bool chat);

} // namespace tb::core::rl
