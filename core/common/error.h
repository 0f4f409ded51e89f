// SPDX-License-Identifier: MIT
// Exceptions thrown by the core. InputError is a user's mistake (bad file, bad config value): the CLI maps it to
// exit code 2 and the GUI shows its message as is. Any thread may throw and catch these.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace tb::core {

/// Base class of every error the core throws on purpose.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Bad input from the user: a file that cannot be read or parsed, a config key or value that is wrong.
/// what() is a complete sentence that names the file and, where known, the line, byte offset and field.
class InputError : public Error {
public:
    InputError(std::string file, std::string field, std::string message, int64_t line = -1, int64_t byteOffset = -1);

    const std::string& file() const { return m_file; }
    const std::string& field() const { return m_field; }
    const std::string& message() const { return m_message; }
    int64_t line() const { return m_line; }
    int64_t byteOffset() const { return m_byteOffset; }

private:
    std::string m_file;
    std::string m_field;
    std::string m_message;
    int64_t m_line;
    int64_t m_byteOffset;
};

/// Training cannot go on (loss became NaN/Inf, a checkpoint is inconsistent with the run). Not the user's input.
class TrainError : public Error {
public:
    using Error::Error;
};

} // namespace tb::core
