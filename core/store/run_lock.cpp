// SPDX-License-Identifier: MIT
#include "core/store/run_lock.h"

#include "core/common/error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <utility>

namespace tb::core {
namespace fs = std::filesystem;

RunLock::RunLock(const fs::path& runDir)
{
    std::error_code ec;
    fs::create_directories(runDir, ec);
    if (ec)
        throw Error("cannot create run folder " + runDir.string() + ": " + ec.message());
    const fs::path file = lockFile(runDir);
    m_fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd < 0)
        throw Error("cannot open " + file.string() + ": " + std::strerror(errno));
    // A reader's isLocked() probe holds the lock for a moment: retry briefly before calling the run busy.
    int err = EWOULDBLOCK;
    for (int attempt = 0; attempt < 20 && err == EWOULDBLOCK; ++attempt) {
        if (attempt > 0)
            ::usleep(10000);
        do {
            err = ::flock(m_fd, LOCK_EX | LOCK_NB) == 0 ? 0 : errno;
        } while (err == EINTR);
    }
    if (err != 0) {
        ::close(m_fd);
        m_fd = -1;
        if (err == EWOULDBLOCK)
            throw Error("the run in " + runDir.string() + " is being trained by another process");
        throw Error("cannot lock " + file.string() + ": " + std::strerror(err));
    }
}

RunLock::~RunLock()
{
    release();
}

RunLock::RunLock(RunLock&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}

RunLock& RunLock::operator=(RunLock&& other) noexcept
{
    if (this != &other) {
        release();
        m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
}

void RunLock::release()
{
    if (m_fd >= 0) {
        ::close(m_fd); // closing the only descriptor of the open file drops the flock
        m_fd = -1;
    }
}

bool RunLock::isLocked(const fs::path& runDir)
{
    const int fd = ::open(lockFile(runDir).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    int rc = 0;
    while ((rc = ::flock(fd, LOCK_EX | LOCK_NB)) != 0 && errno == EINTR) {
    }
    const bool locked = rc != 0 && errno == EWOULDBLOCK;
    ::close(fd);
    return locked;
}

} // namespace tb::core
