// Central system -> station CALLs: one outstanding per station, FIFO queue, deadline.
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "ocpp/messages/registry.hpp"
#include "server/hub.hpp"

namespace evp::ocpp::detail {

namespace {
// Hands the call slot straight to the next waiter (FIFO; nobody can jump the queue in
// between) or marks it free.
void release_slot(Connection& conn) {
  conn.outstanding.reset();
  while (!conn.call_waiters.empty()) {
    auto next = std::move(conn.call_waiters.front());
    conn.call_waiters.pop_front();
    if (next->gone) continue;
    next->granted = true;
    next->timer.cancel();
    return;
  }
  conn.call_busy = false;
}
}  // namespace

asio::awaitable<nlohmann::json> Hub::call(const std::string& station_id, const std::string& action,
                                          nlohmann::json payload, std::chrono::milliseconds timeout) {
  try {
    validate_request(action, payload);
  } catch (const CallError& e) {
    throw CallFailed(CallFailed::Reason::CallError, "invalid " + action + " request: " + std::string(e.description()),
                     std::string(to_string(e.code())));
  }
  auto conn = find(station_id);
  if (!conn) throw CallFailed(CallFailed::Reason::NotConnected, "station " + station_id + " is not connected");
  const auto deadline = asio::steady_timer::clock_type::now() + timeout;

  // Wait for our turn; release_slot() grants it and cancels the timer.
  if (conn->call_busy) {
    auto turn = std::make_shared<CallWaiter>(io_.get_executor());
    turn->timer.expires_at(deadline);
    conn->call_waiters.push_back(turn);
    co_await turn->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!turn->granted) {
      turn->gone = true;
      if (conn->closed()) throw CallFailed(CallFailed::Reason::Closed, "station " + station_id + " disconnected");
      throw CallFailed(CallFailed::Reason::Timeout, action + " to " + station_id + " timed out in the queue");
    }
  }
  conn->call_busy = true;
  if (conn->closed()) {
    release_slot(*conn);
    throw CallFailed(CallFailed::Reason::Closed, "station " + station_id + " disconnected");
  }
  auto call = std::make_shared<OutgoingCall>(io_.get_executor());
  call->message_id = std::to_string(next_call_id_++);
  call->action = action;
  call->done.expires_at(deadline);
  conn->outstanding = call;
  auto frame = serialize(Call{call->message_id, action, std::move(payload)});
  spdlog::debug("{} <- {}", station_id, frame);
  if (!send(*conn, std::move(frame))) {
    release_slot(*conn);
    throw CallFailed(CallFailed::Reason::Closed, "station " + station_id + " dropped (write queue full)");
  }

  co_await call->done.async_wait(asio::as_tuple(asio::use_awaitable));
  if (conn->outstanding == call) release_slot(*conn);
  if (call->result) co_return std::move(*call->result);
  if (call->failure) throw *call->failure;
  throw CallFailed(CallFailed::Reason::Timeout, action + " to " + station_id + " timed out");
}

void Hub::handle_answer(Connection& conn, const std::string& message_id, std::optional<nlohmann::json> result,
                        std::optional<CallFailed> failure) {
  auto call = conn.outstanding;
  if (!call || call->message_id != message_id) {
    spdlog::warn("station {}: answer to unknown message id {} dropped", conn.context.station_id, message_id);
    return;
  }
  if (result) {
    try {
      validate_response(call->action, *result);
      call->result = std::move(result);
    } catch (const CallError& e) {
      call->failure =
          CallFailed(CallFailed::Reason::InvalidResponse,
                     call->action + ".conf invalid: " + std::string(e.description()), std::string(to_string(e.code())));
    }
  } else {
    call->failure = std::move(failure);
  }
  release_slot(conn);
  call->done.cancel();
}

void Hub::fail_calls(Connection& conn, CallFailed::Reason reason, const std::string& why) {
  if (auto call = conn.outstanding) {
    call->failure = CallFailed(reason, "station " + conn.context.station_id + ": " + why);
    call->done.cancel();
  }
  // Waiters wake up, see the connection closed and fail themselves.
  for (auto& w : conn.call_waiters) w->timer.cancel();
  conn.call_waiters.clear();
}

}  // namespace evp::ocpp::detail
