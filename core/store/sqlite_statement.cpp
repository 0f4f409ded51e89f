// SPDX-License-Identifier: MIT
#include "core/store/sqlite_statement.h"

namespace tb::core::sqlite {

std::string sqliteError(sqlite3* db, const std::string& what)
{
    const char* file = sqlite3_db_filename(db, "main");
    return std::string(file && *file ? file : "run registry") + ": " + (what.empty() ? "" : what + ": ") +
           sqlite3_errmsg(db);
}

void exec(sqlite3* db, const char* sql)
{
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string text = message ? message : sqlite3_errmsg(db);
        sqlite3_free(message);
        const char* file = sqlite3_db_filename(db, "main");
        throw Error(std::string(file && *file ? file : "run registry") + ": " + text);
    }
}

} // namespace tb::core::sqlite
