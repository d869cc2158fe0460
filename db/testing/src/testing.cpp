// TempDatabase: blocking libpq is fine here, this library is linked into tests only.
#include "db/testing.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdlib>
#include <memory>
#include <random>
#include <stdexcept>

#include "db/db.hpp"

#ifndef EVP_SOURCE_DIR
#define EVP_SOURCE_DIR "."
#endif

namespace evp::db::testing {
namespace {

using PgConn = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using PgRes = std::unique_ptr<PGresult, decltype(&PQclear)>;

PgConn connect(const std::string& url) {
  PgConn c(PQconnectdb(url.c_str()), &PQfinish);
  if (PQstatus(c.get()) != CONNECTION_OK) {
    throw std::runtime_error("TempDatabase: cannot connect to " + url + ": " + PQerrorMessage(c.get()));
  }
  return c;
}

PgRes run(PGconn* c, const std::string& sql) {
  PgRes r(PQexec(c, sql.c_str()), &PQclear);
  auto st = PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    throw std::runtime_error("TempDatabase: `" + sql.substr(0, 200) + "` failed: " + PQresultErrorMessage(r.get()));
  }
  return r;
}

std::string percent_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += hex[ch >> 4];
      out += hex[ch & 15];
    }
  }
  return out;
}

std::string unique_name() {
  static std::atomic<unsigned> counter{0};
  std::random_device rd;
  unsigned r = rd() & 0xffffff;
  char buf[64];
  std::snprintf(buf, sizeof buf, "evp_t_%d_%u_%06x", static_cast<int>(getpid()), counter++, r);
  return buf;
}

}  // namespace

std::string TempDatabase::admin_url() {
  const char* v = std::getenv("EVP_TEST_DATABASE_URL");
  if (v == nullptr || *v == '\0') {
    throw std::runtime_error(
        "EVP_TEST_DATABASE_URL is not set: database tests need an admin URL of a scratch PostgreSQL cluster "
        "(scripts/test sets it; for development: "
        "export EVP_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:55432/evpower)");
  }
  return v;
}

std::string TempDatabase::default_migrations_dir() { return std::string(EVP_SOURCE_DIR) + "/migrations"; }

std::string TempDatabase::url_with_database(const std::string& url, const std::string& dbname) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (opts == nullptr) {
    std::string msg = err ? err : "invalid connection string";
    PQfreemem(err);
    throw std::runtime_error("TempDatabase: cannot parse " + url + ": " + msg);
  }
  std::string user, password, host, port, query;
  // append() rather than operator+ chains: GCC 12 reports a false -Wrestrict on those.
  auto add_query = [&query](const std::string& k, const std::string& v) {
    query.append(query.empty() ? "?" : "&").append(k).append("=").append(percent_encode(v));
  };
  for (auto* o = opts; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    std::string k = o->keyword, v = o->val;
    if (k == "user") {
      user = v;
    } else if (k == "password") {
      password = v;
    } else if (k == "host") {
      host = v;
    } else if (k == "port") {
      port = v;
    } else if (k != "dbname") {
      // Everything else (sslmode, hostaddr, options, ...) carries over as a query parameter.
      add_query(k, v);
    }
  }
  PQconninfoFree(opts);
  std::string out = "postgresql://";
  if (!user.empty()) {
    out.append(percent_encode(user));
    if (!password.empty()) out.append(":").append(percent_encode(password));
    out.append("@");
  }
  // A socket directory (starts with '/') cannot sit in the authority part: pass it as a parameter.
  if (!host.empty() && host.front() == '/') {
    add_query("host", host);
  } else if (host.find(':') != std::string::npos) {
    out.append("[").append(host).append("]");
  } else {
    out += host;
  }
  if (!port.empty()) out.append(":").append(port);
  out.append("/").append(percent_encode(dbname)).append(query);
  return out;
}

TempDatabase::TempDatabase() : TempDatabase(Options{}) {}

TempDatabase::TempDatabase(Options options) : admin_url_(admin_url()), name_(unique_name()) {
  {
    auto admin = connect(admin_url_);
    run(admin.get(), "CREATE DATABASE " + name_);
  }
  url_ = url_with_database(admin_url_, name_);
  if (!options.migrate) return;
  std::string dir = options.migrations_dir.empty() ? default_migrations_dir() : options.migrations_dir;
  try {
    // The real runner on a private loop, so tests see exactly the production schema_migrations.
    boost::asio::io_context io;
    Pool pool(io.get_executor(), Config{.url = url_, .pool_size = 1});
    auto fut = boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
          co_await pool.start();
          co_await migrate(pool, dir);
          pool.stop();
        },
        boost::asio::use_future);
    io.run();
    fut.get();
  } catch (...) {
    try {
      auto admin = connect(admin_url_);
      run(admin.get(), "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (...) {
    }
    throw;
  }
}

TempDatabase::~TempDatabase() {
  try {
    auto admin = connect(admin_url_);
    run(admin.get(), "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception&) {
    // A destructor must not throw; a leftover evp_t_* database is harmless on a scratch cluster.
  }
}

void TempDatabase::exec(const std::string& sql) const {
  auto c = connect(url_);
  run(c.get(), sql);
}

std::string TempDatabase::scalar(const std::string& sql) const {
  auto c = connect(url_);
  auto r = run(c.get(), sql);
  if (PQntuples(r.get()) < 1 || PQnfields(r.get()) < 1) {
    throw std::runtime_error("TempDatabase::scalar: `" + sql.substr(0, 200) + "` returned no row");
  }
  return PQgetvalue(r.get(), 0, 0);
}

}  // namespace evp::db::testing
