// GET /health and GET /metrics: what operators and load balancers poll.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/context.hpp"
#include "http/metrics.hpp"
#include "ocpp/central_system.hpp"
#include "push/service.hpp"
#include "resources/resources.hpp"
#include "util/crypto.hpp"

namespace evp::api {

namespace {

using boost::asio::awaitable;

awaitable<Reply> health(Context& ctx) {
  bool db_ok = true;
  std::string db_error;
  try {
    co_await ctx.svc.pool.query("SELECT 1");
  } catch (const std::exception& e) {
    db_ok = false;
    db_error = e.what();
  }
  Reply r;
  // 503 lets a load balancer take an instance without its database out of rotation.
  r.status = db_ok ? http::status::ok : http::status::service_unavailable;
  r.data = {{"status", db_ok ? "ok" : "degraded"},
            {"database", db_ok ? "ok" : "unreachable"},
            {"push_enabled", ctx.svc.push != nullptr && ctx.svc.push->enabled()},
            {"stations_connected", ctx.svc.ocpp.connected_count()},
            {"version", ctx.svc.config.version}};
  if (!db_ok) r.data["database_error"] = db_error;
  co_return r;
}

void counter(std::string& out, const char* name, const char* help, const char* type, std::uint64_t v) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
         std::to_string(v) + "\n";
}

awaitable<Reply> metrics(Context& ctx) {
  const auto& token = ctx.svc.config.metrics_token;
  if (!token.empty()) {
    auto header = ctx.req[http::field::authorization];
    if (!constant_time_equal(header, "Bearer " + token))
      throw ApiError(http::status::unauthorized, "unauthorized", "metrics token required");
  }
  std::string out;
  auto st = ctx.svc.ocpp.stats();
  counter(out, "evp_ocpp_stations_connected", "Stations with an open WebSocket.", "gauge", st.connected);
  counter(out, "evp_ocpp_stations_online", "Stations considered online.", "gauge", st.online);
  counter(out, "evp_ocpp_connections_total", "Station WebSocket connections accepted.", "counter",
          st.connections_total);
  counter(out, "evp_ocpp_messages_out_total", "OCPP frames sent to stations.", "counter", st.messages_out);
  counter(out, "evp_ocpp_call_errors_sent_total", "CALLERRORs sent to stations.", "counter", st.call_errors_sent);
  counter(out, "evp_ocpp_replays_total", "Repeated CALLs answered from the replay cache.", "counter", st.replays);
  out += "# HELP evp_ocpp_connections_refused_total Station sockets refused by a connection cap.\n";
  out += "# TYPE evp_ocpp_connections_refused_total counter\n";
  out += "evp_ocpp_connections_refused_total{cap=\"total\"} " + std::to_string(st.refused_total_cap) + "\n";
  out += "evp_ocpp_connections_refused_total{cap=\"address\"} " + std::to_string(st.refused_address_cap) + "\n";
  counter(out, "evp_ocpp_auth_failures_total", "Station handshakes with a wrong password.", "counter",
          st.auth_failures);
  out += "# HELP evp_ocpp_auth_throttled_total Station handshakes refused after too many failed passwords.\n";
  out += "# TYPE evp_ocpp_auth_throttled_total counter\n";
  out += "evp_ocpp_auth_throttled_total{scope=\"station\"} " + std::to_string(st.auth_throttled_station) + "\n";
  out += "evp_ocpp_auth_throttled_total{scope=\"address\"} " + std::to_string(st.auth_throttled_address) + "\n";
  counter(out, "evp_ocpp_auth_queue_timeouts_total", "Station handshakes refused waiting for a password check.",
          "counter", st.auth_queue_timeouts);
  counter(out, "evp_ocpp_boots_pending_admission_total",
          "BootNotifications answered Pending because the database lagged (admission control).", "counter",
          st.boots_pending_admission);
  out += "# HELP evp_ocpp_messages_total OCPP CALLs received from stations by action.\n";
  out += "# TYPE evp_ocpp_messages_total counter\n";
  for (const auto& [action, n] : ctx.svc.ocpp.messages_by_action())
    out += "evp_ocpp_messages_total{action=\"" + prom_label(action) + "\"} " + std::to_string(n) + "\n";

  push::Stats ps;
  if (ctx.svc.push) ps = ctx.svc.push->stats();
  counter(out, "evp_push_enabled", "1 when Web Push delivery is on.", "gauge",
          ctx.svc.push && ctx.svc.push->enabled() ? 1 : 0);
  counter(out, "evp_push_enqueued_total", "Push messages written to the outbox.", "counter", ps.enqueued);
  counter(out, "evp_push_sent_total", "Push messages accepted by push services.", "counter", ps.sent);
  counter(out, "evp_push_failed_total", "Push messages failed permanently.", "counter", ps.failed);
  counter(out, "evp_push_retried_total", "Push attempts retried.", "counter", ps.retried);
  counter(out, "evp_push_expired_subscriptions_total", "Subscriptions removed after 404/410.", "counter",
          ps.expired_subscriptions);
  counter(out, "evp_push_outbox_depth", "Pending outbox rows (last seen by the dispatcher).", "gauge", ps.outbox_depth);
  counter(out, "evp_push_in_flight", "Outbox items claimed by this process and not recorded yet.", "gauge",
          ps.in_flight);
  counter(out, "evp_push_reclaimed_total", "Items an earlier run of this instance had claimed, taken back at start.",
          "counter", ps.reclaimed);
  counter(out, "evp_push_record_failures_total", "Outcome writes that failed and were retried.", "counter",
          ps.record_failures);
  counter(out, "evp_push_stale_outcomes_total", "Outcomes not recorded because the item was claimed again.", "counter",
          ps.stale_outcomes);
  counter(out, "evp_push_origin_wait_timeouts_total",
          "Push requests that found no free slot to their push service in time (retried later).", "counter",
          ps.origin_wait_timeouts);
  {
    const auto& h = ps.commit_to_send;
    char num[64];
    out += "# HELP evp_push_commit_to_send_seconds From an outbox row's insert (in the event's transaction) to its "
           "push request being sent, first attempts.\n";
    out += "# TYPE evp_push_commit_to_send_seconds histogram\n";
    for (std::size_t i = 0; i < h.kBuckets.size(); ++i) {
      std::snprintf(num, sizeof num, "%g", h.kBuckets[i]);
      out += std::string("evp_push_commit_to_send_seconds_bucket{le=\"") + num + "\"} " + std::to_string(h.buckets[i]) +
             "\n";
    }
    out += "evp_push_commit_to_send_seconds_bucket{le=\"+Inf\"} " + std::to_string(h.count) + "\n";
    std::snprintf(num, sizeof num, "%.6f", h.sum);
    out += std::string("evp_push_commit_to_send_seconds_sum ") + num + "\n";
    out += "evp_push_commit_to_send_seconds_count " + std::to_string(h.count) + "\n";
    std::snprintf(num, sizeof num, "%.6f", h.max);
    out += "# HELP evp_push_commit_to_send_max_seconds The largest evp_push_commit_to_send_seconds observation.\n";
    out += "# TYPE evp_push_commit_to_send_max_seconds gauge\n";
    out += std::string("evp_push_commit_to_send_max_seconds ") + num + "\n";
  }

  auto db = ctx.svc.pool.stats();
  counter(out, "evp_db_connections", "Open database connections.", "gauge", db.connections);
  counter(out, "evp_db_connections_idle", "Idle database connections.", "gauge", db.idle);
  counter(out, "evp_db_queries_total", "Statements run.", "counter", db.queries);
  counter(out, "evp_db_errors_total", "Statements failed.", "counter", db.errors);
  ctx.svc.metrics.render(out);
  const auto dns = ctx.svc.resolver.stats();
  counter(out, "evp_http_subscription_dns_timeouts_total", "Subscription endpoint lookups past their deadline.",
          "counter", dns.timeouts);
  counter(out, "evp_http_subscription_dns_rejected_total", "Subscription endpoint lookups refused (queue full).",
          "counter", dns.rejected);

  Reply r;
  r.raw = std::move(out);
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  co_return r;
}

}  // namespace

std::vector<Route> health_routes() {
  return {
      {http::verb::get, "/health", Access::Public, health},
      {http::verb::get, "/metrics", Access::Public, metrics},  // token-checked when API_METRICS_TOKEN is set
  };
}

}  // namespace evp::api
