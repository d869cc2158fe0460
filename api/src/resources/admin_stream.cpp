// GET /api/v1/admin/stream: what happens on the network as Server-Sent Events (operators
// only, bearer token in the Authorization header; the console reads it with fetch()).
//
//   id: 42
//   event: connector
//   data: {"station_id":"ST-1","connector_id":1,"status":"Charging",...}
//
// Events come from ocpp::LiveEvents (station, connector, session, fault). Each stream has a
// bounded queue: a client that falls API_STREAM_QUEUE events behind is disconnected (it may
// reconnect with Last-Event-ID and get what the server still keeps), so a slow reader costs
// a bounded amount of memory. At most API_MAX_STREAMS are open at once; an idle stream gets
// a comment line every API_STREAM_KEEPALIVE seconds; all end with the server.
#include <spdlog/spdlog.h>

#include <charconv>
#include <deque>

#include "http/context.hpp"
#include "http/throttle.hpp"
#include "ocpp/central_system.hpp"
#include "ocpp/live_events.hpp"
#include "resources/resources.hpp"

namespace evp::api {

namespace {

using boost::asio::awaitable;

std::string format(const ocpp::LiveEvent& e) {
  return "id: " + std::to_string(e.id) + "\nevent: " + e.type + "\ndata: " + e.data + "\n\n";
}

// Holds a place under API_MAX_STREAMS from the handler until the stream's body is gone.
struct Slot {
  explicit Slot(RestLimits& l) : limits(l) { ++limits.open_streams; }
  ~Slot() { --limits.open_streams; }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  RestLimits& limits;
};

awaitable<void> run(Services& svc, StreamWriter& out, std::uint64_t resume, std::string user,
                    std::shared_ptr<Slot> slot) {
  (void)slot;
  struct Queue {
    std::deque<std::string> events;
    bool overflow = false;
  } queue;
  const std::size_t limit = svc.config.stream_queue;
  auto& live = svc.ocpp.live();
  // Declared after the queue: unsubscribed before the queue goes.
  auto subscription = live.subscribe([&queue, &out, limit](const ocpp::LiveEvent& e) {
    if (queue.overflow) return;
    if (queue.events.size() >= limit) {
      queue.overflow = true;
      out.abort();  // also cancels the write the client does not take
      return;
    }
    queue.events.push_back(format(e));
    out.wake();
  });
  spdlog::info("api: event stream opened for operator {}", user);

  // The reconnect delay for clients that honour it, then what a resuming client missed.
  std::string first = "retry: 3000\n: evpower events, last id " + std::to_string(live.last_id()) + "\n\n";
  if (resume > 0)
    for (const auto& e : live.since(resume)) first += format(e);
  bool ok = co_await out.write(first);
  while (ok) {
    if (!queue.events.empty()) {
      std::string batch;
      while (!queue.events.empty()) {
        batch += queue.events.front();
        queue.events.pop_front();
      }
      ok = co_await out.write(batch);
      continue;
    }
    const auto woke = co_await out.wait(svc.config.stream_keepalive);
    if (woke == StreamWriter::Wake::Ended) break;
    if (woke == StreamWriter::Wake::Timeout) ok = co_await out.write(": keep-alive\n\n");
  }
  if (queue.overflow) {
    spdlog::warn("api: event stream of operator {} closed: the client fell {} events behind", user, limit);
  } else {
    if (ok) co_await out.write(": server closing the stream\n\n");  // shutdown; a hang-up cannot read it
    spdlog::info("api: event stream of operator {} ended", user);
  }
}

awaitable<Reply> stream(Context& ctx) {
  if (ctx.svc.config.max_streams > 0 && ctx.svc.limits.open_streams >= ctx.svc.config.max_streams)
    throw ApiError(http::status::service_unavailable, "too_many_streams",
                   "too many event streams are open (API_MAX_STREAMS), try again shortly")
        .with_retry_after(10);
  // Last-Event-ID (the EventSource header) or ?last_event_id= resumes after that event.
  std::string resume_text(ctx.req["Last-Event-ID"]);
  if (resume_text.empty()) resume_text = ctx.query("last_event_id").value_or("");
  std::uint64_t resume = 0;
  if (!resume_text.empty()) {
    auto [p, ec] = std::from_chars(resume_text.data(), resume_text.data() + resume_text.size(), resume);
    if (ec != std::errc() || p != resume_text.data() + resume_text.size())
      throw ApiError(http::status::bad_request, "invalid_parameter", "Last-Event-ID must be an event id (a number)");
    // From another run of the server (ids start again at 1): nothing to resume.
    if (resume > ctx.svc.ocpp.live().last_id()) resume = 0;
  }
  auto slot = std::make_shared<Slot>(ctx.svc.limits);
  Reply r;
  r.content_type = "text/event-stream; charset=utf-8";
  r.headers.emplace_back("X-Accel-Buffering", "no");  // nginx: pass events on as they come
  Services* svc = &ctx.svc;
  std::string user = ctx.user.id;
  r.stream = [svc, resume, user, slot](StreamWriter& out) { return run(*svc, out, resume, user, slot); };
  co_return r;
}

}  // namespace

std::vector<Route> admin_stream_routes() {
  return {
      {http::verb::get, "/api/v1/admin/stream", Access::Operator, stream},
  };
}

}  // namespace evp::api
