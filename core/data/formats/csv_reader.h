// SPDX-License-Identifier: MIT
// RFC 4180 CSV: comma-separated fields, fields quoted with '"' ("" is a quote inside one) may hold commas and line
// breaks, rows end with CRLF, LF or CR. Internal to the dataset reader. Thread-safe (pure functions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tb::core::detail {

struct CsvRow {
    int64_t line = 1;               // 1-based line where the row starts
    size_t offset = 0;              // byte offset where the row starts
    std::vector<std::string> cells; // CRLF inside quoted cells is kept as is
    std::string error;              // non-empty: the row is malformed (cells are then incomplete)
    size_t errorOffset = 0;         // byte offset of the fault
};

/// Splits `text` (from byte `start`, which is on line 1) into rows; blank lines are skipped. A malformed row gets
/// `error` and parsing resumes at the next line; an unterminated quote ends the input.
std::vector<CsvRow> parseCsv(std::string_view text, size_t start);

} // namespace tb::core::detail
