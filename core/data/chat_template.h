// SPDX-License-Identifier: MIT
// How a conversation becomes the text a fine-tuned model sees, and which of its characters the SFT loss counts.
//
// The template language (docs/fine-tuning.md): one section per role, introduced by [[system]], [[user]],
// [[assistant]] or [[tool]]; a section's text is the turn's format and holds {content} exactly once. Line breaks
// in the template are layout only; write \n for a newline of the model's text (\t a tab, \\ a backslash, \{ a
// brace). [[user]] and [[assistant]] are required; a missing [[system]] or [[tool]] section formats those turns
// like a user turn. The built-in template uses only characters every English corpus has:
//     [[system]]System: {content}\n[[user]]User: {content}\n[[assistant]]Assistant: {content}\n
//
// The loss covers each assistant turn's content and the end of its format (the "\n" after it), so the model
// learns both the answer and where it stops; the "Assistant: " before it is given at inference and not trained.
// Pure functions; any thread.
#pragma once

#include "core/data/formats/dataset_record.h"

#include <array>
#include <string>
#include <utility>
#include <vector>

namespace tb::core {

/// What a template makes of one turn: prefix + content + suffix.
struct RoleFormat {
    std::string prefix;
    std::string suffix;
};

class ChatTemplate {
public:
    /// The built-in default (see above).
    static ChatTemplate builtin();
    /// Parses template text; empty text is the built-in template. Throws InputError naming `origin` and `field`
    /// (e.g. "sft.chat_template") for an unknown section, text before the first section, a section without
    /// {content} or with it twice, a bad escape, or a missing [[user]] / [[assistant]] section.
    static ChatTemplate parse(const std::string& text, const std::string& origin = "config",
                              const std::string& field = "sft.chat_template");

    const RoleFormat& format(Role role) const;
    /// The template text it was parsed from (the built-in's text for builtin()).
    const std::string& text() const { return m_text; }

    /// A prompt ready for generation: `userText` as a user turn, then the assistant's prefix, so the model's
    /// continuation is the answer.
    std::string promptFor(const std::string& userText) const;
    /// Where an answer ends: the assistant format's suffix up to its first newline (or all of it); "" when the
    /// suffix is empty.
    std::string answerEnd() const;

private:
    std::array<RoleFormat, 4> m_formats; // indexed by Role
    std::string m_text;
};

enum class LossOn { Completion, All };

/// "completion" or "all"; throws InputError naming sft.loss_on otherwise.
LossOn parseLossOn(const std::string& text);

/// One record as the model sees it: the text and, per byte of it, whether the loss counts it.
struct RenderedExample {
    std::string text;
    std::vector<unsigned char> lossMask; // one entry per byte of text: 1 = counted in the loss
};

/// Renders a conversation (or a plain prompt/completion pair, joined as raw text without role formats) with the
/// template. With LossOn::Completion only assistant content and suffix bytes count; with All every byte does.
/// Documents count whole (they are plain text to continue). Preference and labelled (KTO) records are not SFT
/// data: InputError naming `file`, the record's line and data.train.
RenderedExample renderRecord(const DatasetRecord& record, const ChatTemplate& chatTemplate, LossOn lossOn,
                             const std::string& file = {});

/// One `data.replace` item, "{{name}}=TuneBench": the text to find and what replaces it.
using Replacement = std::pair<std::string, std::string>;

/// Parses data.replace items. Throws InputError naming data.replace for an item without '=' or with an empty
/// left side.
std::vector<Replacement> parseReplacements(const std::vector<std::string>& items, const std::string& origin = "config");

/// Replaces every occurrence of each placeholder in `text`, in order.
std::string applyReplacements(std::string text, const std::vector<Replacement>& replacements);
/// The same on every text field of a record.
void applyReplacements(DatasetRecord& record, const std::vector<Replacement>& replacements);

} // namespace tb::core
