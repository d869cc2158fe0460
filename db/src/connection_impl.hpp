#pragma once
// One libpq connection driven by the event loop: non-blocking connect, prepared statements
// keyed by SQL text, simple-protocol scripts (migrations), readiness waits through Asio.
#include <libpq-fe.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "db/db.hpp"

namespace evp::db::detail {

/// Counters and the last failure, shared by a pool and its connections.
struct Shared {
  PoolStats stats;
  std::string last_error;
  /// Set when a connection broke; the next successful open counts as a reconnect.
  std::size_t broken_pending = 0;
  /// Called when a connection is found broken (logs, last_error).
  void report_broken(const std::string& what);
};

class ConnectionImpl : public std::enable_shared_from_this<ConnectionImpl> {
 public:
  ConnectionImpl(asio::any_io_executor executor, Shared& shared);
  ~ConnectionImpl();
  ConnectionImpl(const ConnectionImpl&) = delete;
  ConnectionImpl& operator=(const ConnectionImpl&) = delete;

  /// Opens the connection and applies the session settings; throws Error on failure/timeout.
  asio::awaitable<void> connect(const Config& config);

  /// One statement through the extended protocol, prepared on first use.
  asio::awaitable<Result> query(std::string_view sql, const Params& params);
  /// Like query(), but on a connection in pipeline mode shared by many callers at once:
  /// sends at once and waits for its own result, read in order by one reader coroutine.
  /// A connection used this way is never leased. (connection_pipeline.cpp)
  asio::awaitable<Result> pipelined_query(std::string_view sql, const Params& params);
  /// Statements sent in pipeline mode whose results have not arrived yet.
  std::size_t in_flight() const { return inflight_.size(); }

  /// One or more statements through the simple protocol (no parameters); returns the last
  /// result. Used for COMMIT/ROLLBACK and migration files (DO $$ blocks, many statements).
  asio::awaitable<Result> script(std::string_view sql);

  /// A statement of batch(): without `params` it is sent unprepared (BEGIN); with them it
  /// is prepared on first use, as by query().
  struct Statement {
    std::string_view sql;
    const Params* params = nullptr;
  };
  /// Sends the statements (and the Parse of any not yet prepared) as one pipeline ended by a
  /// single Sync, and reads every result: one round trip for all. One Result per statement;
  /// throws the first error (the server skipped the statements after it).
  /// (connection_pipeline.cpp)
  asio::awaitable<std::vector<Result>> batch(const std::vector<Statement>& statements);

  /// Pool::transaction: BEGIN goes out with the transaction's first statement rather than
  /// as a round trip of its own.
  void defer_begin() { begin_deferred_ = true; }
  /// Whether BEGIN is still deferred (no statement ran since defer_begin()); clears it.
  bool take_deferred_begin() { return std::exchange(begin_deferred_, false); }

  /// The connection can no longer be used (lost, timed out, interrupted mid-statement).
  bool broken() const { return broken_ || conn_ == nullptr || PQstatus(conn_) == CONNECTION_BAD; }
  /// A statement is in flight: releasing the lease now leaves the protocol state unknown.
  bool busy() const { return busy_; }
  /// Not idle at transaction level (an open or failed transaction left behind).
  bool in_transaction() const;
  /// Cheap check of an idle connection before it is leased: reads whatever the server
  /// sent meanwhile (e.g. the FATAL of a shutdown) without waiting. False when broken.
  bool check_idle();

 private:
  enum class Wait { read, write };
  asio::awaitable<void> wait(Wait what);
  asio::awaitable<void> flush();
  /// Collects every result of the command in flight; throws the first error.
  asio::awaitable<Result> collect(std::string_view sql);
  void arm_deadline(std::chrono::milliseconds timeout);
  void disarm_deadline();
  void adopt_socket();
  [[noreturn]] void fail_connection(const std::string& what);
  /// A statement's error (all its results read): counted, and a lost connection is marked
  /// broken and reported once.
  void count_error(const Error& error);
  struct Pending;
  asio::awaitable<void> read_pipeline();
  asio::awaitable<PGresult*> next_result();
  void fail_pending(const Error& error);

  asio::any_io_executor executor_;
  Shared& shared_;
  PGconn* conn_ = nullptr;
  std::optional<asio::posix::stream_descriptor> socket_;
  asio::steady_timer deadline_;
  std::uint64_t deadline_generation_ = 0;
  bool timed_out_ = false;
  bool broken_ = false;
  bool busy_ = false;
  bool connected_ = false;
  bool begin_deferred_ = false;
  std::chrono::milliseconds query_deadline_{0};
  std::unordered_map<std::string, std::string> prepared_;
  bool pipeline_ = false;
  bool reader_running_ = false;
  std::deque<std::shared_ptr<Pending>> inflight_;
  std::uint64_t next_statement_ = 0;
};

/// Reaches the implementation behind a public Connection (migration runner).
struct ConnectionAccess {
  static ConnectionImpl* impl(Connection& c) { return c.impl_; }
};

/// Error with the SQLSTATE and message of a failed result.
Error result_error(const PGresult* res, std::string_view context);

}  // namespace evp::db::detail
