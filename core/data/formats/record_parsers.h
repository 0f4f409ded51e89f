// SPDX-License-Identifier: MIT
// Internal to the dataset reader: turning one parsed JSON object (a JSON/JSONL record or a CSV row) into a
// DatasetRecord for a given format, and guessing the format from a record's keys. Errors are RecordError (the
// reader adds file, line and record). Thread-safe (pure functions).
#pragma once

#include "core/data/formats/dataset_reader.h"
#include "core/data/formats/dataset_record.h"

#include <nlohmann/json_fwd.hpp>

#include <map>
#include <optional>
#include <string>

namespace tb::core::detail {

/// A malformed record: the field as written in the file, what was expected, and a short reason for the summary.
struct RecordError {
    std::string field;
    std::string message;
    std::string reason;
};

/// Maps the reader's field names to the keys used by the file (DatasetLoadOptions::fieldMap).
class FieldNames {
public:
    explicit FieldNames(const std::map<std::string, std::string>& map) : m_map(map) {}
    /// The file's key for `field` ("prompt" -> "question" under --map prompt=question).
    std::string key(const std::string& field) const;

private:
    const std::map<std::string, std::string>& m_map;
};

/// Converts one record; `fromCsv` allows the string forms a CSV cell can hold (label "true"/"false").
/// Throws RecordError.
DatasetRecord parseRecord(DatasetFormat format, const nlohmann::json& record, const FieldNames& names, bool fromCsv);

/// The format whose keys the record has, or nullopt. Never throws.
std::optional<DatasetFormat> detectRecordFormat(const nlohmann::json& record, const FieldNames& names);

/// "a number", "an array", "null", "an empty string": a JSON value's type for messages.
std::string describeJsonType(const nlohmann::json& value);

} // namespace tb::core::detail
