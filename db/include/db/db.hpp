#pragma once
/// PostgreSQL access that never blocks the event loop.
///
/// libpq connections are opened with PQconnectStart/PQconnectPoll, run in non-blocking
/// mode and wait for socket readiness through Asio on the executor given to the Pool.
/// Everything here runs on that one executor (single-threaded, no locks).
///
/// Usage:
///   auto r = co_await pool.query("SELECT balance FROM clients WHERE id = $1", db::params(id));
///   co_await pool.transaction([&](db::Connection& tx) -> asio::awaitable<void> {
///     co_await tx.query("UPDATE ...", db::params(...));
///     co_await tx.query("INSERT INTO push_outbox ...", db::params(...));
///   });
/// GCC 12 pitfalls inside co_await expressions: a braced list `{id}` does not compile (use
/// db::params(...)), and a conditional `c ? a : b` among the arguments miscompiles (crash):
/// compute such values into a local first.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

typedef struct pg_result PGresult;

namespace evp::db {

namespace asio = boost::asio;

struct Config {
  /// libpq connection string or URL (postgresql://user:pass@host:port/db).
  std::string url{};
  std::size_t pool_size = 8;
  std::chrono::milliseconds connect_timeout{5000};
  /// Sent as `SET statement_timeout` on every new connection.
  std::chrono::milliseconds statement_timeout{10000};
  /// How long acquire() waits for a free connection before failing.
  std::chrono::milliseconds acquire_timeout{5000};
  /// Multiplex concurrent autocommit Pool::query() calls on one extra connection in libpq
  /// pipeline mode (each query is followed by its own Sync, so each is still its own
  /// transaction and an error affects only that query). Leases and transactions are not
  /// affected. Pays off with many small concurrent reads (see db_bench). Not for writes
  /// with fsync on: every Sync on the one backend commits after the previous one, so
  /// concurrent writers lose group commit (measured 2.7-9x slower than leased connections).
  bool pipeline = false;
};

/// A database failure. `sqlstate` is the five-character SQLSTATE when the server sent
/// one (e.g. "23505" unique violation, "40001" serialization failure), empty otherwise.
class Error : public std::runtime_error {
 public:
  Error(const std::string& message, std::string sqlstate = {}, bool connection_lost = false)
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)), connection_lost_(connection_lost) {}
  const std::string& sqlstate() const { return sqlstate_; }
  /// The connection broke (server restart, network): the pool reconnects on its own.
  bool connection_lost() const { return connection_lost_; }
  bool unique_violation() const { return sqlstate_ == "23505"; }

 private:
  std::string sqlstate_;
  bool connection_lost_;
};

/// A text-format parameter; nullopt is SQL NULL.
using Param = std::optional<std::string>;
using Params = std::vector<Param>;

/// Helpers to build parameters from typed values.
inline Param param(std::string_view s) { return std::string(s); }
Param param(std::int64_t v);
inline Param param(int v) { return param(static_cast<std::int64_t>(v)); }
Param param(bool v);
/// Without these a string literal would pick param(bool) (pointer-to-bool beats string_view).
inline Param param(const char* s) { return s ? Param(std::string(s)) : std::nullopt; }
inline Param param(const std::string& s) { return s; }
inline Param param(const Param& p) { return p; }
inline Param param(std::nullopt_t) { return std::nullopt; }
template <typename T>
Param param(const std::optional<T>& v) {
  return v ? param(*v) : std::nullopt;
}
inline Param null() { return std::nullopt; }

/// Builds Params from typed values: `co_await pool.query(sql, db::params(id, 42, db::null()))`.
/// Use this (or a named Params variable) instead of a braced list: GCC 12 rejects a braced
/// list inside a co_await expression (`co_await pool.query(sql, {id})` -> "array used as
/// initializer").
template <typename... Args>
Params params(const Args&... args) {
  Params out;
  out.reserve(sizeof...(Args));
  (out.push_back(param(args)), ...);
  return out;
}

/// The rows of one statement (text format). Movable, owns the PGresult.
class Result {
 public:
  Result() = default;
  explicit Result(PGresult* r);
  Result(Result&&) noexcept;
  Result& operator=(Result&&) noexcept;
  ~Result();

  int rows() const;
  int columns() const;
  /// Rows affected by INSERT/UPDATE/DELETE.
  std::int64_t affected() const;
  /// The command tag without the row count, e.g. "INSERT 0 1", "COMMIT", "ROLLBACK".
  std::string_view command_status() const;
  bool empty() const { return rows() == 0; }
  bool is_null(int row, int col) const;
  /// Column value as text (empty for NULL). Points into this Result: copy it into a
  /// std::string before the Result goes away.
  std::string_view get(int row, int col) const;
  std::optional<std::string> opt(int row, int col) const;
  std::int64_t get_int(int row, int col) const;
  bool get_bool(int row, int col) const;
  /// Column index by name; throws Error if absent.
  int column(std::string_view name) const;

 private:
  PGresult* res_ = nullptr;
};

class Pool;
namespace detail {
class ConnectionImpl;
struct ConnectionAccess;
struct PoolState;
}  // namespace detail

/// One connection leased from the pool. Statements are prepared on first use per
/// connection and reused afterwards (keyed by SQL text).
class Connection {
 public:
  asio::awaitable<Result> query(std::string_view sql, Params params = {});

 private:
  friend class Pool;
  friend class Lease;
  friend struct detail::ConnectionAccess;
  explicit Connection(detail::ConnectionImpl* impl) : impl_(impl) {}
  detail::ConnectionImpl* impl_;
};

/// RAII lease; returns the connection to the pool when destroyed. It keeps the pool's
/// state alive: a coroutine frame holding a lease may be destroyed after the Pool (an
/// io_context torn down after its services), and then the connection is simply closed.
class Lease {
 public:
  Lease(Lease&&) noexcept;
  Lease& operator=(Lease&&) = delete;
  ~Lease();
  Connection& operator*() { return conn_; }
  Connection* operator->() { return &conn_; }

 private:
  friend class Pool;
  Lease(std::shared_ptr<detail::PoolState> state, detail::ConnectionImpl* impl);
  std::shared_ptr<detail::PoolState> state_;
  Connection conn_;
};

struct PoolStats {
  std::size_t connections = 0;  ///< open (including the pipelined one)
  std::size_t idle = 0;
  std::size_t waiting = 0;  ///< coroutines waiting in acquire()
  std::uint64_t queries = 0;
  /// Exchanges with the server that ended in a Sync (or a simple-protocol query): each is one
  /// wait for the network and the server. A statement sent with its Parse, or a transaction's
  /// BEGIN with its first statement, is one round trip; so is one autocommit statement.
  std::uint64_t round_trips = 0;
  std::uint64_t errors = 0;
  std::uint64_t reconnects = 0;
};

class Pool {
 public:
  Pool(asio::any_io_executor executor, Config config);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  /// Opens the first connection; throws Error (with the server's message) when the
  /// database cannot be reached within connect_timeout. Further connections open lazily.
  asio::awaitable<void> start();

  /// Waits (up to acquire_timeout) for an idle connection, opening one if below pool_size.
  /// A broken connection is replaced transparently.
  asio::awaitable<Lease> acquire();

  /// One autocommit statement on any connection (on the shared pipelined connection when
  /// Config::pipeline is set). Do not rely on session state (SET, temp tables) here.
  asio::awaitable<Result> query(std::string_view sql, Params params = {});

  /// BEGIN … COMMIT around `body`; ROLLBACK and rethrow if `body` throws. BEGIN is sent with
  /// the body's first statement (one round trip), and a body that runs none commits nothing. Retries the whole
  /// body up to 3 times on serialization failure or deadlock (SQLSTATE 40001/40P01), so
  /// `body` must be safe to run again.
  asio::awaitable<void> transaction(std::function<asio::awaitable<void>(Connection&)> body);

  /// Closes every connection; pending acquire() calls fail.
  void stop();

  PoolStats stats() const;
  /// The configuration the pool was made with (a component that needs connections of its
  /// own, apart from the shared ones, opens a second Pool with it).
  const Config& config() const;
  /// Last connection failure seen (empty once a connection succeeds again).
  std::string last_error() const;

 private:
  friend class Lease;
  using State = detail::PoolState;
  static void release(State& s, detail::ConnectionImpl* impl);
  std::shared_ptr<State> state_;
};

/// Applies `dir/NNN_name.sql` files not yet recorded in `schema_migrations`, in order,
/// each in its own transaction. Returns the names applied (empty when up to date).
/// Idempotent. Throws Error naming the failing file.
asio::awaitable<std::vector<std::string>> migrate(Pool& pool, const std::string& dir);

/// Rolls back the newest `steps` applied migrations using `dir/NNN_name.down.sql`.
asio::awaitable<std::vector<std::string>> rollback(Pool& pool, const std::string& dir, int steps);

}  // namespace evp::db
