// SPDX-License-Identifier: MIT
// Runs one training run end to end: loads the corpus and tokenizer, builds the model and optimizer (or restores
// them from the run's latest checkpoint), trains with warmup + cosine LR, gradient accumulation and clipping,
// evaluates on fixed batches, writes metrics, checkpoints and the summary into the run directory, and reports
// through a TrainingObserver. Construct and run it on one thread (the one that will train); requestStop-style
// cancellation comes in through the std::stop_token and is honoured within one optimizer step. Torch stays out of
// this header so the GUI does not pay for it.
#pragma once

#include "core/io/run_config.h"
#include "core/store/run_dir.h"
#include "core/train/training_observer.h"

#include <filesystem>
#include <memory>
#include <stop_token>

namespace tb::core {

enum class TrainOutcome { Completed, Stopped, Failed };

struct TrainResult {
    TrainOutcome outcome = TrainOutcome::Completed;
    RunSummary summary;
};

class Trainer {
public:
    /// A new run in `runDir` (created; it must not already hold a run). Validates the config and loads the data:
    /// throws InputError for bad input before anything is written.
    static std::unique_ptr<Trainer> create(const RunConfig& config, const std::filesystem::path& runDir);
    /// Continues the run in `runDir` from its latest checkpoint. Throws InputError if there is none or the corpus
    /// changed since.
    static std::unique_ptr<Trainer> resume(const std::filesystem::path& runDir);

    ~Trainer();
    Trainer(const Trainer&) = delete;
    Trainer& operator=(const Trainer&) = delete;

    /// Trains until max_steps, a stop request or a failure. A NaN/Inf loss ends the run as Failed with a message
    /// and leaves the last good checkpoint in place. Other errors (disk full, ...) also end as Failed: the summary
    /// says failed with the error before the exception propagates.
    TrainResult run(TrainingObserver& observer, std::stop_token stop = {});

    const RunConfig& config() const;
    const RunDirectory& runDirectory() const;
    int64_t parameterCount() const;
    int64_t startStep() const;

    /// Samples text from the current weights (the CLI's demo shows progress with it). Safe between steps only.
    std::string sample(const std::string& prompt, int64_t maxNewTokens, double temperature, uint64_t seed);

private:
    struct Impl;
    explicit Trainer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace tb::core
