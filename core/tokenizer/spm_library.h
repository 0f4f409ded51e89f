// SPDX-License-Identifier: MIT
// The sentencepiece shim (plugins/spm, libtb_spm.so), loaded at run time. Debian's libsentencepiece carries its own
// protobuf whose symbols collide with libtorch's, so no TuneBench binary links it: the shim alone does, and the core
// dlopen()s it with RTLD_LOCAL | RTLD_DEEPBIND and calls its plain C API (plugins/spm/tb_spm.h). The library stays
// loaded for the life of the process (unloading a protobuf is not safe). Thread-safe.
#pragma once

#include "core/common/error.h"
#include "plugins/spm/tb_spm.h"

#include <filesystem>
#include <string>
#include <vector>

namespace tb::core {

/// The shim is missing, cannot be loaded or is another version: the installation is at fault, not the input.
class SpmLibraryError : public Error {
public:
    using Error::Error;
};

class SpmLibrary {
public:
    /// Names a library to load instead of searching for one.
    static constexpr const char* kPathVariable = "TB_SPM_LIBRARY";
    static constexpr const char* kFileName = "libtb_spm.so";

    /// The process's shim, loaded on first use from $TB_SPM_LIBRARY when set, else the first of searchPaths() that
    /// exists. Throws SpmLibraryError naming where it looked when there is none or it cannot be loaded.
    static const SpmLibrary& shared();
    /// Loads the shim at `path` (tests use this for a missing or wrong library). The result is never unloaded.
    /// Throws SpmLibraryError naming the path and the loader's reason.
    static const SpmLibrary& open(const std::filesystem::path& path);
    /// Where shared() looks without $TB_SPM_LIBRARY: next to the executable, the install lib folder relative to the
    /// executable and absolute, then the build tree.
    static std::vector<std::filesystem::path> searchPaths();

    const std::filesystem::path& path() const { return m_path; }

    decltype(&tb_spm_free) free = nullptr;
    decltype(&tb_spm_train_buffer) trainBuffer = nullptr;
    decltype(&tb_spm_train_file) trainFile = nullptr;
    decltype(&tb_spm_load) load = nullptr;
    decltype(&tb_spm_destroy) destroy = nullptr;
    decltype(&tb_spm_vocab_size) vocabSize = nullptr;
    decltype(&tb_spm_id_to_piece) idToPiece = nullptr;
    decltype(&tb_spm_piece_type) pieceType = nullptr;
    decltype(&tb_spm_encode) encode = nullptr;
    decltype(&tb_spm_decode) decode = nullptr;

    /// Takes a message the library allocated (may be null) and frees it.
    std::string takeError(char* message, const char* fallback) const;

private:
    explicit SpmLibrary(std::filesystem::path path);

    std::filesystem::path m_path;
};

} // namespace tb::core
