// SPDX-License-Identifier: MIT
// SentencePiece tokenizers (BPE and unigram), trained on the run's corpus. The model keeps text exactly: no
// normalisation, no dummy prefix, every space kept, a newline is its own piece and no piece spans a line break, so
// decode(encode(text)) == text for any text its characters cover, and for any text at all with byte fallback.
// sentencepiece itself runs in a separately loaded library (SpmLibrary, see spm_library.h). Immutable after
// construction, so any number of threads may use one instance; encode() of a long text uses every core itself.
#pragma once

#include "core/tokenizer/tokenizer.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct tb_spm_model;

namespace tb::core {

class SpmLibrary;

struct SentencePieceOptions {
    std::string modelType = "bpe";  // "bpe" or "unigram"
    int64_t vocabSize = 1000;       // every piece: <unk>, the newline, 256 byte pieces with byte fallback, the rest
    double characterCoverage = 1.0; // fraction of the corpus's characters that get their own piece
    bool byteFallback = true;       // characters outside the vocabulary become their UTF-8 bytes instead of <unk>
    int64_t trainingLines = 100000; // lines sampled from the corpus for training (0 = all): keeps big corpora quick
    uint64_t seed = 1337;           // for that sample
};

class SentencePieceTokenizer final : public Tokenizer {
public:
    /// Trains on `text` (lines are sentences). Throws InputError naming tokenizer.vocab_size (and `origin` as the
    /// file) when the vocabulary cannot fit the corpus, tokenizer.kind for an unknown model type; Error when the
    /// sentencepiece library is missing.
    static std::unique_ptr<SentencePieceTokenizer> train(std::string_view text, const SentencePieceOptions& options,
                                                         const std::string& origin = {});
    /// Loads serialized model bytes (a sentencepiece ModelProto). `kind` is "bpe" or "unigram". Throws Error when
    /// the bytes are not a model or the library is missing.
    SentencePieceTokenizer(std::string kind, std::string modelBytes);
    ~SentencePieceTokenizer() override;
    SentencePieceTokenizer(const SentencePieceTokenizer&) = delete;
    SentencePieceTokenizer& operator=(const SentencePieceTokenizer&) = delete;

    std::string kind() const override { return m_kind; }
    int64_t vocabSize() const override { return static_cast<int64_t>(m_pieces.size()); }
    std::vector<TokenId> encode(std::string_view text) const override;
    /// Ids outside the vocabulary and <unk> decode to U+FFFD; the result is always valid UTF-8.
    std::string decode(const std::vector<TokenId>& ids) const override;
    /// The piece with spaces shown as "␣" and "\\n", "\\t", "\\r" for those characters; byte pieces as "0xHH" (or the
    /// printable ASCII character), "<unk>" for the unknown id, "<invalid id N>" outside the vocabulary.
    std::string tokenText(TokenId id) const override;
    /// {"kind":"bpe","vocab_size":N,"model":"<base64 of the model bytes>"}
    std::string serialize() const override;

    PieceKind pieceKind(TokenId id) const override;
    /// sentencepiece's own spelling of a piece ("▁the" for " the", "<0xE2>" for a byte); empty outside the vocab.
    std::string piece(TokenId id) const;
    const std::string& modelBytes() const { return m_modelBytes; }

private:
    const SpmLibrary* m_library;
    std::string m_kind;
    std::string m_modelBytes;
    tb_spm_model* m_model = nullptr;
    std::vector<std::string> m_pieces;
    std::vector<PieceKind> m_kinds;
};

/// Base64 (RFC 4648, with padding) of bytes, and back. decode throws Error for text that is not base64.
std::string encodeBase64(std::string_view bytes);
std::string decodeBase64(std::string_view text);

} // namespace tb::core
