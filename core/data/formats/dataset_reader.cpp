// SPDX-License-Identifier: MIT
#include "core/data/formats/dataset_reader.h"

#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/common/json_text.h"
#include "core/common/utf8.h"
#include "core/data/corpus.h"
#include "core/data/formats/csv_reader.h"
#include "core/data/formats/gzip_reader.h"
#include "core/data/formats/record_parsers.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

namespace tb::core {
namespace {

using nlohmann::json;
using detail::FieldNames;
using detail::RecordError;

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr int kMaxDepth = 512;           // deeper JSON is refused before nlohmann's recursive destructor sees it
constexpr size_t kDetectRecords = 10;    // records looked at to detect the format
constexpr size_t kMaxMessageBytes = 300; // keeps a parser message about a 10 MB token readable

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string lower(std::string text)
{
    for (char& c : text)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

/// "'x'" for a printable ASCII character, else "byte 0xFF": messages stay valid UTF-8.
std::string describeByte(char c)
{
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7F)
        return std::string("'") + c + "'";
    char hex[16];
    std::snprintf(hex, sizeof hex, "byte 0x%02X", b);
    return hex;
}

/// Counts lines (LF, CRLF, lone CR) forward through one buffer; positions must not decrease.
class LineCounter {
public:
    explicit LineCounter(std::string_view text) : m_text(text) {}
    int64_t lineAt(size_t offset)
    {
        offset = std::min(offset, m_text.size());
        for (; m_pos < offset; ++m_pos) {
            const char c = m_text[m_pos];
            if (c == '\n' || (c == '\r' && (m_pos + 1 >= m_text.size() || m_text[m_pos + 1] != '\n')))
                ++m_line;
        }
        return m_line;
    }

private:
    std::string_view m_text;
    size_t m_pos = 0;
    int64_t m_line = 1;
};

/// 1-based line of `offset`, counted from scratch (error paths only).
int64_t lineOf(std::string_view text, size_t offset)
{
    LineCounter counter(text);
    return counter.lineAt(offset);
}

/// One record as found in the container, before format-specific parsing.
struct RawRecord {
    int64_t index = 0;
    int64_t line = 1;
    json value;
    std::optional<DatasetProblem> problem; // the record could not even be parsed as JSON / CSV
};

struct ScanResult {
    size_t end = 0;
    bool truncated = false;
    bool tooDeep = false;
};

/// Finds where the JSON value starting at text[pos] ends, following strings and brackets (not validating).
ScanResult scanJsonValue(std::string_view text, size_t pos)
{
    ScanResult result;
    const size_t n = text.size();
    int depth = 0;
    bool inString = false;
    for (size_t i = pos; i < n; ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\')
                ++i;
            else if (c == '"') {
                inString = false;
                if (depth == 0) {
                    result.end = i + 1;
                    return result;
                }
            }
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            if (++depth > kMaxDepth)
                result.tooDeep = true;
        } else if (c == '}' || c == ']') {
            if (depth == 0) { // a scalar ended by the enclosing array
                result.end = i;
                return result;
            }
            if (--depth == 0) {
                result.end = i + 1;
                return result;
            }
        } else if (depth == 0 && (c == ',' || isSpace(c))) {
            result.end = i;
            return result;
        }
    }
    result.end = n;
    result.truncated = depth > 0 || inString;
    return result;
}

class Loader {
public:
    Loader(std::string origin, const DatasetLoadOptions& options)
        : m_origin(std::move(origin)), m_options(options), m_names(options.fieldMap)
    {
    }

    Dataset load(const std::filesystem::path& file);

private:
    DatasetProblem problem(int64_t record, int64_t line, std::string field, std::string message, std::string reason,
                           int64_t byteOffset = -1) const
    {
        DatasetProblem p;
        p.file = m_origin;
        p.line = line;
        p.record = record;
        p.byteOffset = byteOffset;
        p.field = std::move(field);
        p.message = std::move(message);
        p.reason = std::move(reason);
        p.inArray = m_inArray;
        return p;
    }

    /// A record-level problem: thrown (Stop) or recorded. `countsAsRecord` is false for problems of the container
    /// (an unclosed array) that lose no record.
    void report(DatasetProblem p, bool countsAsRecord = true)
    {
        if (m_options.policy == ErrorPolicy::Stop) {
            std::string message = p.message;
            if (p.inArray && p.record >= 0)
                message = "record " + std::to_string(p.record) + ": " + message;
            throw InputError(p.file, p.field, message, p.line, p.byteOffset);
        }
        if (countsAsRecord) {
            ++m_dataset.summary.skipped;
            ++m_dataset.summary.skippedByReason[p.reason];
        }
        m_dataset.problems.push_back(std::move(p));
    }

    /// Checks a record's bytes for invalid UTF-8; returns the problem for the first bad byte.
    std::optional<DatasetProblem> checkUtf8(std::string_view text, size_t begin, size_t end, int64_t record) const
    {
        for (size_t i = begin; i < end;) {
            if (static_cast<unsigned char>(text[i]) < 0x80) {
                ++i;
                continue;
            }
            const Utf8Step step = decodeUtf8(text.substr(0, end), i);
            if (step.fault != Utf8Fault::None)
                return problem(record, lineOf(text, i), "",
                               "invalid UTF-8 at byte offset " + std::to_string(i) + ": " +
                                   describeUtf8Fault(text.substr(0, end), i, step) + " (save the file as UTF-8)",
                               "invalid UTF-8", static_cast<int64_t>(i));
            i += step.length;
        }
        return std::nullopt;
    }

    /// Parses text[begin, end) as one JSON value.
    RawRecord parseJsonRecord(std::string_view text, size_t begin, size_t end, int64_t index, int64_t line,
                              bool tooDeep) const
    {
        RawRecord raw;
        raw.index = index;
        raw.line = line;
        if (auto bad = checkUtf8(text, begin, end, index)) {
            raw.problem = std::move(bad);
            return raw;
        }
        if (tooDeep) {
            raw.problem = problem(index, line, "", "is nested more than " + std::to_string(kMaxDepth) + " levels deep",
                                  "invalid JSON", static_cast<int64_t>(begin));
            return raw;
        }
        try {
            raw.value = json::parse(text.substr(begin, end - begin));
        } catch (const json::parse_error& e) {
            const size_t at = begin + std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, end - begin);
            std::string detail = e.what();
            // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error while parsing ..."
            const size_t colon = detail.find(": ", detail.find("column"));
            if (colon != std::string::npos)
                detail = detail.substr(colon + 2);
            if (detail.size() > kMaxMessageBytes) {
                size_t cut = kMaxMessageBytes; // never inside a UTF-8 character
                while (cut > 0 && (static_cast<unsigned char>(detail[cut]) & 0xC0) == 0x80)
                    --cut;
                detail = detail.substr(0, cut) + "...";
            }
            const int64_t errorLine = lineOf(text, at);
            raw.problem = problem(index, line, "",
                                  "is not valid JSON: " + detail + " (line " + std::to_string(errorLine) +
                                      ", byte offset " + std::to_string(at) + ")",
                                  "invalid JSON", static_cast<int64_t>(at));
        } catch (const json::exception& e) { // out_of_range: a number such as 1e999999 overflows a double
            const std::string_view record = text.substr(begin, end - begin);
            if (const auto overflow = findJsonNumberOverflow(e.what(), record)) {
                const size_t at = begin + overflow->offset;
                const int64_t numberLine = lineOf(text, at); // differs from `line` inside a multi-line record
                raw.problem = problem(index, line, overflow->key,
                                      describeJsonNumberOverflow(*overflow) +
                                          (numberLine != line ? " (line " + std::to_string(numberLine) + ")" : ""),
                                      "number out of range", static_cast<int64_t>(at));
            } else {
                raw.problem = problem(index, line, "", "is not valid JSON: " + jsonErrorDetail(e.what()),
                                      "invalid JSON", static_cast<int64_t>(begin));
            }
        }
        return raw;
    }

    std::vector<RawRecord> readJsonArray(std::string_view text, size_t start);
    std::vector<RawRecord> readJsonLines(std::string_view text, size_t start);
    std::vector<RawRecord> readCsv(std::string_view text, size_t start);
    void readPlainText(std::string raw);
    DatasetFormat detect(const std::vector<RawRecord>& records) const;

    std::string m_origin;
    const DatasetLoadOptions& m_options;
    FieldNames m_names;
    Dataset m_dataset;
    bool m_inArray = false;
    std::vector<DatasetProblem> m_containerProblems; // lose no record; reported after the records
};

std::vector<RawRecord> Loader::readJsonArray(std::string_view text, size_t start)
{
    m_inArray = true;
    std::vector<RawRecord> records;
    LineCounter lines(text);
    size_t pos = start + 1; // after '['
    auto skipSpace = [&]() {
        while (pos < text.size() && isSpace(text[pos]))
            ++pos;
    };
    for (int64_t index = 0;; ++index) {
        skipSpace();
        if (pos >= text.size()) {
            m_containerProblems.push_back(problem(-1, lines.lineAt(pos), "",
                                                  "truncated JSON: the file ends before the array's closing ']'",
                                                  "truncated JSON", static_cast<int64_t>(pos)));
            return records;
        }
        if (text[pos] == ']' && index == 0)
            break;
        const size_t begin = pos;
        const int64_t line = lines.lineAt(begin);
        const ScanResult scan = scanJsonValue(text, begin);
        if (scan.truncated) {
            RawRecord raw;
            raw.index = index;
            raw.line = line;
            raw.problem = problem(index, line, "",
                                  "truncated JSON: the file ends inside this record (a '}', ']' or '\"' is missing)",
                                  "truncated JSON", static_cast<int64_t>(text.size()));
            records.push_back(std::move(raw));
            return records;
        }
        records.push_back(parseJsonRecord(text, begin, scan.end, index, line, scan.tooDeep));
        pos = scan.end;
        skipSpace();
        if (pos < text.size() && text[pos] == ',') {
            ++pos;
            skipSpace();
            if (pos < text.size() && text[pos] == ']') // a trailing comma is tolerated
                break;
            continue;
        }
        if (pos < text.size() && text[pos] == ']')
            break;
        if (pos >= text.size()) {
            m_containerProblems.push_back(problem(-1, lines.lineAt(pos), "",
                                                  "truncated JSON: the file ends before the array's closing ']'",
                                                  "truncated JSON", static_cast<int64_t>(pos)));
            return records;
        }
        m_containerProblems.push_back(
            problem(-1, lines.lineAt(pos), "",
                    "is not valid JSON: expected ',' or ']' after record " + std::to_string(index) + ", got " +
                        describeByte(text[pos]) + " (byte offset " + std::to_string(pos) +
                        "); the rest of the file is not read",
                    "invalid JSON", static_cast<int64_t>(pos)));
        return records;
    }
    ++pos; // ']'
    skipSpace();
    if (pos < text.size())
        m_containerProblems.push_back(problem(-1, lines.lineAt(pos), "",
                                              "unexpected text after the array's closing ']'", "invalid JSON",
                                              static_cast<int64_t>(pos)));
    return records;
}

std::vector<RawRecord> Loader::readJsonLines(std::string_view text, size_t start)
{
    std::vector<RawRecord> records;
    int64_t lineNo = 1;
    int64_t index = 0;
    size_t pos = start;
    while (pos < text.size()) {
        size_t end = pos;
        while (end < text.size() && text[end] != '\n' && text[end] != '\r')
            ++end;
        size_t first = pos;
        while (first < end && isSpace(text[first]))
            ++first;
        if (first < end) {
            const ScanResult scan = scanJsonValue(text.substr(0, end), first);
            records.push_back(parseJsonRecord(text, first, end, index++, lineNo, scan.tooDeep));
        }
        if (end < text.size() && text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n')
            ++end;
        pos = end + 1;
        ++lineNo;
    }
    return records;
}

std::vector<RawRecord> Loader::readCsv(std::string_view text, size_t start)
{
    std::vector<detail::CsvRow> rows = detail::parseCsv(text, start);
    if (rows.empty())
        throw InputError(m_origin, "", "is empty (no CSV header)");
    const detail::CsvRow& header = rows.front();
    if (!header.error.empty())
        throw InputError(m_origin, "", "the CSV header is malformed: " + header.error, header.line,
                         static_cast<int64_t>(header.errorOffset));
    for (size_t i = 0; i < header.cells.size(); ++i) {
        if (header.cells[i].empty())
            throw InputError(m_origin, "", "the CSV header's column " + std::to_string(i + 1) + " has no name", 1);
        for (size_t j = 0; j < i; ++j)
            if (header.cells[j] == header.cells[i])
                throw InputError(m_origin, header.cells[i], "the CSV header names this column twice", 1);
    }
    if (auto bad = checkUtf8(text, header.offset, rows.size() > 1 ? rows[1].offset : text.size(), -1))
        throw InputError(m_origin, "", bad->message, bad->line, bad->byteOffset);

    std::vector<RawRecord> records;
    for (size_t r = 1; r < rows.size(); ++r) {
        const detail::CsvRow& row = rows[r];
        RawRecord raw;
        raw.index = static_cast<int64_t>(r - 1);
        raw.line = row.line;
        const size_t end = r + 1 < rows.size() ? rows[r + 1].offset : text.size();
        if (auto bad = checkUtf8(text, row.offset, end, raw.index)) {
            raw.problem = std::move(bad);
        } else if (!row.error.empty()) {
            raw.problem = problem(raw.index, lineOf(text, row.errorOffset), "", row.error, "bad CSV row",
                                  static_cast<int64_t>(row.errorOffset));
        } else if (row.cells.size() != header.cells.size()) {
            raw.problem = problem(raw.index, row.line, "",
                                  "has " + std::to_string(row.cells.size()) + " fields, expected " +
                                      std::to_string(header.cells.size()) + " as in the header",
                                  "bad CSV row", static_cast<int64_t>(row.offset));
        } else {
            raw.value = json::object();
            for (size_t i = 0; i < row.cells.size(); ++i)
                raw.value[header.cells[i]] = row.cells[i];
        }
        records.push_back(std::move(raw));
    }
    return records;
}

DatasetFormat Loader::detect(const std::vector<RawRecord>& records) const
{
    size_t looked = 0;
    const RawRecord* firstObject = nullptr;
    for (const RawRecord& raw : records) {
        if (raw.problem || !raw.value.is_object())
            continue;
        if (firstObject == nullptr)
            firstObject = &raw;
        if (auto format = detail::detectRecordFormat(raw.value, m_names))
            return *format;
        if (++looked == kDetectRecords)
            break;
    }
    if (firstObject == nullptr)
        return DatasetFormat::Auto; // nothing parseable: every record is reported as it is
    std::string keys;
    for (const auto& [key, value] : firstObject->value.items())
        keys += (keys.empty() ? "" : ", ") + key;
    throw InputError(m_origin, "",
                     "cannot tell the dataset format from the keys of the first records (" + keys +
                         "); give it with --format, and name the fields with --map FIELD=KEY, e.g. --map prompt=" +
                         (firstObject->value.empty() ? std::string("question") : firstObject->value.begin().key()) +
                         " (docs/formats.md lists the fields of each format)",
                     firstObject->line);
}

void Loader::readPlainText(std::string raw)
{
    if (m_options.format != DatasetFormat::Auto && m_options.format != DatasetFormat::Text)
        throw InputError(m_origin, "",
                         "is plain text, but the format " + std::string(datasetFormatName(m_options.format)) +
                             " needs JSON, JSONL or CSV records");
    DatasetRecord record;
    record.kind = RecordKind::Document;
    record.text = normaliseUtf8Text(std::move(raw), m_origin); // InputError: empty, NUL, invalid UTF-8
    record.line = 1;
    m_dataset.format = DatasetFormat::Text;
    m_dataset.records.push_back(std::move(record));
    m_dataset.summary.read = m_dataset.summary.kept = 1;
}

Dataset Loader::load(const std::filesystem::path& file)
{
    m_dataset.path = m_origin;
    std::string raw = readFile(file); // InputError: missing, a directory, a FIFO or device, unreadable
    std::string name = lower(file.filename().string());
    std::string suffix;
    if (isGzip(raw) || (name.size() > 3 && name.ends_with(".gz"))) {
        if (!isGzip(raw))
            throw InputError(m_origin, "", "is named .gz but is not gzip-compressed");
        raw = gunzip(raw, m_origin);
        if (name.ends_with(".gz"))
            name.resize(name.size() - 3);
        suffix = ".gz";
    }
    if (raw.empty())
        throw InputError(m_origin, "", "is empty");
    if (raw.size() >= 2 && ((raw[0] == '\xFF' && raw[1] == '\xFE') || (raw[0] == '\xFE' && raw[1] == '\xFF')))
        throw InputError(m_origin, "", "is UTF-16 encoded; save it as UTF-8", -1, 0);
    const size_t start = raw.starts_with(kBom) ? kBom.size() : 0;
    if (const void* nul = std::memchr(raw.data() + start, '\0', raw.size() - start)) {
        const auto offset = static_cast<int64_t>(static_cast<const char*>(nul) - raw.data());
        throw InputError(m_origin, "", "looks like a binary file (NUL byte at byte offset " + std::to_string(offset) +
                                           "), expected UTF-8 text",
                         lineOf(raw, static_cast<size_t>(offset)), offset);
    }
    size_t first = start;
    while (first < raw.size() && isSpace(raw[first]))
        ++first;
    if (first == raw.size())
        throw InputError(m_origin, "", "is empty (it contains only whitespace)");

    const std::string extension = std::filesystem::path(name).extension().string();
    const bool jsonExtension = extension == ".json" || extension == ".jsonl";
    const bool textExtension = extension == ".txt" || extension == ".md" || extension == ".text";
    const bool forcedText = m_options.format == DatasetFormat::Text;
    const std::string_view text(raw);
    std::vector<RawRecord> records;
    if (!forcedText && extension == ".csv") {
        m_dataset.container = "csv";
        records = readCsv(text, start);
    } else if (!forcedText && raw[first] == '[' && !textExtension) {
        m_dataset.container = "json";
        records = readJsonArray(text, first);
    } else if (!forcedText && raw[first] == '{' && !textExtension) {
        // JSONL, or a single (pretty-printed) JSON object.
        const ScanResult scan = scanJsonValue(text, first);
        size_t after = scan.end;
        while (after < raw.size() && isSpace(raw[after]))
            ++after;
        const bool multiLine = std::memchr(raw.data() + first, '\n', scan.end - first) != nullptr;
        if (!scan.truncated && multiLine && after == raw.size()) {
            m_dataset.container = "json";
            m_inArray = true;
            records.push_back(parseJsonRecord(text, first, scan.end, 0, lineOf(text, first), scan.tooDeep));
        } else {
            m_dataset.container = "jsonl";
            records = readJsonLines(text, start);
        }
    } else if (jsonExtension && !forcedText) {
        throw InputError(m_origin, "",
                         "is not JSON: expected '[' or '{' at the start, found " + describeByte(raw[first]),
                         lineOf(text, first), static_cast<int64_t>(first));
    } else {
        m_dataset.container = "text" + suffix;
        readPlainText(std::move(raw));
        return std::move(m_dataset);
    }
    m_dataset.container += suffix;

    if (records.empty() && !m_containerProblems.empty()) {
        const DatasetProblem& p = m_containerProblems.front();
        throw InputError(p.file, p.field, p.message, p.line, p.byteOffset);
    }
    if (records.empty())
        throw InputError(m_origin, "", "has no records");
    m_dataset.format = m_options.format == DatasetFormat::Auto ? detect(records) : m_options.format;
    const bool fromCsv = m_dataset.container.starts_with("csv");
    for (RawRecord& raw : records) {
        ++m_dataset.summary.read;
        if (raw.problem) {
            report(std::move(*raw.problem));
            continue;
        }
        if (m_dataset.format == DatasetFormat::Auto) { // no record could be read at all
            report(problem(raw.index, raw.line, "", "is not a JSON object", "not an object"));
            continue;
        }
        try {
            DatasetRecord record = detail::parseRecord(m_dataset.format, raw.value, m_names, fromCsv);
            record.index = raw.index;
            record.line = raw.line;
            m_dataset.records.push_back(std::move(record));
        } catch (const RecordError& e) {
            report(problem(raw.index, raw.line, e.field, e.message, e.reason));
        }
        raw.value = json(); // free as we go
    }
    for (DatasetProblem& p : m_containerProblems)
        report(std::move(p), false);
    m_dataset.summary.kept = static_cast<int64_t>(m_dataset.records.size());
    return std::move(m_dataset);
}

} // namespace

std::string DatasetProblem::describe() const
{
    std::string out = file.empty() ? std::string("input") : file;
    if (inArray && record >= 0) {
        out += ": record " + std::to_string(record);
        if (line >= 0)
            out += " (line " + std::to_string(line) + ")";
    } else if (line >= 0) {
        out += ": line " + std::to_string(line);
    }
    if (!field.empty())
        out += ": field \"" + field + "\"";
    out += ": " + message;
    if (warning)
        out += " (warning)";
    return out;
}

const std::vector<DatasetFormat>& allDatasetFormats()
{
    static const std::vector<DatasetFormat> formats = {
        DatasetFormat::Text,       DatasetFormat::JsonlText,          DatasetFormat::Alpaca,
        DatasetFormat::ShareGpt,   DatasetFormat::Messages,           DatasetFormat::PromptCompletion,
        DatasetFormat::Preference, DatasetFormat::PreferenceImplicit, DatasetFormat::LlamaFactoryPreference,
        DatasetFormat::HhRlhf,     DatasetFormat::Kto};
    return formats;
}

std::string_view datasetFormatName(DatasetFormat format)
{
    switch (format) {
    case DatasetFormat::Auto: return "auto";
    case DatasetFormat::Text: return "text";
    case DatasetFormat::JsonlText: return "jsonl-text";
    case DatasetFormat::Alpaca: return "alpaca";
    case DatasetFormat::ShareGpt: return "sharegpt";
    case DatasetFormat::Messages: return "messages";
    case DatasetFormat::PromptCompletion: return "prompt-completion";
    case DatasetFormat::Preference: return "preference";
    case DatasetFormat::PreferenceImplicit: return "preference-implicit";
    case DatasetFormat::LlamaFactoryPreference: return "llamafactory-preference";
    case DatasetFormat::HhRlhf: return "hh-rlhf";
    case DatasetFormat::Kto: return "kto";
    }
    return "auto";
}

std::optional<DatasetFormat> parseDatasetFormat(std::string_view name)
{
    if (name == "auto")
        return DatasetFormat::Auto;
    for (const DatasetFormat format : allDatasetFormats())
        if (datasetFormatName(format) == name)
            return format;
    return std::nullopt;
}

Dataset loadDataset(const std::filesystem::path& file, const DatasetLoadOptions& options)
{
    return Loader(file.string(), options).load(file);
}

void addFieldMapping(std::map<std::string, std::string>& map, std::string_view assignment, const std::string& origin)
{
    const size_t eq = assignment.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == assignment.size())
        throw InputError(origin, std::string(assignment),
                         "expected FIELD=COLUMN, e.g. prompt=question (the reader's field, then the file's key)");
    map[std::string(assignment.substr(0, eq))] = std::string(assignment.substr(eq + 1));
}

} // namespace tb::core
