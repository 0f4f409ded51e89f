// SPDX-License-Identifier: MIT
// Reads a dataset file in any supported format (see docs/formats.md) into DatasetRecords. The file may be plain
// text, JSON (an array of records, or one record), JSONL or CSV with a header, optionally gzip-compressed (.gz).
// The format is detected from the first records unless given. Every malformed record becomes a DatasetProblem
// naming file, line, record and field; the policy decides whether the first one ends the load (InputError) or
// bad records are skipped and counted. Problems of the whole file (missing, a directory, unreadable, empty,
// binary, undetectable format) always throw InputError. Thread-safe (pure functions).
#pragma once

#include "core/data/formats/dataset_record.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tb::core {

enum class DatasetFormat {
    Auto,                   // detect from the first records
    Text,                   // a plain text file: one document
    JsonlText,              // {"text": ...}
    Alpaca,                 // {instruction, input?, output, system?, history?}
    ShareGpt,               // {conversations: [{from, value}], system?}
    Messages,               // {messages: [{role, content}]} (OpenAI chat)
    PromptCompletion,       // TRL {prompt, completion}
    Preference,             // TRL explicit {prompt, chosen, rejected}
    PreferenceImplicit,     // TRL implicit {chosen, rejected} sharing a prefix
    LlamaFactoryPreference, // {conversations, chosen: {from, value}, rejected: {from, value}}
    HhRlhf,                 // {chosen, rejected} as "\n\nHuman: ...\n\nAssistant: ..." transcripts
    Kto,                    // TRL unpaired {prompt | messages, completion, label}
};

/// Every format except Auto, in documentation order.
const std::vector<DatasetFormat>& allDatasetFormats();
/// "text", "jsonl-text", "alpaca", "sharegpt", "messages", "prompt-completion", "preference",
/// "preference-implicit", "llamafactory-preference", "hh-rlhf", "kto" ("auto" for Auto).
std::string_view datasetFormatName(DatasetFormat format);
std::optional<DatasetFormat> parseDatasetFormat(std::string_view name);

enum class ErrorPolicy {
    Stop, // the first bad record throws InputError; nothing is returned
    Skip, // bad records are reported in Dataset::problems and left out
};

struct DatasetLoadOptions {
    DatasetFormat format = DatasetFormat::Auto;
    ErrorPolicy policy = ErrorPolicy::Stop;
    /// Field the reader expects -> key (JSON) or column (CSV) holding it in this file, e.g. {"prompt", "question"}.
    std::map<std::string, std::string> fieldMap;
};

/// One malformed record (or a warning about a good one, see `warning`).
struct DatasetProblem {
    std::string file;
    int64_t line = -1;       // 1-based line where the record starts (or of the bad byte), -1 if unknown
    int64_t record = -1;     // 0-based record index, -1 for the whole file
    int64_t byteOffset = -1; // offset in the (decompressed) file of the bad byte, when known
    std::string field;       // the key/column as written in the file, e.g. "output", "conversations[2].from"
    std::string message;     // what was expected and what was found
    std::string reason;      // short category for the summary: "invalid JSON", "wrong type", "missing field", ...
    bool warning = false;    // true: the record was kept (e.g. an exact duplicate)
    bool inArray = false;    // the record is a JSON array element: shown as "record N (line L)"

    /// `identity.json: record 12 (line 80): field "output": expected a string, got a number`
    std::string describe() const;
};

struct DatasetSummary {
    int64_t read = 0;    // records found in the file, good or bad
    int64_t kept = 0;    // records returned
    int64_t skipped = 0; // bad records left out (ErrorPolicy::Skip)
    std::map<std::string, int64_t> skippedByReason;
};

struct Dataset {
    std::string path;
    DatasetFormat format = DatasetFormat::Auto; // the format used (detected or given)
    std::string container;                      // "text", "json", "jsonl" or "csv" (+ ".gz")
    std::vector<DatasetRecord> records;
    std::vector<DatasetProblem> problems; // bad records (skipped) in file order
    DatasetSummary summary;
};

/// Reads `file`. Throws InputError for problems of the whole file, and with ErrorPolicy::Stop for the first bad
/// record (its message is DatasetProblem::describe()).
Dataset loadDataset(const std::filesystem::path& file, const DatasetLoadOptions& options = {});

/// Parses "prompt=question" (field=column) into `map`. Throws InputError naming `origin` when malformed.
void addFieldMapping(std::map<std::string, std::string>& map, std::string_view assignment,
                     const std::string& origin = "--map");

} // namespace tb::core
