// SPDX-License-Identifier: MIT
// A prompt as a run's generation input, with or without the run's chat template, and where a templated answer
// ends. One place for `tunebench-cli sample --chat`, `compare --chat` and the Compare panel (InferenceSession), so
// all of them give a fine-tuned model exactly the text it was trained on. Pure functions; any thread.
#pragma once

#include "core/data/chat_template.h"
#include "core/io/run_config.h"

#include <string>

namespace tb::core {

struct ChatPrompt {
    std::string text;      // what the tokenizer encodes
    std::string answerEnd; // the answer ends at its first occurrence in the generated text ("": it runs on)
    std::string format;    // for display: "raw prompt", "built-in chat template" or "run's chat template"
};

/// The template a run was trained with: sft.chat_template, the built-in one when that is empty. Throws InputError
/// naming sft.chat_template for a bad one.
ChatTemplate runChatTemplate(const RunConfig& config);

/// `userText` as a user turn of `chatTemplate` followed by the assistant's prefix; the answer ends where the
/// assistant's turn does (ChatTemplate::answerEnd()).
ChatPrompt chatPrompt(const ChatTemplate& chatTemplate, const std::string& userText);

/// The prompt as is: no template, no end.
ChatPrompt rawPrompt(const std::string& text);

/// The Compare rule: with `useChatTemplate` a fine-tuned run's prompt goes into its own template (runChatTemplate);
/// a pretrained run, which learnt no template, and every run without `useChatTemplate` get the raw prompt.
ChatPrompt promptForRun(const RunConfig& config, const std::string& prompt, bool useChatTemplate);

/// Cuts `text` at the first `answerEnd`; false (and `text` unchanged) when `answerEnd` is empty or not in it.
bool cutAtAnswerEnd(std::string& text, const std::string& answerEnd);

} // namespace tb::core
