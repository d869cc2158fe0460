#pragma once
/// Test support: a fresh, migrated PostgreSQL database per test (blocking libpq; tests only).
///
/// Usage (link `evp_db_testing`):
///   #include "db/testing.hpp"
///   TEST_CASE("...") {
///     evp::db::testing::TempDatabase tdb;           // CREATE DATABASE evp_t_<pid>_<n>_<rand> + migrations
///     evp::db::Config cfg{.url = tdb.url()};        // hand the URL to a Pool / the server binary
///     tdb.exec("INSERT INTO owners(id) VALUES ('...')");
///     CHECK(tdb.scalar("SELECT count(*) FROM owners") == "1");
///   }                                               // DROP DATABASE ... WITH (FORCE)
///
/// The admin URL comes from EVP_TEST_DATABASE_URL (scripts/test sets it; during development
/// use postgresql://postgres@127.0.0.1:55432/evpower). When it is unset the constructor
/// throws std::runtime_error saying so, so the test fails instead of silently skipping.
/// Migrations are applied by the real runner (db::migrate) from <repo>/migrations.
#include <string>

namespace evp::db::testing {

class TempDatabase {
 public:
  struct Options {
    /// Apply <repo>/migrations (all of them). Off: an empty database.
    bool migrate = true;
    /// Directory of NNN_name.sql files; empty means <repo>/migrations.
    std::string migrations_dir{};
  };

  TempDatabase();
  explicit TempDatabase(Options options);
  /// Drops the database WITH (FORCE), so connections still open do not keep it alive.
  ~TempDatabase();
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;

  /// postgresql:// URL of the fresh database (same server and credentials as the admin URL).
  const std::string& url() const { return url_; }
  /// The database name (evp_t_<pid>_<counter>_<random>).
  const std::string& name() const { return name_; }

  /// Runs `sql` (may hold several statements) on the fresh database; throws std::runtime_error
  /// with the server's message on failure.
  void exec(const std::string& sql) const;
  /// First column of the first row as text ("" for NULL); throws if there is no row.
  std::string scalar(const std::string& sql) const;

  /// EVP_TEST_DATABASE_URL, or throws std::runtime_error explaining how to set it.
  static std::string admin_url();
  /// <repo>/migrations (absolute path of the source tree this was built from).
  static std::string default_migrations_dir();
  /// `url` with its database name replaced by `dbname` (URL or key=value input; URL output).
  static std::string url_with_database(const std::string& url, const std::string& dbname);

 private:
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

}  // namespace evp::db::testing
