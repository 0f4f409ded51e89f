// SPDX-License-Identifier: MIT
#include "core/tokenizer/tokenizer.h"

#include "core/common/error.h"
#include "core/common/hash.h"
#include "core/common/utf8.h"
#include "core/tokenizer/byte_tokenizer.h"
#include "core/tokenizer/char_tokenizer.h"
#include "core/tokenizer/sentencepiece_tokenizer.h"
#include "core/tokenizer/spm_library.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>

namespace tb::core {
namespace {

CharTokenizer::Unknown parseUnknownPolicy(const std::string& policy)
{
    if (policy == "unk")
        return CharTokenizer::Unknown::Unk;
    if (policy == "error")
        return CharTokenizer::Unknown::Error;
    throw InputError("", "tokenizer.unknown",
                     "unknown policy '" + policy + "' for unseen characters (expected unk or error)");
}

std::unique_ptr<Tokenizer> loadCharTokenizer(const nlohmann::json& j)
{
    const auto unknown = j.find("unknown");
    if (unknown == j.end() || !unknown->is_string() ||
        (unknown->get<std::string>() != "unk" && unknown->get<std::string>() != "error"))
        throw Error("invalid tokenizer: \"unknown\" must be \"unk\" or \"error\"");
    const auto vocabJson = j.find("vocab");
    if (vocabJson == j.end() || !vocabJson->is_array())
        throw Error("invalid tokenizer: a char tokenizer needs a \"vocab\" array of code points");
    std::vector<char32_t> vocab;
    vocab.reserve(vocabJson->size());
    for (const auto& item : *vocabJson) {
        if (!item.is_number_unsigned())
            throw Error("invalid tokenizer: \"vocab\" holds " + item.dump() + ", expected a code point number");
        const auto cp = item.get<uint64_t>();
        if (cp > kMaxCodePoint || (cp >= 0xD800 && cp <= 0xDFFF))
            throw Error("invalid tokenizer: \"vocab\" holds " + std::to_string(cp) + ", which is not a Unicode scalar value");
        if (!vocab.empty() && cp <= vocab.back())
            throw Error("invalid tokenizer: \"vocab\" must be sorted ascending without duplicates");
        vocab.push_back(static_cast<char32_t>(cp));
    }
    return std::make_unique<CharTokenizer>(std::move(vocab), parseUnknownPolicy(unknown->get<std::string>()));
}

} // namespace

std::string Tokenizer::fingerprint() const { return hashHex(serialize()); }

PieceKind Tokenizer::pieceKind(TokenId /*id*/) const { return PieceKind::Normal; }

std::vector<TokenSpan> Tokenizer::encodeWithSpans(std::string_view text) const
{
    // How far ahead a piece may be looked for after one that could not be placed (an <unk>, whose text is lost).
    constexpr size_t kMaxGap = 64;
    const auto isSpace = [](char c) { return c == ' ' || c == '\n' || c == '\t'; };
    const std::vector<TokenId> ids = encode(text);
    std::vector<TokenSpan> spans;
    spans.reserve(ids.size());
    size_t cursor = 0;
    constexpr size_t kNone = std::numeric_limits<size_t>::max();
    size_t unplaced = kNone; // the last piece that got no text since the last placed one
    for (const TokenId id : ids) {
        const std::string piece = decode({id});
        TokenSpan span{id, cursor, cursor};
        if (!piece.empty()) {
            size_t start = cursor; // the piece, after the whitespace it may have dropped, which it then covers
            while (!text.substr(start).starts_with(piece) && start < text.size() && isSpace(text[start]))
                ++start;
            if (text.substr(start).starts_with(piece)) {
                span.end = start + piece.size();
            } else if (unplaced != kNone) {
                const size_t limit = std::min(text.size(), cursor + kMaxGap + piece.size());
                const size_t at = text.substr(0, limit).find(piece, cursor);
                if (at != std::string_view::npos) {
                    spans[unplaced].end = at; // the unplaced piece stood for the skipped text
                    span.begin = at;
                    span.end = at + piece.size();
                }
            }
            if (span.end > span.begin) {
                cursor = span.end;
                unplaced = kNone;
            } else {
                unplaced = spans.size();
            }
        }
        spans.push_back(span);
    }
    if (unplaced != kNone && cursor < text.size())
        spans[unplaced].end = text.size(); // it stood for the rest of the text
    return spans;
}

std::unique_ptr<Tokenizer> makeTokenizer(const TokenizerConfig& config, std::string_view corpusText)
{
    // Checked for every kind: a typo in the config is worth reporting even where the value is unused.
    const CharTokenizer::Unknown unknown = parseUnknownPolicy(config.unknown);
    if (config.kind == "byte")
        return std::make_unique<ByteTokenizer>();
    if (config.kind == "char") {
        auto tokenizer = std::make_unique<CharTokenizer>(CharTokenizer::fromText(corpusText, unknown));
        if (tokenizer->vocab().empty())
            throw InputError("", "tokenizer.kind", "the corpus is empty, so there is no character vocabulary to learn");
        return tokenizer;
    }
    if (config.kind == "bpe" || config.kind == "unigram") {
        SentencePieceOptions options;
        options.modelType = config.kind;
        if (config.vocabSize > 0)
            options.vocabSize = config.vocabSize;
        options.characterCoverage = config.characterCoverage;
        options.byteFallback = config.byteFallback;
        return SentencePieceTokenizer::train(corpusText, options);
    }
    throw InputError("", "tokenizer.kind",
                     "unknown tokenizer kind '" + config.kind + "' (expected char, byte, bpe or unigram)");
}

std::unique_ptr<Tokenizer> loadTokenizer(const std::string& serialized)
{
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(serialized);
    } catch (const nlohmann::json::parse_error& e) {
        throw Error("invalid tokenizer: not valid JSON (syntax error at byte " + std::to_string(e.byte) + ")");
    } catch (const nlohmann::json::exception& e) { // out_of_range: a number such as 1e999999 overflows a double
        throw Error(std::string("invalid tokenizer: not valid JSON (") + e.what() + ")");
    }
    if (!j.is_object())
        throw Error("invalid tokenizer: expected a JSON object with a \"kind\"");
    const auto kind = j.find("kind");
    if (kind == j.end() || !kind->is_string())
        throw Error("invalid tokenizer: missing \"kind\"");
    if (*kind == "byte")
        return std::make_unique<ByteTokenizer>();
    if (*kind == "char")
        return loadCharTokenizer(j);
    if (*kind == "bpe" || *kind == "unigram") {
        const auto model = j.find("model");
        if (model == j.end() || !model->is_string())
            throw Error("invalid tokenizer: a " + kind->get<std::string>() +
                        " tokenizer needs a \"model\" string (the sentencepiece model in base64)");
        std::string bytes;
        try {
            bytes = decodeBase64(model->get<std::string>());
        } catch (const Error& e) {
            throw Error("invalid tokenizer: \"model\" is not a sentencepiece model in base64 (" +
                        std::string(e.what()) + ")");
        }
        return std::make_unique<SentencePieceTokenizer>(kind->get<std::string>(), std::move(bytes));
    }
    throw Error("invalid tokenizer: unknown kind " + kind->dump() + " (expected \"char\", \"byte\", \"bpe\" or \"unigram\")");
}

std::unique_ptr<Tokenizer> loadTokenizer(const std::string& serialized, const std::string& origin)
{
    try {
        return loadTokenizer(serialized);
    } catch (const InputError& e) {
        throw InputError(origin, e.field(), e.message(), e.line(), e.byteOffset());
    } catch (const SpmLibraryError&) {
        throw;
    } catch (const nlohmann::json::exception& e) { // a field of the wrong type inside the tokenizer
        throw InputError(origin, "", std::string("invalid tokenizer: ") + e.what());
    } catch (const Error& e) {
        throw InputError(origin, "", e.what());
    }
}

} // namespace tb::core
