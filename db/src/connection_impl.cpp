// libpq in non-blocking mode on the event loop. Every wait goes through Asio; nothing here
// blocks except poll() with a zero timeout.
#include "connection_impl.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>

namespace evp::db::detail {

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

/// libpq messages end in a newline and continue on tab-indented lines: make them one log line.
std::string trim(const std::string& in) {
  std::string s;
  for (char ch : in) {
    if (ch == '\n' || ch == '\t') {
      if (!s.empty() && s.back() != ' ') s += ' ';
    } else {
      s += ch;
    }
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

bool connection_sqlstate(const std::string& state) {
  // The server is ending the session (admin shutdown, crash recovery, cannot connect now).
  // Class 08 is not listed: the server also uses 08P01 for a bad bind on a live session;
  // a real loss shows up as CONNECTION_BAD, which collect() checks.
  return state == "57P01" || state == "57P02" || state == "57P03";
}

void on_notice(void*, const PGresult* res) {
  // Notices ("relation already exists, skipping") would otherwise go to stderr.
  spdlog::debug("postgres: {}", trim(PQresultErrorMessage(res)));
}

/// True when `host` is a name that libpq would resolve synchronously inside PQconnectPoll.
bool needs_resolution(const std::string& host) {
  if (host.empty() || host.front() == '/' || host.find(',') != std::string::npos) return false;
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return bool(ec);
}

}  // namespace

void Shared::report_broken(const std::string& what) {
  last_error = what;
  ++broken_pending;
  spdlog::warn("db: connection lost: {}", what);
}

Error result_error(const PGresult* res, std::string_view context) {
  const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  std::string message = trim(PQresultErrorMessage(res));
  if (message.empty()) message = std::string("unexpected result ") + PQresStatus(PQresultStatus(res));
  std::string sqlstate = state ? state : "";
  std::string full = context.empty() ? message : message + " (in: " + std::string(context.substr(0, 120)) + ")";
  return Error(full, sqlstate, connection_sqlstate(sqlstate));
}

ConnectionImpl::ConnectionImpl(asio::any_io_executor executor, Shared& shared)
    : executor_(std::move(executor)), shared_(shared), deadline_(executor_) {}

ConnectionImpl::~ConnectionImpl() {
  disarm_deadline();
  socket_.reset();  // closes our dup() of the socket
  if (conn_ != nullptr) PQfinish(conn_);
}

bool ConnectionImpl::in_transaction() const { return conn_ != nullptr && PQtransactionStatus(conn_) != PQTRANS_IDLE; }

void ConnectionImpl::adopt_socket() {
  // libpq may switch sockets while connecting (several hosts, SSL fallback), so the
  // descriptor is re-created from a dup() of whatever PQsocket() is now.
  socket_.reset();
  int fd = PQsocket(conn_);
  if (fd < 0) fail_connection("no socket");
  int copy = ::dup(fd);
  if (copy < 0) fail_connection(std::string("dup: ") + std::strerror(errno));
  socket_.emplace(executor_, copy);
}

void ConnectionImpl::fail_connection(const std::string& what) {
  broken_ = true;
  std::string msg = what;
  if (conn_ != nullptr) {
    std::string pq = trim(PQerrorMessage(conn_));
    if (!pq.empty() && msg.find(pq) == std::string::npos) msg += ": " + pq;
  }
  // A connection that never opened is reported once, by the pool's acquire().
  if (connected_) {
    ++shared_.stats.errors;
    shared_.report_broken(msg);
  }
  throw Error(msg, {}, true);
}

void ConnectionImpl::count_error(const Error& error) {
  ++shared_.stats.errors;
  if (error.connection_lost()) {
    broken_ = true;
    shared_.report_broken(error.what());
  }
}

void ConnectionImpl::arm_deadline(std::chrono::milliseconds timeout) {
  timed_out_ = false;
  auto generation = ++deadline_generation_;
  deadline_.expires_after(timeout);
  // The handler may run after this connection is gone or re-armed: it checks both.
  deadline_.async_wait([weak = weak_from_this(), generation](boost::system::error_code ec) {
    if (ec) return;
    auto self = weak.lock();
    if (!self || self->deadline_generation_ != generation) return;
    self->timed_out_ = true;
    if (self->socket_) self->socket_->cancel();
  });
}

void ConnectionImpl::disarm_deadline() {
  ++deadline_generation_;
  deadline_.cancel();
}

asio::awaitable<void> ConnectionImpl::wait(Wait what) {
  if (timed_out_) fail_connection("timed out");
  // Asio's epoll reactor is edge-triggered and a wait does not look at readiness that
  // arrived before it started; libpq does not always drain the socket. A zero-timeout
  // poll() closes that gap.
  pollfd p{PQsocket(conn_), static_cast<short>(what == Wait::read ? POLLIN : POLLOUT), 0};
  if (::poll(&p, 1, 0) > 0) co_return;
  auto [ec] = co_await socket_->async_wait(
      what == Wait::read ? asio::posix::descriptor_base::wait_read : asio::posix::descriptor_base::wait_write,
      use_nothrow);
  if (timed_out_) fail_connection("timed out");
  if (ec) fail_connection("socket wait: " + ec.message());
}

asio::awaitable<void> ConnectionImpl::connect(const Config& config) {
  // Name resolution must not happen inside libpq (it would block the loop): resolve with
  // Asio first and hand libpq the address as hostaddr (host stays for TLS verification).
  std::string hostaddr;
  {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(config.url.c_str(), &err);
    if (opts == nullptr) {
      std::string msg = err ? trim(err) : "invalid connection string";
      PQfreemem(err);
      throw Error("database URL: " + msg);
    }
    std::string host, port = "5432";
    bool have_hostaddr = false;
    for (auto* o = opts; o->keyword != nullptr; ++o) {
      if (o->val == nullptr || *o->val == '\0') continue;
      if (std::strcmp(o->keyword, "host") == 0) host = o->val;
      if (std::strcmp(o->keyword, "port") == 0) port = o->val;
      if (std::strcmp(o->keyword, "hostaddr") == 0) have_hostaddr = true;
    }
    PQconninfoFree(opts);
    if (!have_hostaddr && needs_resolution(host)) {
      asio::ip::tcp::resolver resolver(executor_);
      auto [ec, results] = co_await resolver.async_resolve(host, port, use_nothrow);
      if (ec || results.empty()) throw Error("cannot resolve database host " + host + ": " + ec.message(), {}, true);
      hostaddr = results.begin()->endpoint().address().to_string();
    }
  }
  std::string timeout_s = std::to_string(std::max<long>(1, (config.connect_timeout.count() + 999) / 1000));
  const char* keys[] = {"dbname", "connect_timeout", "application_name", hostaddr.empty() ? nullptr : "hostaddr",
                        nullptr};
  const char* values[] = {config.url.c_str(), timeout_s.c_str(), "evpower", hostaddr.c_str(), nullptr};
  conn_ = PQconnectStartParams(keys, values, /*expand_dbname=*/1);
  if (conn_ == nullptr) throw Error("out of memory", {}, true);
  if (PQstatus(conn_) == CONNECTION_BAD) fail_connection("cannot connect");
  PQsetNoticeReceiver(conn_, on_notice, nullptr);

  arm_deadline(config.connect_timeout);
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  while (st != PGRES_POLLING_OK) {
    if (st == PGRES_POLLING_FAILED) fail_connection("cannot connect");
    adopt_socket();
    co_await wait(st == PGRES_POLLING_READING ? Wait::read : Wait::write);
    st = PQconnectPoll(conn_);
  }
  adopt_socket();
  if (PQsetnonblocking(conn_, 1) != 0) fail_connection("cannot enter non-blocking mode");
  co_await script("SET statement_timeout = " + std::to_string(config.statement_timeout.count()));
  disarm_deadline();
  connected_ = true;
  // A client-side bound on every statement catches a peer that vanished without a FIN
  // (the server-side statement_timeout cannot fire then).
  query_deadline_ = config.statement_timeout + config.connect_timeout;
}

asio::awaitable<void> ConnectionImpl::flush() {
  for (;;) {
    int r = PQflush(conn_);
    if (r == 0) co_return;
    if (r < 0) fail_connection("send failed");
    co_await wait(Wait::write);
  }
}

asio::awaitable<Result> ConnectionImpl::collect(std::string_view sql) {
  Result last;
  std::optional<Error> error;
  for (;;) {
    while (PQisBusy(conn_)) {
      co_await wait(Wait::read);
      if (PQconsumeInput(conn_) == 0) fail_connection("receive failed");
    }
    PGresult* res = PQgetResult(conn_);
    if (res == nullptr) break;
    auto st = PQresultStatus(res);
    if (st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE || st == PGRES_NONFATAL_ERROR) {
      if (!error) error.emplace(result_error(res, sql));
      PQclear(res);
    } else {
      last = Result(res);
    }
  }
  if (PQstatus(conn_) == CONNECTION_BAD) {
    fail_connection(error ? error->what() : "connection closed");
  }
  if (error) {
    // Every result was read, so the protocol state is clean: the lease stays usable.
    busy_ = false;
    disarm_deadline();
    count_error(*error);
    throw *error;
  }
  co_return last;
}

asio::awaitable<Result> ConnectionImpl::query(std::string_view sql, const Params& params) {
  if (broken()) throw Error("connection is broken", {}, true);
  std::string key(sql);
  auto it = prepared_.find(key);
  // A deferred BEGIN and a first Parse ride in one pipeline with the statement: one round
  // trip instead of two or three.
  if (begin_deferred_ || it == prepared_.end()) {
    std::vector<Statement> statements;
    if (take_deferred_begin()) statements.push_back(Statement{"BEGIN", nullptr});
    statements.push_back(Statement{sql, &params});
    auto results = co_await batch(statements);
    co_return std::move(results.back());
  }
  busy_ = true;
  ++shared_.stats.queries;
  ++shared_.stats.round_trips;
  arm_deadline(query_deadline_);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  if (PQsendQueryPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr,
                          0) == 0) {
    fail_connection("send failed");
  }
  co_await flush();
  Result r = co_await collect(sql);
  disarm_deadline();
  busy_ = false;
  co_return r;
}

asio::awaitable<Result> ConnectionImpl::script(std::string_view sql) {
  if (broken()) throw Error("connection is broken", {}, true);
  if (take_deferred_begin()) co_await script("BEGIN");
  busy_ = true;
  ++shared_.stats.queries;
  if (connected_) ++shared_.stats.round_trips;  // not the session settings of a new connection
  // BEGIN, COMMIT and ROLLBACK are round trips like any other: a server that stops
  // answering must not park a transaction (and its lease) forever. While connecting, the
  // connect deadline is already armed and covers the session settings.
  const bool own_deadline = connected_;
  if (own_deadline) arm_deadline(query_deadline_);
  std::string text(sql);
  if (PQsendQuery(conn_, text.c_str()) == 0) fail_connection("send failed");
  co_await flush();
  Result r = co_await collect(sql);
  if (own_deadline) disarm_deadline();
  busy_ = false;
  co_return r;
}

bool ConnectionImpl::check_idle() {
  if (broken()) return false;
  // An idle connection has nothing to read unless the server is closing it (FATAL 57P01
  // on shutdown, which libpq turns into a notice, then EOF) or sent a notice. Read until
  // the socket is dry so that the EOF behind the FATAL is seen too. Bounded: a server
  // flooding notices must not keep us here.
  for (int i = 0; i < 16; ++i) {
    pollfd p{PQsocket(conn_), POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return true;
    if (PQconsumeInput(conn_) == 0 || PQstatus(conn_) == CONNECTION_BAD) {
      broken_ = true;
      shared_.report_broken(trim(PQerrorMessage(conn_)));
      return false;
    }
  }
  return true;
}

}  // namespace evp::db::detail
