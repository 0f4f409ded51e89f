// SPDX-License-Identifier: MIT
// The tokenizer interface shared by the char-level, byte-level and (later) sentencepiece tokenizers. A tokenizer is
// immutable after construction, so one instance may be used from several threads at once.
#pragma once

#include "core/tokenizer/tokenizer_config.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tb::core {

using TokenId = int32_t;

/// What a token stands for, for statistics and display (see Tokenizer::pieceKind).
enum class PieceKind {
    Normal,  // text from the vocabulary: a character, a byte of a byte-level tokenizer, a subword
    Unknown, // the unknown token (<unk>): the text it replaced is lost
    Byte,    // byte fallback: a character outside the vocabulary spelled as one of its UTF-8 bytes (<0xE9>)
    Control, // a special token that stands for no text (<s>, </s>, <pad>)
};

/// One token of an encoded text and the bytes [begin, end) of that text it came from. A piece that stands for no
/// text (a control token, or one the tokenizer cannot place) has begin == end.
struct TokenSpan {
    TokenId id = 0;
    size_t begin = 0;
    size_t end = 0;
};

class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    /// "char", "byte", ...; matches TokenizerConfig::kind.
    virtual std::string kind() const = 0;
    virtual int64_t vocabSize() const = 0;

    /// Text must be valid UTF-8. Throws InputError when the unknown-character policy is "error" and a character is
    /// not in the vocabulary.
    virtual std::vector<TokenId> encode(std::string_view text) const = 0;
    /// Inverse of encode. Ids outside the vocabulary decode to U+FFFD. For byte-level, invalid UTF-8 sequences that
    /// a sampled byte stream may contain are replaced by U+FFFD so the result is always valid UTF-8.
    virtual std::string decode(const std::vector<TokenId>& ids) const = 0;
    /// Human-readable text of one token, for display (e.g. "\\n" for a newline, "<unk>" for the unknown id).
    virtual std::string tokenText(TokenId id) const = 0;

    /// What the token stands for. The default says Normal for every id; a tokenizer with an unknown, byte-fallback
    /// or special ids overrides it.
    virtual PieceKind pieceKind(TokenId id) const;
    /// encode() plus where each token came from in `text`; the ids equal encode(text). The default aligns
    /// decode({id}) of each token with the text, letting a piece skip the whitespace before it (sentencepiece drops
    /// a leading space when it decodes one piece). A token it cannot find (an <unk>, a byte-fallback byte) gets
    /// an empty span at the current position, except that the last such token before the next one found, or before
    /// the end, spans the text skipped. A tokenizer that knows its offsets overrides it.
    virtual std::vector<TokenSpan> encodeWithSpans(std::string_view text) const;

    /// Self-contained JSON that loadTokenizer() turns back into an equal tokenizer (stored in checkpoints).
    virtual std::string serialize() const = 0;
    /// Stable short hash of serialize(): two tokenizers with equal fingerprints encode identically.
    std::string fingerprint() const;
};

/// Builds the tokenizer a config asks for. Char-level learns its vocabulary from `corpusText` (every distinct
/// Unicode code point, sorted; plus one <unk> id at the end when config.unknown == "unk"). Throws InputError naming
/// tokenizer.kind / tokenizer.unknown for unknown values.
std::unique_ptr<Tokenizer> makeTokenizer(const TokenizerConfig& config, std::string_view corpusText);

/// Restores a tokenizer from serialize()'s output. Throws Error if the text is not a valid tokenizer.
std::unique_ptr<Tokenizer> loadTokenizer(const std::string& serialized);

/// loadTokenizer() for a tokenizer read from `origin` (a tokenizer.json, or "run/ckpt.safetensors (tokenizer)"
/// for one inside a checkpoint): a bad tokenizer is an InputError naming `origin`. A missing sentencepiece
/// library stays an SpmLibraryError (the installation's fault, not the file's).
std::unique_ptr<Tokenizer> loadTokenizer(const std::string& serialized, const std::string& origin);

} // namespace tb::core
