// SPDX-License-Identifier: MIT
#include "core/tokenizer/sentencepiece_tokenizer.h"

#include "core/common/error.h"
#include "core/common/rng.h"
#include "core/common/utf8.h"
#include "core/tokenizer/byte_tokenizer.h"
#include "core/tokenizer/spm_library.h"
#include "core/tokenizer/token_text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <exception>
#include <cstring>
#include <thread>
#include <unordered_set>

namespace tb::core {
namespace {

// Pieces every model trained here has besides the learned ones: <unk> and the newline.
constexpr int64_t kFixedPieces = 2;
constexpr int64_t kBytePieces = 256;
// Texts are handed to the library in chunks of about this size, cut after a newline: they bound the memory the
// library needs at once and are the unit of parallel encoding.
constexpr size_t kEncodeChunk = size_t{1} << 18;

constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool isModelType(const std::string& type) { return type == "bpe" || type == "unigram"; }

/// Every distinct code point of the text other than the newline (which is always a piece of its own), as UTF-8.
std::string distinctCharacters(std::string_view text)
{
    std::vector<bool> seenBmp(0x10000, false);
    std::unordered_set<char32_t> seenAstral;
    std::string out;
    for (size_t pos = 0; pos < text.size();) {
        const auto c = static_cast<unsigned char>(text[pos]);
        char32_t cp = c;
        size_t length = 1;
        if (c >= 0x80) {
            const Utf8Step step = decodeUtf8(text, pos);
            cp = step.codePoint;
            length = step.length;
        }
        pos += length;
        if (cp == '\n')
            continue;
        const bool fresh = cp < 0x10000 ? !seenBmp[cp] : seenAstral.insert(cp).second;
        if (!fresh)
            continue;
        if (cp < 0x10000)
            seenBmp[cp] = true;
        appendUtf8(out, cp);
    }
    return out;
}

/// Up to `count` non-empty lines of the text chosen at random with `seed` (all of them when there are fewer or count
/// is 0), in their original order. With `everyCharacter`, the first line holding a character the chosen ones lack
/// is added too, so a rare character cannot fall out of the vocabulary only because the sample missed it.
std::string sampleLines(std::string_view text, int64_t count, uint64_t seed, bool everyCharacter)
{
    std::vector<std::string_view> lines;
    for (size_t pos = 0; pos < text.size();) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos)
            end = text.size();
        if (end > pos)
            lines.push_back(text.substr(pos, end - pos));
        pos = end + 1;
    }
    if (count <= 0 || static_cast<size_t>(count) >= lines.size())
        return std::string(text);

    std::vector<uint32_t> order(lines.size());
    for (size_t i = 0; i < order.size(); ++i)
        order[i] = static_cast<uint32_t>(i);
    SplitMix64 rng(seed);
    std::vector<bool> chosen(lines.size(), false);
    for (size_t i = 0; i < static_cast<size_t>(count); ++i) { // partial Fisher-Yates
        std::swap(order[i], order[i + rng.below(order.size() - i)]);
        chosen[order[i]] = true;
    }
    if (everyCharacter) {
        std::unordered_set<char32_t> seen;
        const auto charactersOf = [](std::string_view line, const auto& onCharacter) {
            for (size_t pos = 0; pos < line.size();) {
                const Utf8Step step = decodeUtf8(line, pos);
                pos += step.length;
                onCharacter(step.codePoint);
            }
        };
        for (size_t i = 0; i < lines.size(); ++i)
            if (chosen[i])
                charactersOf(lines[i], [&](char32_t cp) { seen.insert(cp); });
        for (size_t i = 0; i < lines.size(); ++i) {
            if (chosen[i])
                continue;
            bool fresh = false;
            charactersOf(lines[i], [&](char32_t cp) { fresh = seen.insert(cp).second || fresh; });
            chosen[i] = fresh;
        }
    }
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i) {
        if (!chosen[i])
            continue;
        out.append(lines[i]);
        out.push_back('\n');
    }
    return out;
}

PieceKind toPieceKind(int type)
{
    switch (type) {
    case TB_SPM_PIECE_UNKNOWN: return PieceKind::Unknown;
    case TB_SPM_PIECE_BYTE: return PieceKind::Byte;
    case TB_SPM_PIECE_CONTROL:
    case TB_SPM_PIECE_UNUSED: return PieceKind::Control;
    default: return PieceKind::Normal;
    }
}

/// "<0xE2>" -> 0xE2; -1 when the piece is not spelled like a byte piece.
int bytePieceValue(const std::string& piece)
{
    if (piece.size() != 6 || piece.compare(0, 3, "<0x") != 0 || piece.back() != '>')
        return -1;
    int value = 0;
    for (size_t i = 3; i < 5; ++i) {
        const char c = piece[i];
        const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (digit < 0)
            return -1;
        value = value * 16 + digit;
    }
    return value;
}

std::string displayPiece(const std::string& piece)
{
    constexpr char32_t kMetaSpace = 0x2581; // ▁, sentencepiece's spelling of a space
    std::string out;
    for (size_t pos = 0; pos < piece.size();) {
        const Utf8Step step = decodeUtf8(piece, pos);
        pos += step.length;
        const char32_t cp = step.codePoint == kMetaSpace ? U' ' : step.codePoint;
        if (const auto shown = visibleWhitespace(cp))
            out += *shown;
        else if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
            out += codePointName(cp);
        else
            appendUtf8(out, cp);
    }
    return out;
}

} // namespace

std::string encodeBase64(std::string_view bytes)
{
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 | uint8_t(bytes[i + 2]);
        for (int shift = 18; shift >= 0; shift -= 6)
            out.push_back(kBase64Alphabet[(v >> shift) & 63]);
    }
    if (i < bytes.size()) {
        uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
        if (i + 1 < bytes.size())
            v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
        out.push_back(kBase64Alphabet[(v >> 18) & 63]);
        out.push_back(kBase64Alphabet[(v >> 12) & 63]);
        out.push_back(i + 1 < bytes.size() ? kBase64Alphabet[(v >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

std::string decodeBase64(std::string_view text)
{
    std::array<int, 256> value{};
    value.fill(-1);
    for (int k = 0; k < 64; ++k)
        value[static_cast<unsigned char>(kBase64Alphabet[k])] = k;
    if (text.size() % 4 != 0)
        throw Error("invalid base64: its length " + std::to_string(text.size()) + " is not a multiple of 4");
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        uint32_t v = 0;
        int padding = 0;
        for (size_t k = 0; k < 4; ++k) {
            const char c = text[i + k];
            if (c == '=' && last && k >= 2 && (k == 3 || text[i + 3] == '=')) {
                ++padding;
                v <<= 6;
                continue;
            }
            const int d = value[static_cast<unsigned char>(c)];
            if (d < 0 || padding > 0)
                throw Error("invalid base64: unexpected character at offset " + std::to_string(i + k));
            v = v << 6 | uint32_t(d);
        }
        out.push_back(static_cast<char>(v >> 16));
        if (padding < 2)
            out.push_back(static_cast<char>(v >> 8 & 0xFF));
        if (padding < 1)
            out.push_back(static_cast<char>(v & 0xFF));
    }
    return out;
}

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::train(std::string_view text,
                                                                      const SentencePieceOptions& options,
                                                                      const std::string& origin)
{
    if (!isModelType(options.modelType))
        throw InputError(origin, "tokenizer.kind",
                         "'" + options.modelType + "' is not a sentencepiece model type (expected bpe or unigram)");
    if (!(options.characterCoverage > 0.0 && options.characterCoverage <= 1.0))
        throw InputError(origin, "tokenizer.character_coverage",
                         "must be in (0, 1], got " + std::to_string(options.characterCoverage));
    const int64_t fixed = kFixedPieces + (options.byteFallback ? kBytePieces : 0);
    const std::string fixedText =
        options.byteFallback ? "<unk>, the newline and 256 byte pieces" : "<unk> and the newline";
    if (options.vocabSize <= fixed || options.vocabSize > (int64_t{1} << 24))
        throw InputError(origin, "tokenizer.vocab_size",
                         "must be between " + std::to_string(fixed + 1) + " and 16777216 for " + options.modelType +
                             (options.byteFallback ? " with byte fallback" : "") + " (" + fixedText +
                             " take " + std::to_string(fixed) + "), got " + std::to_string(options.vocabSize));
    if (options.characterCoverage >= 1.0) {
        const std::string characters = distinctCharacters(text);
        const auto chars = static_cast<int64_t>(std::count_if(characters.begin(), characters.end(), [](char b) {
            return (static_cast<unsigned char>(b) & 0xC0) != 0x80; // one lead byte per character
        }));
        if (chars == 0)
            throw InputError(origin, "tokenizer.kind", "the corpus has no text to train a tokenizer on");
        if (options.vocabSize < chars + fixed)
            throw InputError(origin, "tokenizer.vocab_size",
                             std::to_string(options.vocabSize) + " is too small: the corpus has " +
                                 std::to_string(chars) + " distinct characters, which with " + fixedText +
                                 " need at least " + std::to_string(chars + fixed) +
                                 (options.byteFallback ? " (or turn tokenizer.byte_fallback off, or lower "
                                                         "tokenizer.character_coverage)"
                                                       : " (or lower tokenizer.character_coverage)"));
    }

    const SpmLibrary& lib = SpmLibrary::shared();
    tb_spm_train_options o{};
    o.model_type = options.modelType.c_str();
    o.vocab_size = static_cast<int32_t>(options.vocabSize);
    o.character_coverage = options.characterCoverage;
    o.byte_fallback = options.byteFallback ? 1 : 0;
    o.user_defined_symbols = "\n";
    o.input_sentence_size = 0; // sampled here already
    o.seed = static_cast<uint32_t>(options.seed % 0xFFFFFFFFull); // 0xFFFFFFFF means "random" to sentencepiece
    o.num_threads = static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));
    char* model = nullptr;
    size_t modelLen = 0;
    char* error = nullptr;
    const std::string sample = sampleLines(text, options.trainingLines, options.seed, options.characterCoverage >= 1.0);
    if (lib.trainBuffer(sample.data(), sample.size(), &o, &model, &modelLen, &error) != 0)
        throw InputError(origin, "tokenizer.vocab_size",
                         "sentencepiece could not train a " + options.modelType + " tokenizer: " +
                             lib.takeError(error, "unknown error"));
    std::string bytes(model, modelLen);
    lib.free(model);
    return std::make_unique<SentencePieceTokenizer>(options.modelType, std::move(bytes));
}

SentencePieceTokenizer::SentencePieceTokenizer(std::string kind, std::string modelBytes)
    : m_library(&SpmLibrary::shared()), m_kind(std::move(kind)), m_modelBytes(std::move(modelBytes))
{
    if (!isModelType(m_kind))
        throw Error("invalid tokenizer: kind \"" + m_kind + "\" is not a sentencepiece model type (bpe or unigram)");
    if (m_modelBytes.empty())
        throw Error("invalid tokenizer: the sentencepiece model is empty");
    char* error = nullptr;
    m_model = m_library->load(m_modelBytes.data(), m_modelBytes.size(), &error);
    if (!m_model)
        throw Error("invalid tokenizer: the sentencepiece model does not load: " +
                    m_library->takeError(error, "unknown error"));
    const int32_t n = m_library->vocabSize(m_model);
    m_pieces.reserve(static_cast<size_t>(n));
    m_kinds.reserve(static_cast<size_t>(n));
    for (int32_t id = 0; id < n; ++id) {
        size_t len = 0;
        const char* p = m_library->idToPiece(m_model, id, &len);
        m_pieces.emplace_back(p ? std::string(p, len) : std::string());
        m_kinds.push_back(toPieceKind(m_library->pieceType(m_model, id)));
    }
}

SentencePieceTokenizer::~SentencePieceTokenizer()
{
    if (m_model)
        m_library->destroy(m_model);
}

std::vector<TokenId> SentencePieceTokenizer::encode(std::string_view text) const
{
    // Chunks of about kEncodeChunk bytes, each ending after a newline. Encoding is per line, so the ids do not
    // depend on the cut, and the chunks can be encoded on several threads at once (the model is immutable).
    std::vector<std::string_view> chunks;
    for (size_t pos = 0; pos < text.size();) {
        size_t end = text.size();
        if (end - pos > kEncodeChunk) {
            const size_t nl = text.find('\n', pos + kEncodeChunk);
            if (nl != std::string_view::npos)
                end = nl + 1;
        }
        chunks.push_back(text.substr(pos, end - pos));
        pos = end;
    }
    const auto encodeChunk = [this](std::string_view chunk) {
        int32_t* out = nullptr;
        size_t count = 0;
        char* error = nullptr;
        if (m_library->encode(m_model, chunk.data(), chunk.size(), &out, &count, &error) != 0)
            throw Error("sentencepiece could not encode the text: " + m_library->takeError(error, "unknown error"));
        std::vector<TokenId> ids(out, out + count);
        m_library->free(out);
        return ids;
    };
    if (chunks.size() <= 1)
        return chunks.empty() ? std::vector<TokenId>{} : encodeChunk(chunks.front());

    std::vector<std::vector<TokenId>> parts(chunks.size());
    std::vector<std::exception_ptr> errors(chunks.size());
    std::atomic<size_t> next{0};
    const auto work = [&] {
        for (size_t i = next++; i < chunks.size(); i = next++) {
            try {
                parts[i] = encodeChunk(chunks[i]);
            } catch (...) {
                errors[i] = std::current_exception();
            }
        }
    };
    const size_t threads = std::min<size_t>(chunks.size(), std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t)
        pool.emplace_back(work);
    work();
    for (auto& t : pool)
        t.join();
    size_t total = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (errors[i])
            std::rethrow_exception(errors[i]);
        total += parts[i].size();
    }
    std::vector<TokenId> ids;
    ids.reserve(total);
    for (const auto& part : parts)
        ids.insert(ids.end(), part.begin(), part.end());
    return ids;
}

std::string SentencePieceTokenizer::decode(const std::vector<TokenId>& ids) const
{
    std::string out;
    const auto n = static_cast<TokenId>(m_pieces.size());
    size_t start = 0;
    // Runs of valid ids go to the library; an id outside the vocabulary becomes U+FFFD.
    for (size_t i = 0; i <= ids.size(); ++i) {
        const bool valid = i < ids.size() && ids[i] >= 0 && ids[i] < n;
        if (valid)
            continue;
        if (i > start) {
            char* text = nullptr;
            size_t len = 0;
            char* error = nullptr;
            if (m_library->decode(m_model, ids.data() + start, i - start, &text, &len, &error) != 0)
                throw Error("sentencepiece could not decode: " + m_library->takeError(error, "unknown error"));
            out.append(text, len);
            m_library->free(text);
        }
        if (i < ids.size())
            appendUtf8(out, kReplacementChar);
        start = i + 1;
    }
    return sanitiseUtf8(out);
}

std::string SentencePieceTokenizer::tokenText(TokenId id) const
{
    if (id < 0 || id >= static_cast<TokenId>(m_pieces.size()))
        return "<invalid id " + std::to_string(id) + ">";
    const auto i = static_cast<size_t>(id);
    switch (m_kinds[i]) {
    case PieceKind::Unknown: return "<unk>";
    case PieceKind::Control: return m_pieces[i];
    case PieceKind::Byte: {
        const int byte = bytePieceValue(m_pieces[i]);
        return byte >= 0 ? ByteTokenizer().tokenText(byte) : m_pieces[i];
    }
    case PieceKind::Normal: break;
    }
    return displayPiece(m_pieces[i]);
}

std::string SentencePieceTokenizer::serialize() const
{
    nlohmann::ordered_json j;
    j["kind"] = m_kind;
    j["vocab_size"] = vocabSize();
    j["model"] = encodeBase64(m_modelBytes);
    return j.dump();
}

PieceKind SentencePieceTokenizer::pieceKind(TokenId id) const
{
    if (id < 0 || id >= static_cast<TokenId>(m_kinds.size()))
        return PieceKind::Unknown;
    return m_kinds[static_cast<size_t>(id)];
}

std::string SentencePieceTokenizer::piece(TokenId id) const
{
    if (id < 0 || id >= static_cast<TokenId>(m_pieces.size()))
        return {};
    return m_pieces[static_cast<size_t>(id)];
}

} // namespace tb::core
