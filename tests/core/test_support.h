// SPDX-License-Identifier: MIT
// Helpers shared by the core tests: paths to test data and a fresh temporary directory per test.
#pragma once

#include <QtTest/QtTest>

#include <filesystem>
#include <string>

namespace tb::test {

inline std::filesystem::path testDataDir() { return TB_TEST_DATA_DIR; }
inline std::filesystem::path sharedDataDir() { return TB_SHARED_DATA_DIR; }
inline std::filesystem::path sourceDir() { return TB_SOURCE_DIR; }
inline std::filesystem::path binaryDir() { return TB_BINARY_DIR; }

/// A directory that exists for the lifetime of the object and is removed afterwards.
class TempDir {
public:
    TempDir()
    {
        std::string tmpl = (std::filesystem::temp_directory_path() / "tunebench-test-XXXXXX").string();
        if (!mkdtemp(tmpl.data()))
            qFatal("mkdtemp failed");
        m_path = tmpl;
    }
    ~TempDir()
    {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return m_path; }
    std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

private:
    std::filesystem::path m_path;
};

/// Writes bytes to a file (binary).
inline void writeBytes(const std::filesystem::path& file, const std::string& bytes)
{
    FILE* f = std::fopen(file.c_str(), "wb");
    QVERIFY2(f != nullptr, file.c_str());
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
}

} // namespace tb::test
