// SPDX-License-Identifier: MIT
// data check: read a dataset file the way training will, and report its format, counts and every problem.
#include "cli_args.h"
#include "commands.h"

#include "core/common/error.h"
#include "core/data/formats/dataset_checks.h"
#include "core/data/formats/dataset_reader.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>

namespace tb::cli {

const char* const kDataHelp = R"(usage: tunebench-cli data check FILE [options]
       tunebench-cli data preview FILE [--record N] [--template TEXT] [--replace FROM=TO ...]
                                       [--loss-on completion|all] [--format F] [--run RUN_DIR]

Reads a dataset (plain text, JSON, JSONL or CSV, optionally .gz) and prints its format, the number of records
and every problem: malformed records (file, line, field and what was expected), exact duplicates and, with --val
or --val-fraction, validation records that overlap the training records. docs/formats.md lists the formats.
Exit code: 0 clean, 1 problems found, 2 the file cannot be read at all (or a bad option).

  --format F          the format instead of detecting it: text, jsonl-text, alpaca, sharegpt, messages,
                      prompt-completion, preference, preference-implicit, llamafactory-preference, hh-rlhf, kto
  --map FIELD=KEY     the file calls FIELD by another name (repeatable), e.g. --map prompt=question
                      --map completion=answer; KEY is a JSON key or a CSV column
  --val FILE          a validation file to check against FILE for n-gram overlap
  --val-fraction F    check overlap between the records fine-tuning would hold out (F of them) and the rest
  --ngram N           words per n-gram for the overlap check (default 13)
  --json              print one JSON object {format, records, skipped, problems: [{file, line, field, message}],
                      ...} instead of text

data preview prints one record (--record N, from 0; default 0) the way fine-tuning renders it: the chat
template applied (--template, default the built-in one; see docs/fine-tuning.md), placeholders replaced
(--replace {{name}}=TuneBench, as data.replace) and the characters the loss counts between « and ».
--run also shows the tokens of that run's tokenizer, marked the same way.
)";

namespace {

using nlohmann::json;

struct Report {
    core::Dataset dataset;
    std::vector<core::DatasetProblem> problems; // record problems, then warnings
    std::vector<core::DuplicateRecord> duplicates;
    std::optional<core::OverlapReport> overlap;
    core::LengthHistogram lengths;
};

core::DatasetProblem warning(const core::Dataset& dataset, const core::DatasetRecord& record, std::string message,
                             std::string reason)
{
    core::DatasetProblem p;
    p.file = dataset.path;
    p.line = record.line;
    p.record = record.index;
    p.inArray = dataset.container == "json" || dataset.container == "json.gz";
    p.message = std::move(message);
    p.reason = std::move(reason);
    p.warning = true;
    return p;
}

Report check(const std::string& file, const core::DatasetLoadOptions& options, const Args& a)
{
    Report report;
    report.dataset = core::loadDataset(file, options);
    const core::Dataset& data = report.dataset;
    report.problems = data.problems;

    std::map<int64_t, const core::DatasetRecord*> byIndex;
    for (const core::DatasetRecord& r : data.records)
        byIndex[r.index] = &r;
    report.duplicates = core::findDuplicates(data.records);
    for (const core::DuplicateRecord& d : report.duplicates)
        report.problems.push_back(warning(data, *byIndex.at(d.record),
                                          "is an exact duplicate of record " + std::to_string(d.firstRecord) +
                                              " (line " + std::to_string(d.firstLine) + ")",
                                          "duplicate"));

    const int n = static_cast<int>(a.intValue("ngram").value_or(13));
    if (n < 1)
        throw UsageError{"--ngram must be at least 1"};
    if (const auto valFile = a.value("val")) {
        const core::Dataset val = core::loadDataset(*valFile, options); // same format and field names
        report.overlap = core::ngramOverlap(data.records, val.records, n);
        std::map<int64_t, const core::DatasetRecord*> valByIndex;
        for (const core::DatasetRecord& r : val.records)
            valByIndex[r.index] = &r;
        for (const int64_t index : report.overlap->overlapping)
            report.problems.push_back(warning(val, *valByIndex.at(index),
                                              "shares a " + std::to_string(n) +
                                                  "-word sequence with the training file (train/val overlap)",
                                              "train/val overlap"));
    } else if (const auto fraction = a.doubleValue("val-fraction")) {
        if (!(*fraction > 0 && *fraction < 1))
            throw UsageError{"--val-fraction must be between 0 and 1"};
        const core::RecordSplit split = core::splitRecords(data.records, *fraction);
        report.overlap = core::ngramOverlap(split.train, split.val, n);
        for (const int64_t index : report.overlap->overlapping)
            report.problems.push_back(warning(data, *byIndex.at(index),
                                              "is in the validation split and shares a " + std::to_string(n) +
                                                  "-word sequence with the training split (train/val overlap)",
                                              "train/val overlap"));
    }
    report.lengths = core::lengthHistogram(core::recordLengths(data.records));
    return report;
}

json problemJson(const core::DatasetProblem& p)
{
    return json{{"file", p.file},
                {"line", p.line >= 0 ? json(p.line) : json(nullptr)},
                {"record", p.record >= 0 ? json(p.record) : json(nullptr)},
                {"byte_offset", p.byteOffset >= 0 ? json(p.byteOffset) : json(nullptr)},
                {"field", p.field},
                {"message", p.message},
                {"reason", p.reason},
                {"severity", p.warning ? "warning" : "error"}};
}

void printJson(const Report& report)
{
    const core::Dataset& data = report.dataset;
    json kinds = json::object();
    for (const core::DatasetRecord& r : data.records)
        kinds[std::string(core::recordKindName(r.kind))] = kinds.value(std::string(core::recordKindName(r.kind)), 0) + 1;
    json problems = json::array();
    for (const core::DatasetProblem& p : report.problems)
        problems.push_back(problemJson(p));
    json out{{"file", data.path},
             {"format", std::string(core::datasetFormatName(data.format))},
             {"container", data.container},
             {"records", data.summary.kept},
             {"read", data.summary.read},
             {"skipped", data.summary.skipped},
             {"skipped_by_reason", data.summary.skippedByReason},
             {"kinds", kinds},
             {"duplicates", report.duplicates.size()},
             {"lengths",
              {{"unit", "characters"},
               {"bucket_width", report.lengths.bucketWidth},
               {"counts", report.lengths.counts},
               {"min", report.lengths.min},
               {"max", report.lengths.max},
               {"mean", report.lengths.mean}}},
             {"problems", problems}};
    if (report.overlap)
        out["overlap"] = {{"n", report.overlap->n},
                          {"val_records", report.overlap->valRecords},
                          {"overlapping_records", report.overlap->overlappingRecords},
                          {"val_ngrams", report.overlap->valNgrams},
                          {"shared_ngrams", report.overlap->sharedNgrams}};
    std::puts(out.dump(2, ' ', false, json::error_handler_t::replace).c_str());
}

void printText(const Report& report)
{
    const core::Dataset& data = report.dataset;
    std::printf("%s: %s (%s)\n", data.path.c_str(), std::string(core::datasetFormatName(data.format)).c_str(),
                data.container.c_str());
    std::printf("records: %lld read, %lld kept, %lld skipped\n", static_cast<long long>(data.summary.read),
                static_cast<long long>(data.summary.kept), static_cast<long long>(data.summary.skipped));
    for (const auto& [reason, count] : data.summary.skippedByReason)
        std::printf("  skipped for %s: %lld\n", reason.c_str(), static_cast<long long>(count));
    std::map<std::string, int64_t> kinds;
    for (const core::DatasetRecord& r : data.records)
        ++kinds[std::string(core::recordKindName(r.kind))];
    for (const auto& [kind, count] : kinds)
        std::printf("  %s: %lld\n", kind.c_str(), static_cast<long long>(count));
    std::printf("exact duplicates: %zu\n", report.duplicates.size());
    if (report.overlap)
        std::printf("train/val overlap (%d-grams): %lld of %lld validation records\n", report.overlap->n,
                    static_cast<long long>(report.overlap->overlappingRecords),
                    static_cast<long long>(report.overlap->valRecords));
    const core::LengthHistogram& h = report.lengths;
    if (h.count > 0) {
        std::printf("length in characters: min %lld, mean %.1f, max %lld\n", static_cast<long long>(h.min), h.mean,
                    static_cast<long long>(h.max));
        int64_t most = 1;
        for (const int64_t c : h.counts)
            most = std::max(most, c);
        for (size_t i = 0; i < h.counts.size(); ++i) {
            const auto from = static_cast<long long>(static_cast<int64_t>(i) * h.bucketWidth);
            std::printf("  %8lld..%-8lld %7lld %s\n", from, from + static_cast<long long>(h.bucketWidth) - 1,
                        static_cast<long long>(h.counts[i]),
                        std::string(static_cast<size_t>(h.counts[i] * 40 / most), '#').c_str());
        }
    }
    if (report.problems.empty()) {
        std::puts("problems: none");
        return;
    }
    std::printf("problems: %zu\n", report.problems.size());
    for (const core::DatasetProblem& p : report.problems)
        std::printf("  %s\n", p.describe().c_str());
}

} // namespace

int runData(const std::vector<std::string>& args)
{
    if (!args.empty() && args.front() == "preview")
        return runDataPreview(std::vector<std::string>(args.begin() + 1, args.end()));
    if (args.empty() || args.front() != "check")
        throw UsageError{args.empty() ? "data needs a subcommand: check or preview"
                                      : "unknown data subcommand '" + args.front() + "'"};
    const Args a(std::vector<std::string>(args.begin() + 1, args.end()), {"format", "map", "val", "val-fraction", "ngram"},
                 {"json"});
    if (a.positional().size() != 1)
        throw UsageError{"data check takes exactly one FILE"};
    core::DatasetLoadOptions options;
    options.policy = core::ErrorPolicy::Skip; // collect every problem
    if (const auto format = a.value("format")) {
        const auto parsed = core::parseDatasetFormat(*format);
        if (!parsed)
            throw UsageError{"unknown --format '" + *format + "'"};
        options.format = *parsed;
    }
    for (const std::string& m : a.values("map")) {
        try {
            core::addFieldMapping(options.fieldMap, m);
        } catch (const core::InputError& e) {
            throw UsageError{"--map " + m + ": " + e.message()};
        }
    }
    const bool asJson = a.has("json");
    Report report;
    try {
        report = check(a.positional().front(), options, a);
    } catch (const core::InputError& e) {
        if (asJson) {
            core::DatasetProblem p;
            p.file = e.file();
            p.line = e.line();
            p.byteOffset = e.byteOffset();
            p.field = e.field();
            p.message = e.message();
            p.reason = "unreadable";
            const json out{{"file", a.positional().front()}, {"format", nullptr}, {"records", 0}, {"skipped", 0},
                           {"error", e.what()},           {"problems", json::array({problemJson(p)})}};
            std::puts(out.dump(2, ' ', false, json::error_handler_t::replace).c_str());
        }
        throw;
    }
    if (asJson)
        printJson(report);
    else
        printText(report);
    return report.problems.empty() ? kExitOk : kExitFailed;
}

} // namespace tb::cli
