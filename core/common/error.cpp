// SPDX-License-Identifier: MIT
#include "core/common/error.h"

namespace tb::core {
namespace {

std::string formatInputError(const std::string& file, const std::string& field, const std::string& message,
                             int64_t line, int64_t byteOffset)
{
    // Plain appends: GCC 12 at -O3 reports a false -Wstringop-overflow for `"literal" + std::string`.
    std::string out = file.empty() ? std::string("input") : file;
    if (line >= 0) {
        out += ':';
        out += std::to_string(line);
    }
    if (byteOffset >= 0) {
        out += " (byte ";
        out += std::to_string(byteOffset);
        out += ')';
    }
    if (!field.empty()) {
        out += ": ";
        out += field;
    }
    out += ": ";
    out += message;
    return out;
}

} // namespace

InputError::InputError(std::string file, std::string field, std::string message, int64_t line, int64_t byteOffset)
    : Error(formatInputError(file, field, message, line, byteOffset)),
      m_file(std::move(file)),
      m_field(std::move(field)),
      m_message(std::move(message)),
      m_line(line),
      m_byteOffset(byteOffset)
{
}

} // namespace tb::core
