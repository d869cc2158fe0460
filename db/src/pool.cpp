// Pool: a bounded set of connections on one executor, FIFO waiters, transparent replacement
// of broken connections.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>

#include "connection_impl.hpp"

namespace evp::db {

using detail::ConnectionImpl;

namespace {
/// One coroutine parked in acquire(). The releaser hands it a connection (or a reserved
/// slot to open one) and cancels the timer to wake it.
struct Waiter {
  explicit Waiter(asio::any_io_executor ex) : timer(std::move(ex)) {}
  asio::steady_timer timer;
  ConnectionImpl* conn = nullptr;
  bool slot = false;
  bool woken = false;
};
}  // namespace

struct detail::PoolState {
  asio::any_io_executor executor;
  Config config;
  detail::Shared shared;
  std::vector<std::shared_ptr<ConnectionImpl>> all;
  std::deque<ConnectionImpl*> idle;
  std::size_t opening = 0;
  std::deque<Waiter*> waiters;
  bool stopped = false;
  /// The shared pipelined connection (Config::pipeline), outside the leasable set.
  std::shared_ptr<ConnectionImpl> pipe;
  bool pipe_opening = false;

  void drop(ConnectionImpl* c) {
    std::erase_if(all, [c](const auto& p) { return p.get() == c; });
  }
  /// Opens a new connection into `conn`. A failure is recorded (last_error, error count, a
  /// warning naming `what`) and returned; a success after a lost connection counts as a
  /// reconnect. Shared by leased and pipelined connections.
  asio::awaitable<std::optional<Error>> open(std::shared_ptr<ConnectionImpl>& conn, const char* what) {
    conn = std::make_shared<ConnectionImpl>(executor, shared);
    std::optional<Error> failure;
    try {
      co_await conn->connect(config);
    } catch (const Error& e) {
      failure = e;
    }
    if (failure) {
      shared.last_error = failure->what();
      ++shared.stats.errors;
      spdlog::warn("db: cannot open {}: {}", what, failure->what());
      co_return failure;
    }
    if (shared.broken_pending > 0) {
      --shared.broken_pending;
      ++shared.stats.reconnects;
      spdlog::info("db: reconnected");
    }
    shared.last_error.clear();
    co_return std::nullopt;
  }
  /// A slot freed up (a connection dropped or an open failed): let the first waiter use it.
  void offer_slot() {
    if (waiters.empty() || all.size() + opening >= config.pool_size) return;
    Waiter* w = waiters.front();
    waiters.pop_front();
    ++opening;
    w->slot = true;
    w->woken = true;
    w->timer.cancel();
  }
};

Pool::Pool(asio::any_io_executor executor, Config config) : state_(std::make_shared<State>()) {
  state_->executor = std::move(executor);
  state_->config = std::move(config);
  if (state_->config.pool_size == 0) state_->config.pool_size = 1;
}

Pool::~Pool() { stop(); }

PoolStats Pool::stats() const {
  PoolStats s = state_->shared.stats;
  s.connections = state_->all.size() + (state_->pipe ? 1 : 0);
  s.idle = state_->idle.size();
  s.waiting = state_->waiters.size();
  return s;
}

const Config& Pool::config() const { return state_->config; }

std::string Pool::last_error() const { return state_->shared.last_error; }

asio::awaitable<void> Pool::start() {
  auto lease = co_await acquire();
  (void)lease;
}

void Pool::stop() {
  auto& s = *state_;
  s.stopped = true;
  s.pipe.reset();
  for (ConnectionImpl* c : s.idle) s.drop(c);
  s.idle.clear();
  while (!s.waiters.empty()) {
    Waiter* w = s.waiters.front();
    s.waiters.pop_front();
    w->woken = true;
    w->timer.cancel();
  }
}

asio::awaitable<Lease> Pool::acquire() {
  auto keep = state_;  // a suspended frame may outlive the Pool
  auto& s = *keep;
  const auto deadline = std::chrono::steady_clock::now() + s.config.acquire_timeout;
  bool reserved = false;  // a slot to open a connection was reserved for us
  for (;;) {
    if (s.stopped) {
      if (reserved) --s.opening;
      throw Error("database pool stopped");
    }
    while (!reserved && !s.idle.empty()) {
      // Most recently used first: its prepared statements and caches are warm.
      ConnectionImpl* c = s.idle.back();
      s.idle.pop_back();
      if (c->check_idle()) co_return Lease(state_, c);
      s.drop(c);
    }
    if (reserved || s.all.size() + s.opening < s.config.pool_size) {
      if (!reserved) ++s.opening;
      reserved = false;
      std::shared_ptr<ConnectionImpl> conn;
      auto failure = co_await s.open(conn, "a connection");
      --s.opening;
      if (failure) {
        s.offer_slot();
        throw Error(failure->what(), failure->sqlstate(), true);
      }
      if (s.stopped) throw Error("database pool stopped");
      s.all.push_back(conn);
      co_return Lease(state_, conn.get());
    }

    Waiter w(s.executor);
    w.timer.expires_at(deadline);
    s.waiters.push_back(&w);
    // If this coroutine is destroyed while parked, hand back whatever it was given.
    struct Unpark {
      std::shared_ptr<State> keep;  // the frame may outlive the Pool
      Waiter& w;
      bool armed = true;
      ~Unpark() {
        if (!armed) return;
        State& s = *keep;
        std::erase(s.waiters, &w);
        if (w.conn != nullptr) Pool::release(s, w.conn);
        if (w.slot) {
          --s.opening;
          s.offer_slot();
        }
      }
    } unpark{state_, w};
    co_await w.timer.async_wait(asio::as_tuple(asio::use_awaitable));
    unpark.armed = false;
    if (w.conn != nullptr) co_return Lease(state_, w.conn);
    if (w.slot) {
      reserved = true;
      continue;
    }
    if (!w.woken) {
      std::erase(s.waiters, &w);
      ++s.shared.stats.errors;
      throw Error("timed out waiting " + std::to_string(s.config.acquire_timeout.count()) +
                  " ms for a database connection (pool size " + std::to_string(s.config.pool_size) + ")");
    }
    // Woken by stop(): loop to throw.
  }
}

void Pool::release(State& s, ConnectionImpl* c) {
  // A transaction torn down before its first statement began nothing on the server; its
  // BEGIN must not ride with the next holder's first statement.
  c->take_deferred_begin();
  // A lease dropped mid-statement or with a transaction left open cannot be reused safely.
  if (s.stopped || c->broken() || c->busy() || c->in_transaction()) {
    if (!s.stopped && !c->broken())
      spdlog::warn("db: discarding a connection returned mid-statement or mid-transaction");
    s.drop(c);
    s.offer_slot();
    return;
  }
  if (!s.waiters.empty()) {
    Waiter* w = s.waiters.front();
    s.waiters.pop_front();
    w->conn = c;
    w->woken = true;
    w->timer.cancel();
    return;
  }
  s.idle.push_back(c);
}

Lease::Lease(std::shared_ptr<detail::PoolState> state, detail::ConnectionImpl* impl)
    : state_(std::move(state)), conn_(impl) {}
Lease::Lease(Lease&& o) noexcept : state_(std::move(o.state_)), conn_(o.conn_.impl_) {}
Lease::~Lease() {
  if (state_) Pool::release(*state_, conn_.impl_);
}

asio::awaitable<Result> Connection::query(std::string_view sql, Params params) {
  co_return co_await impl_->query(sql, params);
}

asio::awaitable<Result> Pool::query(std::string_view sql, Params params) {
  auto keep = state_;  // a suspended frame may outlive the Pool
  auto& s = *keep;
  if (s.config.pipeline && !s.stopped) {
    if (s.pipe && s.pipe->in_flight() == 0 && !s.pipe->check_idle()) s.pipe.reset();
    if (s.pipe && s.pipe->broken()) s.pipe.reset();
    if (!s.pipe && !s.pipe_opening) {
      // Callers arriving while it opens use leased connections meanwhile.
      s.pipe_opening = true;
      std::shared_ptr<ConnectionImpl> conn;
      auto failure = co_await s.open(conn, "the pipelined connection");
      s.pipe_opening = false;
      if (failure) throw *failure;
      if (!s.stopped) s.pipe = conn;
    }
    if (s.pipe) {
      auto keep = s.pipe;  // the pool may drop it (stop, broken) while we wait
      co_return co_await keep->pipelined_query(sql, params);
    }
  }
  auto lease = co_await acquire();
  co_return co_await lease->query(sql, std::move(params));
}

}  // namespace evp::db
