// SPDX-License-Identifier: MIT
// Where the built-in resources (the demo corpus and its run setup) are: $TB_RESOURCES_DIR, else the installed
// share/tunebench next to the executable's bin/, else the source tree's resources/ (a build that is not installed).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace tb::app {

inline std::string resourcesDir()
{
    namespace fs = std::filesystem;
    if (const char* env = std::getenv("TB_RESOURCES_DIR"); env && *env)
        return env;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path installed = exe.parent_path().parent_path() / "share" / "tunebench";
        if (fs::exists(installed / "demo" / "demo.yaml", ec))
            return installed.string();
    }
    return TB_SOURCE_RESOURCES_DIR;
}

} // namespace tb::app
