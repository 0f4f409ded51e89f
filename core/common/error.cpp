// SPDX-License-Identifier: MIT
#include "core/common/error.h"

#include <sstream>

namespace tb::core {
namespace {

std::string formatInputError(const std::string& file, const std::string& field, const std::string& message,
                             int64_t line, int64_t byteOffset)
{
    std::ostringstream out;
    out << (file.empty() ? std::string("input") : file);
    if (line >= 0)
        out << ':' << line;
    if (byteOffset >= 0)
        out << " (byte " << byteOffset << ')';
    if (!field.empty())
        out << ": " << field;
    out << ": " << message;
    return out.str();
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
