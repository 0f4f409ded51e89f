// SPDX-License-Identifier: MIT
// tb_stream_tokenize_bench: tokenizing a 1 GB plain-text corpus with bounded memory (issue 4's scale target).
//
//   build/release/bench/tb_stream_tokenize_bench [--mb N] [--bpe-mb N] [--vocab-size N] [--dir DIR] [--keep]
//
// Builds a corpus of N MB (default 1024) by repeating tinyshakespeare in a temporary folder under DIR (default
// /tmp), then for each tokenizer (char, byte, bpe) runs core::tokenizeFileToCache in a child process of its own and
// reports MB/s (both passes: the hash, then the encoding into the cache file) and the child's peak RSS (getrusage
// ru_maxrss through wait4). The bound is the token array (tokens x the cache's bytes per id) + 256 MB; each row says
// PASS or FAIL against it, and the exit status is 1 if any row fails. SentencePiece encodes an order of magnitude
// slower than char/byte, so bpe runs on the first --bpe-mb MB (default 100; 0 = the whole corpus). Every tokenizer
// is built from tinyshakespeare, whose alphabet the repeated corpus shares. The files are removed afterwards
// unless --keep. A child with no work ("baseline") shows what loading the program alone costs.
#include "core/common/error.h"
#include "core/data/corpus.h"
#include "core/data/stream_tokenize.h"
#include "core/tokenizer/tokenizer.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const char* const kShakespeare = TB_SHARED_DATA_DIR "/corpus/tinyshakespeare.txt";
constexpr int64_t kSlackBytes = int64_t{256} << 20;

using Clock = std::chrono::steady_clock;

/// Writes `megabytes` MB (10^6 bytes, rounded up to whole copies) of repeated `text` to `file`.
int64_t writeRepeated(const fs::path& file, const std::string& text, int64_t megabytes)
{
    std::ofstream out(file, std::ios::binary);
    int64_t written = 0;
    while (written < megabytes * 1000000) {
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        written += static_cast<int64_t>(text.size());
    }
    out.close();
    if (!out)
        throw std::runtime_error("cannot write " + file.string());
    return written;
}

/// The child: build the tokenizer, tokenize `file` into `cacheDir`, print "tokens seconds elementBytes".
int runChild(const std::string& kind, const std::string& file, const std::string& cacheDir, int64_t vocabSize)
{
    if (kind == "baseline") {
        std::printf("0 0 0\n");
        return 0;
    }
    const tb::core::Corpus sample = tb::core::loadCorpus(kShakespeare);
    tb::core::TokenizerConfig config;
    config.kind = kind;
    config.vocabSize = vocabSize;
    const auto tokenizer = tb::core::makeTokenizer(config, sample.text);
    const auto start = Clock::now();
    const tb::core::TokenizedFile out = tb::core::tokenizeFileToCache(file, *tokenizer, cacheDir);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const int elementBytes = tokenizer->vocabSize() <= 65536 ? 2 : 4;
    std::printf("%lld %.3f %d\n", static_cast<long long>(out.tokens), seconds, elementBytes);
    return 0;
}

struct ChildResult {
    bool ok = false;
    long long tokens = 0;
    double seconds = 0;
    int elementBytes = 0;
    int64_t peakRss = 0; // bytes
};

ChildResult runInChild(const char* self, const std::string& kind, const fs::path& file, const fs::path& cacheDir,
                       int64_t vocabSize)
{
    ChildResult r;
    int fds[2];
    if (pipe(fds) != 0)
        return r;
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        const std::string vocab = std::to_string(vocabSize);
        execl(self, self, "--child", kind.c_str(), file.c_str(), cacheDir.c_str(), vocab.c_str(),
              static_cast<char*>(nullptr));
        _exit(127);
    }
    close(fds[1]);
    std::string output;
    char buffer[256];
    ssize_t n = 0;
    while ((n = read(fds[0], buffer, sizeof buffer)) > 0)
        output.append(buffer, static_cast<size_t>(n));
    close(fds[0]);
    int status = 0;
    rusage usage{};
    if (pid < 0 || wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return r;
    r.peakRss = static_cast<int64_t>(usage.ru_maxrss) * 1024; // Linux reports kilobytes
    r.ok = std::sscanf(output.c_str(), "%lld %lf %d", &r.tokens, &r.seconds, &r.elementBytes) == 3;
    return r;
}

double mib(int64_t bytes) { return double(bytes) / double(1 << 20); }

} // namespace

int main(int argc, char* argv[])
{
    if (argc == 6 && std::string(argv[1]) == "--child") {
        try {
            return runChild(argv[2], argv[3], argv[4], std::atoll(argv[5]));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "error: %s\n", e.what());
            return 1;
        }
    }
    int64_t megabytes = 1024;
    int64_t bpeMegabytes = 100;
    int64_t vocabSize = 1000;
    fs::path dir = fs::temp_directory_path();
    bool keep = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--mb" && i + 1 < argc)
            megabytes = std::atoll(argv[++i]);
        else if (a == "--bpe-mb" && i + 1 < argc)
            bpeMegabytes = std::atoll(argv[++i]);
        else if (a == "--vocab-size" && i + 1 < argc)
            vocabSize = std::atoll(argv[++i]);
        else if (a == "--dir" && i + 1 < argc)
            dir = argv[++i];
        else if (a == "--keep")
            keep = true;
        else {
            std::fprintf(stderr, "usage: %s [--mb N] [--bpe-mb N] [--vocab-size N] [--dir DIR] [--keep]\n", argv[0]);
            return 2;
        }
    }
    if (megabytes <= 0 || bpeMegabytes < 0) {
        std::fprintf(stderr, "error: --mb must be positive and --bpe-mb not negative\n");
        return 2;
    }
    const fs::path work = dir / ("tb_stream_bench_" + std::to_string(getpid()));
    int failures = 0;
    try {
        fs::create_directories(work / "cache");
        const tb::core::Corpus shakespeare = tb::core::loadCorpus(kShakespeare);
        const fs::path big = work / "corpus.txt";
        const int64_t bigBytes = writeRepeated(big, shakespeare.text, megabytes);
        fs::path slice = big;
        int64_t sliceBytes = bigBytes;
        if (bpeMegabytes > 0 && bpeMegabytes < megabytes) {
            slice = work / "slice.txt";
            sliceBytes = writeRepeated(slice, shakespeare.text, bpeMegabytes);
        }
        std::printf("corpus: %.1f MB (tinyshakespeare x %lld) in %s\n", double(bigBytes) / 1e6,
                    static_cast<long long>(bigBytes / static_cast<int64_t>(shakespeare.text.size())),
                    work.c_str());
        std::printf("\n| tokenizer | corpus MB | tokens | s | MB/s | peak RSS MiB | bound MiB | result |\n");
        std::printf("|---|---:|---:|---:|---:|---:|---:|---|\n");
        struct Job {
            std::string kind;
            fs::path file;
            int64_t bytes;
        };
        const std::vector<Job> jobs = {{"baseline", big, 0}, {"char", big, bigBytes}, {"byte", big, bigBytes},
                                       {"bpe", slice, sliceBytes}};
        for (const Job& job : jobs) {
            const ChildResult r = runInChild("/proc/self/exe", job.kind, job.file, work / "cache", vocabSize);
            for (const auto& entry : fs::directory_iterator(work / "cache"))
                fs::remove(entry.path()); // 2 GB per tokenizer at 1 GB of text
            if (!r.ok) {
                std::printf("| %s | | | | | | | FAILED TO RUN |\n", job.kind.c_str());
                ++failures;
                continue;
            }
            if (job.kind == "baseline") {
                std::printf("| (baseline: program loaded, no work) | | | | | %.0f | | |\n", mib(r.peakRss));
                continue;
            }
            const int64_t bound = r.tokens * r.elementBytes + kSlackBytes;
            const bool pass = r.peakRss <= bound;
            failures += pass ? 0 : 1;
            std::printf("| %s | %.0f | %lld | %.1f | %.1f | %.0f | %.0f | %s |\n",
                        job.kind == "bpe" ? ("bpe " + std::to_string(vocabSize)).c_str() : job.kind.c_str(),
                        double(job.bytes) / 1e6, r.tokens, r.seconds, double(job.bytes) / 1e6 / r.seconds,
                        mib(r.peakRss), mib(bound), pass ? "PASS" : "FAIL");
            std::fflush(stdout);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        failures = -1;
    }
    if (!keep) {
        std::error_code ec;
        fs::remove_all(work, ec);
    }
    if (failures < 0)
        return 2;
    std::printf("\nbound: peak RSS <= token array (tokens x bytes per cached id) + 256 MiB\n");
    return failures == 0 ? 0 : 1;
}
