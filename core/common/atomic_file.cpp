// SPDX-License-Identifier: MIT
#include "core/common/atomic_file.h"

#include "core/common/error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace tb::core {
namespace fs = std::filesystem;

namespace {

std::string errnoText() { return std::strerror(errno); }

void fsyncDirectory(const fs::path& dir)
{
    const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return; // best effort: some filesystems do not allow opening directories
    ::fsync(fd);
    ::close(fd);
}

} // namespace

void writeAll(int fd, const void* data, size_t size, const fs::path& what)
{
    const auto* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd, p, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw Error("cannot write " + what.string() + ": " + errnoText());
        }
        p += n;
        size -= static_cast<size_t>(n);
    }
}

void writeFileAtomically(const fs::path& target, const std::function<void(int fd)>& write)
{
    const fs::path dir = target.parent_path();
    if (!dir.empty())
        fs::create_directories(dir);
    const fs::path tmp = target.string() + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        throw Error("cannot create " + tmp.string() + ": " + errnoText());
    try {
        write(fd);
        if (::fsync(fd) != 0)
            throw Error("cannot flush " + tmp.string() + ": " + errnoText());
    } catch (...) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    if (::close(fd) != 0) {
        ::unlink(tmp.c_str());
        throw Error("cannot close " + tmp.string() + ": " + errnoText());
    }
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
        const std::string err = errnoText();
        ::unlink(tmp.c_str());
        throw Error("cannot replace " + target.string() + ": " + err);
    }
    fsyncDirectory(dir);
}

void writeFileAtomically(const fs::path& target, std::string_view content)
{
    writeFileAtomically(target, [&](int fd) { writeAll(fd, content.data(), content.size(), target); });
}

void appendLine(const fs::path& file, std::string_view line)
{
    if (!file.parent_path().empty())
        fs::create_directories(file.parent_path());
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        throw Error("cannot open " + file.string() + ": " + errnoText());
    std::string buf(line);
    buf.push_back('\n');
    try {
        writeAll(fd, buf.data(), buf.size(), file);
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
}

void requireRegularFile(const fs::path& file)
{
    struct stat st{};
    if (::stat(file.c_str(), &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            throw InputError(file.string(), "", "does not exist");
        throw InputError(file.string(), "", "cannot be read (" + errnoText() + ")");
    }
    if (S_ISDIR(st.st_mode))
        throw InputError(file.string(), "", "is a directory, expected a file");
    if (!S_ISREG(st.st_mode)) {
        const char* kind = S_ISFIFO(st.st_mode)                         ? "a named pipe"
                           : S_ISSOCK(st.st_mode)                       ? "a socket"
                           : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                                                                        : "not a plain file";
        throw InputError(file.string(), "", std::string("is not a regular file (") + kind + ")");
    }
}

std::string readFile(const fs::path& file, int64_t maxBytes)
{
    requireRegularFile(file); // before open(): opening a FIFO blocks, reading /dev/zero never ends
    std::ifstream in(file, std::ios::binary);
    std::error_code ec;
    if (!in)
        throw InputError(file.string(), "", fs::exists(file, ec) ? "cannot be read (permission denied?)" : "does not exist");
    const auto size = fs::file_size(file, ec);
    if (maxBytes >= 0 && !ec && size > static_cast<uintmax_t>(maxBytes))
        throw InputError(file.string(), "",
                         "is " + std::to_string(size) + " bytes, more than the " + std::to_string(maxBytes) +
                             " bytes accepted for this kind of file");
    std::ostringstream ss;
    ss << in.rdbuf();
    return std::move(ss).str();
}

} // namespace tb::core
