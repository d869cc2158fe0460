// Pool::transaction: BEGIN/COMMIT around a body, retried on serialization failures.
#include <spdlog/spdlog.h>

#include <exception>

#include "connection_impl.hpp"

namespace evp::db {

namespace {
bool retryable(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const Error& err) {
    return err.sqlstate() == "40001" || err.sqlstate() == "40P01";
  } catch (...) {
    return false;
  }
}
}  // namespace

asio::awaitable<void> Pool::transaction(std::function<asio::awaitable<void>(Connection&)> body) {
  constexpr int max_retries = 3;
  for (int attempt = 0;; ++attempt) {
    auto lease = co_await acquire();
    detail::ConnectionImpl& impl = *lease->impl_;
    // BEGIN goes out with the body's first statement (one round trip saved per transaction).
    impl.defer_begin();
    std::exception_ptr failure;
    try {
      co_await body(*lease);
      if (impl.take_deferred_begin()) co_return;  // the body ran no statement: nothing to commit
      Result r = co_await impl.script("COMMIT");
      // COMMIT of a transaction that already failed (an error the body swallowed) is
      // answered with ROLLBACK, not an error: the caller must not believe it committed.
      if (r.command_status() == "ROLLBACK") {
        throw Error("transaction was rolled back: a statement in it failed", "25P02");
      }
      co_return;
    } catch (...) {
      failure = std::current_exception();
    }
    impl.take_deferred_begin();  // a body that failed before its first statement began nothing
    // co_await is not allowed inside a handler, so the rollback happens here.
    if (!impl.broken() && !impl.busy() && impl.in_transaction()) {
      try {
        co_await impl.script("ROLLBACK");
      } catch (const Error& e) {
        spdlog::warn("db: ROLLBACK failed: {}", e.what());
      }
    }
    if (attempt < max_retries && retryable(failure)) {
      spdlog::debug("db: retrying transaction after serialization failure or deadlock");
      continue;
    }
    std::rethrow_exception(failure);
  }
}

}  // namespace evp::db
