// SPDX-License-Identifier: MIT
// tokenizer: train a tokenizer on a corpus, and encode or decode text with a saved one (a tokenizer.json, as runs
// store it, or a run directory).
#include "cli_args.h"
#include "commands.h"

#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/data/corpus.h"
#include "core/tokenizer/spm_library.h"
#include "core/tokenizer/tokenizer.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdio>
#include <filesystem>

namespace tb::cli {
namespace fs = std::filesystem;

const char* const kTokenizerHelp = R"(usage: tunebench-cli tokenizer train --corpus FILE --kind KIND --out FILE [options]
       tunebench-cli tokenizer encode --tokenizer FILE (--text TEXT | --file FILE) [--json]
       tunebench-cli tokenizer decode --tokenizer FILE --ids "ID ID ..."

train    learns a tokenizer from a corpus (plain text or JSONL of {"text"}) and writes it as JSON, the same
         tokenizer.json a run stores
  --corpus FILE              text to learn from
  --kind KIND                char, byte, bpe or unigram (bpe and unigram are SentencePiece models)
  --vocab-size N             bpe/unigram: pieces in the vocabulary (default 1000)
  --character-coverage X     bpe/unigram: share of the characters that get a piece of their own (default 1)
  --byte-fallback            bpe/unigram: unseen characters become UTF-8 byte pieces (the default)
  --no-byte-fallback         bpe/unigram: unseen characters become <unk>
  --unknown unk|error        char: what unseen characters become (default unk)
  --out FILE                 where to write the tokenizer (JSON)

encode   prints the ids of a text, one line separated by spaces, or with --json an object with the ids and the
         pieces as the workbench shows them
  --tokenizer FILE           a tokenizer.json or a run directory
  --text TEXT | --file FILE  the text, given inline or read from a UTF-8 file
  --json                     print {"kind", "vocab_size", "count", "ids", "pieces"}

decode   prints the text of a list of ids
  --tokenizer FILE           a tokenizer.json or a run directory
  --ids "ID ID ..."          ids separated by spaces or commas

Exit codes: 0 done, 1 the tokenizer could not run (e.g. the sentencepiece library is missing), 2 bad input.
)";

namespace {

std::unique_ptr<core::Tokenizer> loadTokenizerFile(const std::string& given)
{
    fs::path file = given;
    std::error_code ec;
    if (fs::is_directory(file, ec))
        file /= "tokenizer.json";
    const std::string text = core::readFile(file);
    try {
        return core::loadTokenizer(text);
    } catch (const core::InputError&) {
        throw;
    } catch (const core::SpmLibraryError&) {
        throw; // the installation's fault, not the file's: exit 1
    } catch (const core::Error& e) {
        throw core::InputError(file.string(), "", e.what());
    }
}

int trainTokenizer(const std::vector<std::string>& args)
{
    const Args a(args, {"corpus", "kind", "vocab-size", "character-coverage", "unknown", "out"},
                 {"byte-fallback", "no-byte-fallback"});
    if (!a.positional().empty())
        throw UsageError{"tokenizer train takes no positional arguments (got '" + a.positional().front() + "')"};
    const auto corpusPath = a.value("corpus");
    const auto kind = a.value("kind");
    const auto out = a.value("out");
    if (!corpusPath)
        throw UsageError{"--corpus FILE is required"};
    if (!kind)
        throw UsageError{"--kind is required (char, byte, bpe or unigram)"};
    if (!out)
        throw UsageError{"--out FILE is required"};
    if (a.has("byte-fallback") && a.has("no-byte-fallback"))
        throw UsageError{"--byte-fallback and --no-byte-fallback contradict each other"};
    if (*kind != "char" && *kind != "byte" && *kind != "bpe" && *kind != "unigram")
        throw UsageError{"--kind must be char, byte, bpe or unigram, got '" + *kind + "'"};

    core::TokenizerConfig config;
    config.kind = *kind;
    config.unknown = a.value("unknown").value_or(config.unknown);
    config.vocabSize = a.intValue("vocab-size").value_or(0);
    config.characterCoverage = a.doubleValue("character-coverage").value_or(config.characterCoverage);
    config.byteFallback = !a.has("no-byte-fallback");
    if (a.has("vocab-size") && config.vocabSize <= 0)
        throw UsageError{"--vocab-size must be a positive whole number"};
    if (!(config.characterCoverage > 0.0 && config.characterCoverage <= 1.0))
        throw UsageError{"--character-coverage must be in (0, 1]"};

    const core::Corpus corpus = core::loadCorpus(*corpusPath);
    std::unique_ptr<core::Tokenizer> tokenizer;
    try {
        tokenizer = core::makeTokenizer(config, corpus.text);
    } catch (const core::InputError& e) {
        // Name the corpus, and the option rather than the config key.
        std::string option = e.field();
        if (option.rfind("tokenizer.", 0) == 0)
            option = "--" + option.substr(10);
        for (char& c : option)
            if (c == '_')
                c = '-';
        throw core::InputError(e.file().empty() ? corpus.path : e.file(), option, e.message());
    }
    core::writeFileAtomically(*out, tokenizer->serialize());
    std::printf("%s tokenizer with %lld pieces, learned from %s (%zu bytes), written to %s\n", tokenizer->kind().c_str(),
                static_cast<long long>(tokenizer->vocabSize()), corpus.path.c_str(), corpus.text.size(), out->c_str());
    return kExitOk;
}

int encodeText(const std::vector<std::string>& args)
{
    const Args a(args, {"tokenizer", "text", "file"}, {"json"});
    if (!a.positional().empty())
        throw UsageError{"tokenizer encode takes no positional arguments (got '" + a.positional().front() + "')"};
    const auto tokenizerPath = a.value("tokenizer");
    if (!tokenizerPath)
        throw UsageError{"--tokenizer FILE is required"};
    if (a.has("text") == a.has("file"))
        throw UsageError{"give the text with exactly one of --text TEXT or --file FILE"};
    std::string text;
    if (const auto inline_ = a.value("text"))
        text = core::normaliseUtf8Text(*inline_, "--text");
    else
        text = core::loadCorpus(*a.value("file")).text;
    const auto tokenizer = loadTokenizerFile(*tokenizerPath);
    const std::vector<core::TokenId> ids = tokenizer->encode(text);
    if (a.has("json")) {
        nlohmann::ordered_json j;
        j["kind"] = tokenizer->kind();
        j["vocab_size"] = tokenizer->vocabSize();
        j["count"] = ids.size();
        j["ids"] = ids;
        auto pieces = nlohmann::ordered_json::array();
        for (const core::TokenId id : ids)
            pieces.push_back(tokenizer->tokenText(id));
        j["pieces"] = std::move(pieces);
        std::puts(j.dump().c_str());
        return kExitOk;
    }
    std::string line;
    for (const core::TokenId id : ids) {
        if (!line.empty())
            line += ' ';
        line += std::to_string(id);
    }
    std::puts(line.c_str());
    return kExitOk;
}

int decodeIds(const std::vector<std::string>& args)
{
    const Args a(args, {"tokenizer", "ids"}, {});
    if (!a.positional().empty())
        throw UsageError{"tokenizer decode takes no positional arguments (got '" + a.positional().front() + "')"};
    const auto tokenizerPath = a.value("tokenizer");
    const auto idsText = a.value("ids");
    if (!tokenizerPath)
        throw UsageError{"--tokenizer FILE is required"};
    if (!idsText)
        throw UsageError{"--ids \"ID ID ...\" is required"};
    const auto tokenizer = loadTokenizerFile(*tokenizerPath);
    std::vector<core::TokenId> ids;
    size_t pos = 0;
    const std::string& s = *idsText;
    while (pos < s.size()) {
        if (s[pos] == ' ' || s[pos] == ',' || s[pos] == '\t' || s[pos] == '\n') {
            ++pos;
            continue;
        }
        const size_t end = s.find_first_of(" ,\t\n", pos);
        const std::string item = s.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        long long id = 0;
        const auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
        const std::string where = "item " + std::to_string(ids.size() + 1);
        if (ec != std::errc() || p != item.data() + item.size())
            throw core::InputError("--ids", where, "'" + item + "' is not a whole number");
        if (id < 0 || id >= tokenizer->vocabSize())
            throw core::InputError("--ids", where,
                                   "id " + item + " is outside the vocabulary (0.." +
                                       std::to_string(tokenizer->vocabSize() - 1) + ")");
        ids.push_back(static_cast<core::TokenId>(id));
        pos = end == std::string::npos ? s.size() : end;
    }
    const std::string text = tokenizer->decode(ids);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputs("\n", stdout);
    return kExitOk;
}

} // namespace

int runTokenizer(const std::vector<std::string>& args)
{
    if (args.empty())
        throw UsageError{"name an action: train, encode or decode"};
    const std::string& action = args.front();
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (action == "train")
        return trainTokenizer(rest);
    if (action == "encode")
        return encodeText(rest);
    if (action == "decode")
        return decodeIds(rest);
    throw UsageError{"unknown action '" + action + "' (expected train, encode or decode)"};
}

} // namespace tb::cli
