// SPDX-License-Identifier: MIT
// tunebench-cli's commands. Each takes the arguments after its name and returns the process exit code:
// 0 success, 1 the run failed (e.g. its loss diverged), 2 bad input (file, config key or option), 130 stopped by
// Ctrl-C after saving a checkpoint.
#pragma once

#include <string>
#include <vector>

namespace tb::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitInterrupted = 130;

int runTrain(const std::vector<std::string>& args, const std::string& commandName);
int runResume(const std::vector<std::string>& args);
int runSample(const std::vector<std::string>& args);
int runDemo(const std::vector<std::string>& args);
int runData(const std::vector<std::string>& args);
int runDataPreview(const std::vector<std::string>& args);
int runCompare(const std::vector<std::string>& args);
int runRuns(const std::vector<std::string>& args);
int runTokenizer(const std::vector<std::string>& args);
int runExport(const std::vector<std::string>& args);
int runVotes(const std::vector<std::string>& args);
int runScore(const std::vector<std::string>& args);

extern const char* const kTrainHelp;
extern const char* const kResumeHelp;
extern const char* const kSampleHelp;
extern const char* const kDemoHelp;
extern const char* const kDataHelp;
extern const char* const kCompareHelp;
extern const char* const kRunsHelp;
extern const char* const kTokenizerHelp;
extern const char* const kExportHelp;
extern const char* const kVotesHelp;
extern const char* const kScoreHelp;

/// Folder of the built-in resources (demo corpus and config): $TB_RESOURCES_DIR, the installed share folder next to
/// the executable, or the source tree's resources/.
std::string resourcesDir();

} // namespace tb::cli
