// SPDX-License-Identifier: MIT
#include "core/data/chat_prompt.h"

namespace tb::core {

ChatTemplate runChatTemplate(const RunConfig& config) { return ChatTemplate::parse(config.sft.chatTemplate); }

ChatPrompt chatPrompt(const ChatTemplate& chatTemplate, const std::string& userText)
{
    ChatPrompt p;
    p.text = chatTemplate.promptFor(userText);
    p.answerEnd = chatTemplate.answerEnd();
    p.format = chatTemplate.text() == ChatTemplate::builtin().text() ? "built-in chat template" : "run's chat template";
    return p;
}

ChatPrompt rawPrompt(const std::string& text) { return {text, {}, "raw prompt"}; }

ChatPrompt promptForRun(const RunConfig& config, const std::string& prompt, bool useChatTemplate)
{
    if (!useChatTemplate || !config.isFineTuning())
        return rawPrompt(prompt);
    return chatPrompt(runChatTemplate(config), prompt);
}

bool cutAtAnswerEnd(std::string& text, const std::string& answerEnd)
{
    if (answerEnd.empty())
        return false;
    const size_t end = text.find(answerEnd);
    if (end == std::string::npos)
        return false;
    text.resize(end);
    return true;
}

} // namespace tb::core
