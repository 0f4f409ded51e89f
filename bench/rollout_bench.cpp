// SPDX-License-Identifier: MIT
// tb_rollout_bench: rollout generation throughput for RL fine-tuning (core/rl/rollout.h). Batched decoding of the
// rollout prompts with the left-padded KV cache against one prompt at a time (the same function with one row, and
// generate()), same model, prompts and lengths.
//
//   build/release/bench/tb_rollout_bench [--prompts N] [--max-new-tokens R] [--threads T] [--repeats K]
//                                        [--device cpu|cuda]
//
// The model has the demo model's shape (resources/demo/demo.yaml: 4 layers, 4 heads, 128 wide, context 64, the demo
// corpus's 70 characters + <unk>) with random weights: speed does not depend on what the weights say. Prompts have
// 4..27 tokens; no end token, so every row generates exactly R tokens in every mode (sampled, temperature 1, the
// per-row seeds, so all modes produce the same tokens, which the bench checks). Prints the CPU, its flags, the
// median of K repeats and the speed-up.
#include "core/eval/generate.h"
#include "core/model/gpt.h"
#include "core/rl/rollout.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using tb::core::TokenId;

double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

void printCpu()
{
    std::ifstream in("/proc/cpuinfo");
    std::string line, model, flags;
    while (std::getline(in, line) && (model.empty() || flags.empty())) {
        if (model.empty() && line.rfind("model name", 0) == 0)
            model = line.substr(line.find(':') + 2);
        if (flags.empty() && line.rfind("flags", 0) == 0)
            flags = " " + line.substr(line.find(':') + 1) + " ";
    }
    std::printf("cpu: %s\nflags:", model.empty() ? "unknown" : model.c_str());
    for (const char* f : {"avx2", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16"})
        std::printf(" %s=%s", f, flags.find(" " + std::string(f) + " ") != std::string::npos ? "yes" : "no");
    std::printf("\n");
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char* argv[])
{
    int64_t prompts = 16;
    int64_t maxNewTokens = 32;
    int threads = 2;
    int repeats = 5;
    std::string deviceName = "cpu";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--prompts" && i + 1 < argc)
            prompts = std::atoll(argv[++i]);
        else if (a == "--max-new-tokens" && i + 1 < argc)
            maxNewTokens = std::atoll(argv[++i]);
        else if (a == "--threads" && i + 1 < argc)
            threads = std::atoi(argv[++i]);
        else if (a == "--repeats" && i + 1 < argc)
            repeats = std::max(1, std::atoi(argv[++i]));
        else if (a == "--device" && i + 1 < argc)
            deviceName = argv[++i];
        else {
            std::fprintf(stderr,
                         "usage: %s [--prompts N] [--max-new-tokens R] [--threads T] [--repeats K] [--device D]\n",
                         argv[0]);
            return 2;
        }
    }
    try {
        torch::set_num_threads(threads);
        const torch::Device device(deviceName);
        printCpu();
        tb::core::GptConfig config;
        config.vocabSize = 71;
        config.blockSize = 64;
        config.nLayer = 4;
        config.nHead = 4;
        config.nEmbd = 128;
        config.dropout = 0.0;
        config.bias = true;
        torch::manual_seed(1337);
        tb::core::Gpt model(config);
        model->to(device);
        std::printf("model: demo shape (4 layers, 4 heads, 128 wide, context 64, vocab 71), %s, %d threads\n",
                    deviceName.c_str(), torch::get_num_threads());

        std::vector<std::vector<TokenId>> promptIds;
        for (int64_t i = 0; i < prompts; ++i) {
            std::vector<TokenId> p;
            const int64_t length = 4 + (i * 7) % 24; // 4..27 tokens
            for (int64_t j = 0; j < length; ++j)
                p.push_back(TokenId((i * 31 + j * 17) % 70));
            promptIds.push_back(std::move(p));
        }
        tb::core::rl::RolloutOptions options;
        options.maxNewTokens = maxNewTokens;
        options.temperature = 1.0;
        options.seed = 7;

        std::vector<std::vector<TokenId>> batchedTokens, singleTokens, generateTokens;
        const auto batched = [&] {
            const auto r = tb::core::rl::generateRollout(model, promptIds, options);
            batchedTokens.clear();
            for (int64_t i = 0; i < r.rows(); ++i)
                batchedTokens.push_back(r.response(i));
        };
        const auto oneAtATime = [&] {
            singleTokens.clear();
            for (size_t i = 0; i < promptIds.size(); ++i) {
                auto o = options;
                o.seed = options.seed + i;
                singleTokens.push_back(tb::core::rl::generateRollout(model, {promptIds[i]}, o).response(0));
            }
        };
        const auto withGenerate = [&] {
            generateTokens.clear();
            for (size_t i = 0; i < promptIds.size(); ++i) {
                tb::core::SampleOptions s;
                s.maxNewTokens = options.maxNewTokens;
                s.temperature = 1.0;
                s.seed = options.seed + i;
                generateTokens.push_back(tb::core::generate(model, promptIds[i], s));
            }
        };
        // Interleaved: each repeat runs the three modes back to back, so a change in the machine's load hits all
        // of them alike (the dev VM is shared; only ratios from one run mean something).
        batched();
        oneAtATime();
        withGenerate(); // warm-up
        std::vector<double> sBatched, sSingle, sGenerate;
        const auto timeIt = [](const auto& f) {
            const auto start = Clock::now();
            f();
            return secondsSince(start);
        };
        for (int k = 0; k < repeats; ++k) {
            sBatched.push_back(timeIt(batched));
            sSingle.push_back(timeIt(oneAtATime));
            sGenerate.push_back(timeIt(withGenerate));
        }
        const double tBatched = median(sBatched);
        const double tSingle = median(sSingle);
        const double tGenerate = median(sGenerate);
        const double tokens = double(prompts * maxNewTokens);
        std::printf("rollout: %lld prompts of 4..27 tokens x %lld new tokens = %.0f tokens, median of %d\n",
                    static_cast<long long>(prompts), static_cast<long long>(maxNewTokens), tokens, repeats);
        std::printf("  batched (one forward per step for all rows) %8.1f ms  %9.0f tokens/s\n", tBatched * 1e3,
                    tokens / tBatched);
        std::printf("  one prompt at a time (generateRollout)      %8.1f ms  %9.0f tokens/s\n", tSingle * 1e3,
                    tokens / tSingle);
        std::printf("  one prompt at a time (generate)             %8.1f ms  %9.0f tokens/s\n", tGenerate * 1e3,
                    tokens / tGenerate);
        std::printf("  speed-up batched vs one at a time: %.2fx (vs generate: %.2fx)\n", tSingle / tBatched,
                    tGenerate / tBatched);
        const bool same = batchedTokens == singleTokens && batchedTokens == generateTokens;
        std::printf("  same tokens in all three modes: %s\n", same ? "yes" : "no (float rounding moved a sample)");
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
