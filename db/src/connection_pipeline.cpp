// Pipeline mode, two uses:
//  - batch(): one caller sends several statements (a deferred BEGIN, a first-use Parse,
//    the statement) with one Sync on its leased connection and reads them back: one round
//    trip for what would otherwise be two or three;
//  - pipelined_query(): many concurrent autocommit queries share one connection. Senders
//    write their statement and a Sync at once; one reader coroutine takes results in order
//    and hands each to its waiting sender. Saves a round trip and a connection per query,
//    but every Sync is its own commit on one backend, one after another: with fsync on,
//    writes lose group commit (see Config::pipeline).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "connection_impl.hpp"

namespace evp::db::detail {

struct ConnectionImpl::Pending {
  explicit Pending(asio::any_io_executor ex) : wake(std::move(ex), asio::steady_timer::time_point::max()) {}
  asio::steady_timer wake;  // cancelled by the reader when the result is in
  int commands = 1;         // 2 when a Parse went ahead of the Execute
  std::string sql;
  Result result;
  std::optional<Error> error;
  bool done = false;
};

asio::awaitable<Result> ConnectionImpl::pipelined_query(std::string_view sql, const Params& params) {
  if (inflight_.empty() && !check_idle()) throw Error("connection is broken", {}, true);
  if (broken()) throw Error("connection is broken", {}, true);
  if (!pipeline_) {
    if (PQenterPipelineMode(conn_) == 0) fail_connection("cannot enter pipeline mode");
    pipeline_ = true;
  }
  ++shared_.stats.queries;
  ++shared_.stats.round_trips;  // its own Sync; it shares the wait with others in flight
  auto p = std::make_shared<Pending>(executor_);
  p->sql = std::string(sql);
  auto it = prepared_.find(p->sql);
  if (it == prepared_.end()) {
    // Recorded before the server confirms, so that concurrent callers of the same SQL do
    // not prepare it twice; the reader forgets it again if the Parse fails.
    std::string name = "evp_" + std::to_string(next_statement_++);
    if (PQsendPrepare(conn_, name.c_str(), p->sql.c_str(), static_cast<int>(params.size()), nullptr) == 0) {
      fail_connection("send failed");
    }
    p->commands = 2;
    it = prepared_.emplace(p->sql, std::move(name)).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& v : params) values.push_back(v ? v->c_str() : nullptr);
  if (PQsendQueryPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr,
                          0) == 0 ||
      PQpipelineSync(conn_) == 0) {
    fail_connection("send failed");
  }
  inflight_.push_back(p);
  if (!reader_running_) {
    reader_running_ = true;
    asio::co_spawn(
        executor_, [self = shared_from_this()]() { return self->read_pipeline(); }, asio::detached);
  }
  co_await flush();
  while (!p->done) co_await p->wake.async_wait(asio::as_tuple(asio::use_awaitable));
  if (p->error) throw *p->error;
  co_return std::move(p->result);
}

asio::awaitable<std::vector<Result>> ConnectionImpl::batch(const std::vector<Statement>& statements) {
  if (broken()) throw Error("connection is broken", {}, true);
  busy_ = true;
  shared_.stats.queries += statements.size();
  ++shared_.stats.round_trips;  // one Sync for all
  arm_deadline(query_deadline_);
  if (PQenterPipelineMode(conn_) == 0) fail_connection("cannot enter pipeline mode");
  // What went out, in order: a Parse (first use of a statement) or an Execute.
  struct Sent {
    std::size_t statement;
    std::string parsed_as;  // statement name when this is a Parse
  };
  std::vector<Sent> sent;
  std::unordered_map<std::string_view, std::string> parsing;  // prepared by this batch
  std::vector<const char*> values;
  for (std::size_t i = 0; i < statements.size(); ++i) {
    const Statement& st = statements[i];
    const std::string text(st.sql);
    if (st.params == nullptr) {
      if (PQsendQueryParams(conn_, text.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) == 0)
        fail_connection("send failed");
      sent.push_back(Sent{i, {}});
      continue;
    }
    std::string name;
    if (auto it = prepared_.find(text); it != prepared_.end()) {
      name = it->second;
    } else if (auto p = parsing.find(st.sql); p != parsing.end()) {
      name = p->second;
    } else {
      name = "evp_" + std::to_string(next_statement_++);
      if (PQsendPrepare(conn_, name.c_str(), text.c_str(), static_cast<int>(st.params->size()), nullptr) == 0)
        fail_connection("send failed");
      parsing.emplace(st.sql, name);
      sent.push_back(Sent{i, name});
    }
    values.clear();
    for (const auto& v : *st.params) values.push_back(v ? v->c_str() : nullptr);
    if (PQsendQueryPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr,
                            0) == 0)
      fail_connection("send failed");
    sent.push_back(Sent{i, {}});
  }
  if (PQpipelineSync(conn_) == 0) fail_connection("send failed");
  co_await flush();

  std::vector<Result> results(statements.size());
  std::optional<Error> error;
  for (const Sent& s : sent) {
    bool ok = true;
    // Each command's results end with a NULL; after an error the server skips the rest
    // up to the Sync, and each skipped command reads as PIPELINE_ABORTED.
    while (PGresult* res = co_await next_result()) {
      auto status = PQresultStatus(res);
      if (status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE) {
        ok = false;
        if (!error) error.emplace(result_error(res, statements[s.statement].sql));
        PQclear(res);
      } else if (status == PGRES_PIPELINE_ABORTED) {
        ok = false;
        PQclear(res);
      } else if (!s.parsed_as.empty()) {
        PQclear(res);
      } else {
        results[s.statement] = Result(res);
      }
    }
    // Only a Parse the server confirmed is remembered; a failed one is sent again next time.
    if (ok && !s.parsed_as.empty()) prepared_.emplace(std::string(statements[s.statement].sql), s.parsed_as);
  }
  PGresult* sync = co_await next_result();
  const bool synced = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  if (sync != nullptr) PQclear(sync);
  if (!synced) fail_connection("pipeline out of step");
  if (PQexitPipelineMode(conn_) == 0) fail_connection("cannot leave pipeline mode");
  disarm_deadline();
  busy_ = false;
  if (error) {
    count_error(*error);
    throw *error;
  }
  co_return results;
}

asio::awaitable<PGresult*> ConnectionImpl::next_result() {
  while (PQisBusy(conn_)) {
    co_await wait(Wait::read);
    if (PQconsumeInput(conn_) == 0) fail_connection("receive failed");
  }
  co_return PQgetResult(conn_);
}

void ConnectionImpl::fail_pending(const Error& error) {
  while (!inflight_.empty()) {
    auto p = inflight_.front();
    inflight_.pop_front();
    p->error = error;
    p->done = true;
    p->wake.cancel();
  }
}

asio::awaitable<void> ConnectionImpl::read_pipeline() {
  std::optional<Error> lost;
  try {
    while (!inflight_.empty()) {
      auto p = inflight_.front();
      // A bound per statement, as on leased connections: a server that stops answering
      // fails every waiter instead of parking them forever.
      arm_deadline(query_deadline_);
      // Each command's results end with a NULL; the Sync that follows gives PIPELINE_SYNC.
      for (int c = 0; c < p->commands; ++c) {
        while (PGresult* res = co_await next_result()) {
          auto st = PQresultStatus(res);
          if (st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE) {
            if (!p->error) p->error.emplace(result_error(res, p->sql));
            PQclear(res);
          } else if (st == PGRES_PIPELINE_ABORTED) {
            if (!p->error) p->error.emplace("statement skipped: an earlier command of it failed");
            PQclear(res);
          } else if (c == p->commands - 1) {
            p->result = Result(res);
          } else {
            PQclear(res);
          }
        }
      }
      PGresult* sync = co_await next_result();
      bool synced = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
      if (sync != nullptr) PQclear(sync);
      if (!synced) fail_connection("pipeline out of step");
      if (p->error) {
        if (p->commands == 2) prepared_.erase(p->sql);
        count_error(*p->error);
      }
      inflight_.pop_front();
      p->done = true;
      p->wake.cancel();
      if (broken_) throw Error(p->error ? p->error->what() : "connection broken", {}, true);
    }
  } catch (const Error& e) {
    lost = e;
  }
  disarm_deadline();
  reader_running_ = false;
  if (lost) fail_pending(Error(lost->what(), lost->sqlstate(), true));
}

}  // namespace evp::db::detail
