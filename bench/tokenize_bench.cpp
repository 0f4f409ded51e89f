// SPDX-License-Identifier: MIT
// tb_tokenize_bench: encoding speed of every tokenizer kind on one corpus (default: tinyshakespeare).
//
//   build/release/bench/tb_tokenize_bench [--corpus FILE] [--vocab-size N] [--min-seconds S]
//
// Trains bpe and unigram on the corpus (the training time is reported, not part of the speed), then encodes the
// whole corpus with char, byte, bpe and unigram, repeating each until --min-seconds have passed, and prints MB/s,
// tokens, bytes per token and each speed relative to the byte tokenizer measured in the same run (only ratios
// mean something on a shared machine). Every encoding is checked to decode back to the corpus.
#include "core/common/error.h"
#include "core/data/corpus.h"
#include "core/tokenizer/sentencepiece_tokenizer.h"
#include "core/tokenizer/tokenizer.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct Row {
    std::string name;
    double trainSeconds = 0;
    double mbPerSecond = 0;
    size_t tokens = 0;
    bool roundTrip = false;
};

} // namespace

int main(int argc, char* argv[])
{
    std::string corpusPath = TB_SHARED_DATA_DIR "/corpus/tinyshakespeare.txt";
    int64_t vocabSize = 1000;
    double minSeconds = 2.0;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--corpus" && i + 1 < argc)
            corpusPath = argv[++i];
        else if (a == "--vocab-size" && i + 1 < argc)
            vocabSize = std::atoll(argv[++i]);
        else if (a == "--min-seconds" && i + 1 < argc)
            minSeconds = std::atof(argv[++i]);
        else {
            std::fprintf(stderr, "usage: %s [--corpus FILE] [--vocab-size N] [--min-seconds S]\n", argv[0]);
            return 2;
        }
    }
    try {
        const tb::core::Corpus corpus = tb::core::loadCorpus(corpusPath);
        const double mb = double(corpus.text.size()) / 1e6;
        std::printf("corpus %s: %.2f MB\n", corpus.path.c_str(), mb);

        std::vector<Row> rows;
        for (const std::string kind : {"byte", "char", "bpe", "unigram"}) {
            Row row;
            row.name = kind == "bpe" || kind == "unigram" ? kind + " " + std::to_string(vocabSize) : kind;
            tb::core::TokenizerConfig config;
            config.kind = kind;
            config.vocabSize = vocabSize;
            auto start = Clock::now();
            const auto tokenizer = tb::core::makeTokenizer(config, corpus.text);
            row.trainSeconds = secondsSince(start);

            std::vector<tb::core::TokenId> ids;
            int passes = 0;
            start = Clock::now();
            do {
                ids = tokenizer->encode(corpus.text);
                ++passes;
            } while (secondsSince(start) < minSeconds);
            row.mbPerSecond = mb * passes / secondsSince(start);
            row.tokens = ids.size();
            row.roundTrip = tokenizer->decode(ids) == corpus.text;
            rows.push_back(row);
        }

        const double reference = rows.front().mbPerSecond; // byte, measured in this run
        std::printf("\n| tokenizer | train s | encode MB/s | vs byte | tokens | bytes/token | round trip |\n");
        std::printf("|---|---:|---:|---:|---:|---:|---|\n");
        bool allExact = true;
        for (const Row& r : rows) {
            std::printf("| %s | %.2f | %.2f | %.4f | %zu | %.2f | %s |\n", r.name.c_str(), r.trainSeconds,
                        r.mbPerSecond, r.mbPerSecond / reference, r.tokens, double(corpus.text.size()) / double(r.tokens),
                        r.roundTrip ? "exact" : "DIFFERS");
            allExact = allExact && r.roundTrip;
        }
        return allExact ? 0 : 1;
    } catch (const tb::core::InputError& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
