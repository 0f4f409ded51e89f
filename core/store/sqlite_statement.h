// SPDX-License-Identifier: MIT
// Thin RAII wrappers over SQLite's C API for the run registry: a prepared statement with typed binds and columns, a
// one-shot exec and an IMMEDIATE transaction that rolls back unless committed. Errors throw tb::core::Error naming
// the database file. One thread per connection, as SQLite connections are.
#pragma once

#include "core/common/error.h"

#include <sqlite3.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

namespace tb::core::sqlite {

/// "<database file>: <SQLite's message>", for errors after the database was opened.
std::string sqliteError(sqlite3* db, const std::string& what = {});

/// Runs `sql` (no results); throws Error naming the database file.
void exec(sqlite3* db, const char* sql);

/// A prepared statement, finalized on destruction. Binds are 1-based as in SQLite.
class Statement {
public:
    Statement(sqlite3* db, const char* sql) : m_db(db)
    {
        if (sqlite3_prepare_v2(db, sql, -1, &m_stmt, nullptr) != SQLITE_OK)
            throw Error(sqliteError(db, "cannot prepare a statement"));
    }
    ~Statement() { sqlite3_finalize(m_stmt); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int i, const std::string& v)
    {
        return check(sqlite3_bind_text(m_stmt, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    }
    Statement& bind(int i, const char* v) { return bind(i, std::string(v)); }
    Statement& bind(int i, int64_t v) { return check(sqlite3_bind_int64(m_stmt, i, v)); }
    Statement& bind(int i, double v)
    {
        // SQLite stores NaN as NULL; keep infinities as they are (REAL supports them).
        return check(std::isnan(v) ? sqlite3_bind_null(m_stmt, i) : sqlite3_bind_double(m_stmt, i, v));
    }
    Statement& bind(int i, const std::optional<double>& v)
    {
        return v ? bind(i, *v) : check(sqlite3_bind_null(m_stmt, i));
    }
    Statement& bindNullIfEmpty(int i, const std::string& v)
    {
        return v.empty() ? check(sqlite3_bind_null(m_stmt, i)) : bind(i, v);
    }

    /// Advances to the next row; false when done.
    bool step()
    {
        const int rc = sqlite3_step(m_stmt);
        if (rc == SQLITE_ROW)
            return true;
        if (rc == SQLITE_DONE)
            return false;
        throw Error(sqliteError(m_db));
    }
    /// Steps through all rows, then resets the statement so it can be bound and run again.
    void run()
    {
        while (step()) {
        }
        sqlite3_reset(m_stmt);
    }

    std::string text(int col) const
    {
        const auto* p = sqlite3_column_text(m_stmt, col);
        return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(m_stmt, col)))
                 : std::string();
    }
    int64_t integer(int col) const { return sqlite3_column_int64(m_stmt, col); }
    double real(int col) const { return sqlite3_column_double(m_stmt, col); }
    bool isNull(int col) const { return sqlite3_column_type(m_stmt, col) == SQLITE_NULL; }
    std::optional<double> optionalReal(int col) const
    {
        return isNull(col) ? std::nullopt : std::optional<double>(real(col));
    }

private:
    Statement& check(int rc)
    {
        if (rc != SQLITE_OK)
            throw Error(sqliteError(m_db, "cannot bind a value"));
        return *this;
    }

    sqlite3* m_db;
    sqlite3_stmt* m_stmt = nullptr;
};

/// BEGIN IMMEDIATE (take the write lock up front, so no reader-to-writer upgrade can deadlock) ... COMMIT; rolls
/// back when left without commit(), e.g. by an exception.
class Transaction {
public:
    explicit Transaction(sqlite3* db) : m_db(db) { exec(db, "BEGIN IMMEDIATE"); }
    ~Transaction()
    {
        if (m_db)
            sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit()
    {
        exec(m_db, "COMMIT");
        m_db = nullptr;
    }

private:
    sqlite3* m_db;
};

} // namespace tb::core::sqlite
