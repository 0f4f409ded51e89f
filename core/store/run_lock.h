// SPDX-License-Identifier: MIT
// The "this run is being trained" lock: an exclusive flock() on <runDir>/.lock, held by the process that trains the
// run and released by the kernel when that process dies, however it dies. The run registry reads a free lock on a
// run whose status is still `running` as "its process died" (see RunRegistry::markInterruptedRuns). flock locks
// belong to an open file, so two RunLocks on one run conflict even inside one process. Any thread; one object is
// used by one thread at a time.
#pragma once

#include <filesystem>

namespace tb::core {

class RunLock {
public:
    /// Takes the lock on `runDir`, creating the folder and its .lock file if needed. Throws Error naming the run
    /// folder if another RunLock (any process) holds it, or if the file cannot be created.
    explicit RunLock(const std::filesystem::path& runDir);
    ~RunLock();
    RunLock(RunLock&& other) noexcept;
    RunLock& operator=(RunLock&& other) noexcept;
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;

    /// Whether some RunLock (this process or another) holds the lock of `runDir` right now. A folder without a
    /// .lock file is not locked.
    static bool isLocked(const std::filesystem::path& runDir);
    static std::filesystem::path lockFile(const std::filesystem::path& runDir) { return runDir / ".lock"; }

    /// Releases the lock now (the destructor does it otherwise).
    void release();

private:
    int m_fd = -1;
};

} // namespace tb::core
