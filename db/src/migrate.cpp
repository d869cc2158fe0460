// Migration runner: NNN_name.sql forward, NNN_name.down.sql back, one transaction each,
// recorded in schema_migrations(version = "NNN_name").
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "connection_impl.hpp"

namespace evp::db {

namespace {

namespace fs = std::filesystem;

// Any fixed number: it only has to differ from other advisory locks of this application.
constexpr const char* kLock = "SELECT pg_advisory_lock(4242001)";
constexpr const char* kUnlock = "SELECT pg_advisory_unlock(4242001)";

struct MigrationFile {
  long number;
  std::string version;  // file name without ".sql"
  fs::path path;
};

std::vector<MigrationFile> list_migrations(const std::string& dir) {
  static const std::regex pattern(R"(^(\d+)_[A-Za-z0-9_\-]+\.sql$)");
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) throw Error("migrations directory " + dir + ": " + ec.message());
  std::vector<MigrationFile> out;
  for (const auto& entry : it) {
    std::string name = entry.path().filename().string();
    std::smatch m;
    if (!entry.is_regular_file() || name.ends_with(".down.sql") || !std::regex_match(name, m, pattern)) continue;
    out.push_back({std::stol(m[1]), name.substr(0, name.size() - 4), entry.path()});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.number != b.number ? a.number < b.number : a.version < b.version;
  });
  for (std::size_t i = 1; i < out.size(); ++i) {
    if (out[i].number == out[i - 1].number) {
      throw Error("two migrations share number " + std::to_string(out[i].number) + ": " + out[i - 1].version +
                  ".sql and " + out[i].version + ".sql");
    }
  }
  return out;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read migration file " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Runs `sql` in one transaction together with the schema_migrations bookkeeping.
asio::awaitable<void> apply_one(detail::ConnectionImpl& c, const std::string& file, const std::string& sql,
                                const std::string& record_sql, const std::string& version) {
  std::optional<Error> failure;
  try {
    co_await c.script("BEGIN");
    // Migrations may legitimately run longer than the service's statement timeout.
    co_await c.script("SET LOCAL statement_timeout = 0");
    co_await c.script(sql);
    co_await c.query(record_sql, params(version));
    co_await c.script("COMMIT");
  } catch (const Error& e) {
    failure.emplace("migration " + file + " failed: " + e.what(), e.sqlstate(), e.connection_lost());
  }
  if (!failure) co_return;
  if (!c.broken() && c.in_transaction()) {
    try {
      co_await c.script("ROLLBACK");
    } catch (const Error&) {
    }
  }
  throw *failure;
}

/// Holds the migration advisory lock on one connection for the body, so two processes
/// starting at once do not apply the same file twice.
using Body = std::function<asio::awaitable<std::vector<std::string>>()>;

asio::awaitable<std::vector<std::string>> locked(detail::ConnectionImpl& c, Body body) {
  co_await c.script(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, "
      "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
  co_await c.script(kLock);
  std::vector<std::string> done;
  std::exception_ptr failure;
  try {
    done = co_await body();
  } catch (...) {
    failure = std::current_exception();
  }
  if (!c.broken()) co_await c.script(kUnlock);
  if (failure) std::rethrow_exception(failure);
  co_return done;
}

}  // namespace

asio::awaitable<std::vector<std::string>> migrate(Pool& pool, const std::string& dir) {
  auto files = list_migrations(dir);
  auto lease = co_await pool.acquire();
  auto& c = *detail::ConnectionAccess::impl(*lease);
  co_return co_await locked(c, [&]() -> asio::awaitable<std::vector<std::string>> {
    std::set<std::string> applied;
    Result r = co_await c.script("SELECT version FROM schema_migrations");
    for (int i = 0; i < r.rows(); ++i) applied.emplace(r.get(i, 0));
    std::vector<std::string> done;
    for (const auto& f : files) {
      if (applied.contains(f.version)) continue;
      std::string file = f.path.filename().string();
      co_await apply_one(c, file, read_file(f.path),
                         "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())", f.version);
      spdlog::debug("db: applied migration {}", file);
      done.push_back(f.version);
    }
    co_return done;
  });
}

asio::awaitable<std::vector<std::string>> rollback(Pool& pool, const std::string& dir, int steps) {
  auto lease = co_await pool.acquire();
  auto& c = *detail::ConnectionAccess::impl(*lease);
  co_return co_await locked(c, [&]() -> asio::awaitable<std::vector<std::string>> {
    Result r = co_await c.query(
        "SELECT version FROM schema_migrations "
        "ORDER BY substring(version from '^[0-9]+')::bigint DESC, version DESC LIMIT $1",
        params(std::max(steps, 0)));
    std::vector<std::string> done;
    for (int i = 0; i < r.rows(); ++i) {
      std::string version(r.get(i, 0));
      std::string file = version + ".down.sql";
      fs::path path = fs::path(dir) / file;
      if (!fs::exists(path)) throw Error("rollback file " + path.string() + " is missing");
      co_await apply_one(c, file, read_file(path), "DELETE FROM schema_migrations WHERE version = $1", version);
      spdlog::debug("db: rolled back migration {}", version);
      done.push_back(version);
    }
    co_return done;
  });
}

}  // namespace evp::db
