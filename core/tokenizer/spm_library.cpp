// SPDX-License-Identifier: MIT
#include "core/tokenizer/spm_library.h"

#include "core/common/error.h"

#include <dlfcn.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <system_error>

// Set by core/CMakeLists.txt for this file only.
#ifndef TB_SPM_BUILD_PATH
#define TB_SPM_BUILD_PATH ""
#endif
#ifndef TB_SPM_INSTALL_LIBDIR
#define TB_SPM_INSTALL_LIBDIR "lib"
#endif
#ifndef TB_SPM_INSTALL_FULL_LIBDIR
#define TB_SPM_INSTALL_FULL_LIBDIR ""
#endif

namespace tb::core {
namespace fs = std::filesystem;

namespace {

// RTLD_DEEPBIND makes the shim and libsentencepiece prefer their own symbols (their protobuf) over the ones already
// in the process (libtorch's). AddressSanitizer refuses RTLD_DEEPBIND, so sanitizer builds do without it.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kOpenFlags = RTLD_NOW | RTLD_LOCAL;
#else
constexpr int kOpenFlags = RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND;
#endif

fs::path executableDir()
{
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : exe.parent_path();
}

template <typename F>
void bind(void* handle, const fs::path& path, const char* name, F& target)
{
    void* symbol = dlsym(handle, name);
    if (!symbol)
        throw SpmLibraryError("the sentencepiece library " + path.string() + " lacks " + name +
                    " (an older or foreign build; rebuild the tb_spm target)");
    target = reinterpret_cast<F>(symbol);
}

} // namespace

SpmLibrary::SpmLibrary(fs::path path) : m_path(std::move(path))
{
    dlerror();
    void* handle = dlopen(m_path.c_str(), kOpenFlags);
    if (!handle) {
        const char* reason = dlerror();
        throw SpmLibraryError("cannot load the sentencepiece library " + m_path.string() + ": " +
                    (reason ? reason : "unknown reason"));
    }
    decltype(&tb_spm_abi_version) abiVersion = nullptr;
    bind(handle, m_path, "tb_spm_abi_version", abiVersion);
    if (abiVersion() != TB_SPM_ABI_VERSION)
        throw SpmLibraryError("the sentencepiece library " + m_path.string() + " has interface version " +
                    std::to_string(abiVersion()) + ", this program needs " + std::to_string(TB_SPM_ABI_VERSION) +
                    " (rebuild the tb_spm target)");
    bind(handle, m_path, "tb_spm_free", free);
    bind(handle, m_path, "tb_spm_train_buffer", trainBuffer);
    bind(handle, m_path, "tb_spm_train_file", trainFile);
    bind(handle, m_path, "tb_spm_load", load);
    bind(handle, m_path, "tb_spm_destroy", destroy);
    bind(handle, m_path, "tb_spm_vocab_size", vocabSize);
    bind(handle, m_path, "tb_spm_id_to_piece", idToPiece);
    bind(handle, m_path, "tb_spm_piece_type", pieceType);
    bind(handle, m_path, "tb_spm_encode", encode);
    bind(handle, m_path, "tb_spm_decode", decode);
    // The handle is deliberately never closed (see the header).
}

std::vector<fs::path> SpmLibrary::searchPaths()
{
    std::vector<fs::path> paths;
    const fs::path exeDir = executableDir();
    if (!exeDir.empty()) {
        paths.push_back(exeDir / kFileName);
        paths.push_back((exeDir / ".." / TB_SPM_INSTALL_LIBDIR / "tunebench" / kFileName).lexically_normal());
    }
    if (*TB_SPM_INSTALL_FULL_LIBDIR)
        paths.push_back(fs::path(TB_SPM_INSTALL_FULL_LIBDIR) / "tunebench" / kFileName);
    if (*TB_SPM_BUILD_PATH)
        paths.emplace_back(TB_SPM_BUILD_PATH);
    return paths;
}

const SpmLibrary& SpmLibrary::open(const fs::path& path)
{
    // One instance per path, kept for the life of the process like the loaded code itself.
    static std::mutex mutex;
    static std::map<fs::path, std::unique_ptr<SpmLibrary>> loaded;
    const std::lock_guard lock(mutex);
    auto& slot = loaded[path];
    if (!slot) {
        std::error_code ec;
        if (!fs::exists(path, ec)) {
            loaded.erase(path);
            throw SpmLibraryError("the sentencepiece library " + path.string() +
                        " does not exist (build the tb_spm target, or point " + kPathVariable + " at libtb_spm.so)");
        }
        try {
            slot.reset(new SpmLibrary(path));
        } catch (...) {
            loaded.erase(path);
            throw;
        }
    }
    return *slot;
}

const SpmLibrary& SpmLibrary::shared()
{
    if (const char* env = std::getenv(kPathVariable); env && *env)
        return open(env);
    std::string looked;
    for (const auto& p : searchPaths()) {
        std::error_code ec;
        if (fs::exists(p, ec))
            return open(p);
        looked += (looked.empty() ? "" : ", ") + p.string();
    }
    throw SpmLibraryError(std::string("the sentencepiece library ") + kFileName + " was not found (looked in " + looked +
                "); build the tb_spm target or set " + kPathVariable + " to its path");
}

std::string SpmLibrary::takeError(char* message, const char* fallback) const
{
    std::string text = message && *message ? message : fallback;
    if (message)
        free(message);
    return text;
}

} // namespace tb::core
