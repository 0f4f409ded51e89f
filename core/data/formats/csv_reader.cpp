// SPDX-License-Identifier: MIT
#include "core/data/formats/csv_reader.h"

namespace tb::core::detail {

std::vector<CsvRow> parseCsv(std::string_view text, size_t start)
{
    std::vector<CsvRow> rows;
    const size_t n = text.size();
    size_t pos = start;
    int64_t line = 1;
    // Consumes one line break at pos (CRLF, LF or CR) and counts it.
    auto endOfLine = [&]() {
        if (text[pos] == '\r') {
            ++pos;
            if (pos < n && text[pos] == '\n')
                ++pos;
        } else if (text[pos] == '\n') {
            ++pos;
        }
        ++line;
    };
    auto isBreak = [&](size_t i) { return text[i] == '\n' || text[i] == '\r'; };

    while (pos < n) {
        if (isBreak(pos)) { // a blank line
            const bool crlf = text[pos] == '\r' && pos + 1 < n && text[pos + 1] == '\n';
            pos += crlf ? 2 : 1;
            ++line;
            continue;
        }
        CsvRow row;
        row.line = line;
        row.offset = pos;
        int64_t rowBreaks = 0; // line breaks inside quoted cells
        for (;;) {
            std::string cell;
            if (pos < n && text[pos] == '"') {
                const size_t open = pos++;
                bool closed = false;
                while (pos < n) {
                    const char c = text[pos];
                    if (c == '"') {
                        if (pos + 1 < n && text[pos + 1] == '"') {
                            cell.push_back('"');
                            pos += 2;
                            continue;
                        }
                        ++pos;
                        closed = true;
                        break;
                    }
                    if (c == '\n' || (c == '\r' && (pos + 1 >= n || text[pos + 1] != '\n')))
                        ++rowBreaks;
                    cell.push_back(c);
                    ++pos;
                }
                if (!closed) {
                    row.error = "a quoted field is never closed (its opening quote is on line " +
                                std::to_string(row.line) + ")";
                    row.errorOffset = open;
                    rows.push_back(std::move(row));
                    return rows;
                }
                if (pos < n && text[pos] != ',' && !isBreak(pos)) {
                    row.error = "unexpected character after a closing quote; expected ',' or the end of the line";
                    row.errorOffset = pos;
                }
            } else {
                while (pos < n && text[pos] != ',' && !isBreak(pos)) {
                    if (text[pos] == '"' && row.error.empty()) {
                        row.error = "a quote inside an unquoted field; quote the whole field and double inner quotes";
                        row.errorOffset = pos;
                    }
                    cell.push_back(text[pos++]);
                }
            }
            row.cells.push_back(std::move(cell));
            if (!row.error.empty()) { // skip the rest of this line
                while (pos < n && !isBreak(pos))
                    ++pos;
            }
            if (pos < n && text[pos] == ',') {
                ++pos;
                continue;
            }
            break;
        }
        line += rowBreaks;
        if (pos < n)
            endOfLine();
        rows.push_back(std::move(row));
    }
    return rows;
}

} // namespace tb::core::detail
