// SPDX-License-Identifier: MIT
// The only translation unit that includes sentencepiece. See tb_spm.h for why it lives in its own library.
#include "tb_spm.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

struct tb_spm_model {
    sentencepiece::SentencePieceProcessor processor;
    std::vector<int> newline; // encoding of "\n" alone
};

namespace {

char* copyOut(const std::string& s, size_t* len = nullptr)
{
    auto* out = static_cast<char*>(std::malloc(s.size() + 1));
    if (!out)
        return nullptr;
    std::memcpy(out, s.data(), s.size());
    out[s.size()] = '\0';
    if (len)
        *len = s.size();
    return out;
}

// sentencepiece's messages start with the source location and the failed check, e.g.
// "./src/trainer_interface.cc(660) [(vocab_size) == (pieces_size)] Vocabulary size too high (500). ...";
// keep the sentence, and say in words what the bare checks mean.
std::string plainMessage(const sentencepiece::util::Status& status)
{
    std::string message = status.message();
    if (message.rfind("./src/", 0) == 0) {
        const auto close = message.find("] ");
        const std::string check =
            message.find('[') != std::string::npos && close != std::string::npos
                ? message.substr(message.find('[') + 1, close - message.find('[') - 1)
                : std::string();
        message = close == std::string::npos ? std::string() : message.substr(close + 2);
        if (message.empty()) {
            if (check.find("sentences_.empty()") != std::string::npos)
                message = "there is no text to train on (every line is empty)";
            else if (check.find("ParseFromArray") != std::string::npos)
                message = "the bytes are not a sentencepiece model";
            else
                message = "sentencepiece check failed: " + check;
        }
    }
    return message;
}

int fail(char** error, const std::string& message)
{
    if (error)
        *error = copyOut(message);
    return 1;
}

// Sentences of an in-memory text, one per line; empty lines are skipped (sentencepiece ignores them anyway).
class BufferSentences final : public sentencepiece::SentenceIterator {
public:
    BufferSentences(const char* text, size_t len) : m_text(text), m_len(len) { Next(); }
    bool done() const override { return m_done; }
    void Next() override
    {
        while (m_pos < m_len) {
            const void* nl = std::memchr(m_text + m_pos, '\n', m_len - m_pos);
            const size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - m_text) : m_len;
            m_value.assign(m_text + m_pos, end - m_pos);
            m_pos = end + 1;
            if (!m_value.empty())
                return;
        }
        m_done = true;
    }
    const std::string& value() const override { return m_value; }
    sentencepiece::util::Status status() const override { return {}; }

private:
    const char* m_text;
    size_t m_len;
    size_t m_pos = 0;
    std::string m_value;
    bool m_done = false;
};

std::unordered_map<std::string, std::string> trainArgs(const tb_spm_train_options& o)
{
    std::unordered_map<std::string, std::string> args = {
        {"model_type", o.model_type ? o.model_type : ""},
        {"vocab_size", std::to_string(o.vocab_size)},
        {"character_coverage", std::to_string(o.character_coverage)},
        {"byte_fallback", o.byte_fallback ? "true" : "false"},
        // Text round-trips exactly: no normalisation, no dummy prefix, every space kept.
        {"normalization_rule_name", "identity"},
        {"add_dummy_prefix", "false"},
        {"remove_extra_whitespaces", "false"},
        {"split_digits", "false"},
        // Lines longer than this are left out of training (sentencepiece's default is 4192 bytes).
        {"max_sentence_length", "65536"},
        // <unk> only (id 0); TuneBench's corpora are one stream, not sentences, so no <s>/</s>.
        {"unk_id", "0"},
        {"bos_id", "-1"},
        {"eos_id", "-1"},
        {"pad_id", "-1"},
        {"unk_surface", "\xEF\xBF\xBD"}, // U+FFFD, as the char tokenizer decodes <unk>
        {"hard_vocab_limit", "true"},
        {"minloglevel", "2"},
    };
    if (o.user_defined_symbols && *o.user_defined_symbols) {
        std::string symbols = o.user_defined_symbols;
        for (char& c : symbols)
            if (c == '\x1f')
                c = ',';
        args["user_defined_symbols"] = symbols;
    }
    if (o.input_sentence_size > 0) {
        args["input_sentence_size"] = std::to_string(o.input_sentence_size);
        args["shuffle_input_sentence"] = "true";
    }
    if (o.num_threads > 0)
        args["num_threads"] = std::to_string(o.num_threads);
    return args;
}

int train(const tb_spm_train_options* options, const char* text, size_t len, const char* path, char** model,
          size_t* modelLen, char** error)
{
    if (!options || !model || !modelLen)
        return fail(error, "tb_spm: null argument");
    try {
        auto args = trainArgs(*options);
        sentencepiece::SetRandomGeneratorSeed(options->seed == static_cast<uint32_t>(-1) ? 0u : options->seed);
        std::string serialized;
        sentencepiece::util::Status status;
        if (path) {
            args["input"] = path;
            status = sentencepiece::SentencePieceTrainer::Train(args, nullptr, &serialized);
        } else {
            BufferSentences sentences(text, len);
            status = sentencepiece::SentencePieceTrainer::Train(args, &sentences, &serialized);
        }
        if (!status.ok())
            return fail(error, plainMessage(status));
        *model = copyOut(serialized, modelLen);
        return *model ? 0 : fail(error, "out of memory");
    } catch (const std::exception& e) {
        return fail(error, e.what());
    }
}

} // namespace

extern "C" {

int tb_spm_abi_version(void) { return TB_SPM_ABI_VERSION; }

void tb_spm_free(void* buffer) { std::free(buffer); }

int tb_spm_train_buffer(const char* text, size_t text_len, const tb_spm_train_options* options, char** model,
                        size_t* model_len, char** error)
{
    return train(options, text ? text : "", text ? text_len : 0, nullptr, model, model_len, error);
}

int tb_spm_train_file(const char* path, const tb_spm_train_options* options, char** model, size_t* model_len,
                      char** error)
{
    if (!path)
        return fail(error, "tb_spm: null path");
    return train(options, nullptr, 0, path, model, model_len, error);
}

tb_spm_model* tb_spm_load(const char* bytes, size_t len, char** error)
{
    try {
        auto m = std::make_unique<tb_spm_model>();
        const auto status = m->processor.LoadFromSerializedProto(std::string_view(bytes ? bytes : "", len));
        if (!status.ok()) {
            fail(error, plainMessage(status));
            return nullptr;
        }
        const auto newline = m->processor.Encode("\n", &m->newline);
        if (!newline.ok()) {
            fail(error, plainMessage(newline));
            return nullptr;
        }
        return m.release();
    } catch (const std::exception& e) {
        fail(error, e.what());
        return nullptr;
    }
}

void tb_spm_destroy(tb_spm_model* model) { delete model; }

int32_t tb_spm_vocab_size(const tb_spm_model* model) { return model ? model->processor.GetPieceSize() : 0; }

const char* tb_spm_id_to_piece(const tb_spm_model* model, int32_t id, size_t* len)
{
    if (!model || id < 0 || id >= model->processor.GetPieceSize())
        return nullptr;
    const std::string& piece = model->processor.IdToPiece(id);
    if (len)
        *len = piece.size();
    return piece.c_str();
}

int tb_spm_piece_type(const tb_spm_model* model, int32_t id)
{
    if (!model || id < 0 || id >= model->processor.GetPieceSize())
        return TB_SPM_PIECE_INVALID;
    const auto& p = model->processor;
    if (p.IsUnknown(id))
        return TB_SPM_PIECE_UNKNOWN;
    if (p.IsControl(id))
        return TB_SPM_PIECE_CONTROL;
    if (p.IsUnused(id))
        return TB_SPM_PIECE_UNUSED;
    if (p.IsByte(id))
        return TB_SPM_PIECE_BYTE;
    return TB_SPM_PIECE_NORMAL;
}

int tb_spm_encode(const tb_spm_model* model, const char* text, size_t text_len, int32_t** ids, size_t* count,
                  char** error)
{
    if (!model || !ids || !count)
        return fail(error, "tb_spm: null argument");
    try {
        // One line at a time, each newline encoded alone: the ids of a text are then the concatenation of its lines'
        // ids, whatever the text's length (a single Viterbi pass over a whole file sums scores in another order and
        // can break ties differently), and no piece ever spans a line break.
        std::vector<int32_t> all;
        std::vector<int> line;
        const std::string_view input(text ? text : "", text ? text_len : 0);
        size_t pos = 0;
        while (pos < input.size()) {
            size_t end = input.find('\n', pos);
            const bool hasNewline = end != std::string_view::npos;
            if (!hasNewline)
                end = input.size();
            if (end > pos) {
                const auto status = model->processor.Encode(input.substr(pos, end - pos), &line);
                if (!status.ok())
                    return fail(error, plainMessage(status));
                all.insert(all.end(), line.begin(), line.end());
            }
            if (hasNewline)
                all.insert(all.end(), model->newline.begin(), model->newline.end());
            pos = end + 1;
        }
        auto* buffer = static_cast<int32_t*>(std::malloc(std::max<size_t>(all.size(), 1) * sizeof(int32_t)));
        if (!buffer)
            return fail(error, "out of memory");
        std::memcpy(buffer, all.data(), all.size() * sizeof(int32_t));
        *ids = buffer;
        *count = all.size();
        return 0;
    } catch (const std::exception& e) {
        return fail(error, e.what());
    }
}

int tb_spm_decode(const tb_spm_model* model, const int32_t* ids, size_t count, char** text, size_t* text_len,
                  char** error)
{
    if (!model || !text || !text_len || (count > 0 && !ids))
        return fail(error, "tb_spm: null argument");
    try {
        const std::vector<int> in(ids, ids + count);
        std::string out;
        const auto status = model->processor.Decode(in, &out);
        if (!status.ok())
            return fail(error, plainMessage(status));
        *text = copyOut(out, text_len);
        return *text ? 0 : fail(error, "out of memory");
    } catch (const std::exception& e) {
        return fail(error, e.what());
    }
}

} // extern "C"
