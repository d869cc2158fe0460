#pragma once
// The handlers' live-event hooks (ocpp/live_events.hpp), one call at each source. Each
// builds its event only while an operator's stream listens; the transaction events read the
// transaction back from the charging module in a coroutine of their own, so the station's
// answer never waits for them.
#include <boost/asio/any_io_executor.hpp>

#include "handlers/context.hpp"

namespace evp::ocpp::handlers {

/// `station` boot: what the station said and what it was answered.
void live_boot(Context& ctx, const detail::StationContext& station, const BootNotificationReq& req,
               const BootNotificationConf& conf);
/// `connector` when the status or error code differs from `before` (null: not known), and
/// `fault` for an error code that is new for the connector.
void live_connector(Context& ctx, const ConnectorRow& row, const ConnectorRow* before);
/// `session` started (and `fault` transaction_superseded for the ones it closed).
void live_started(Context& ctx, asio::any_io_executor executor, const detail::StationContext& station,
                  const StartTransactionReq& req, const charging::StartResult& result);
/// `session` completed with energy and amount; `fault` for a suspect session or a stop of a
/// transaction the central system does not know.
void live_stopped(Context& ctx, asio::any_io_executor executor, const detail::StationContext& station,
                  const StopTransactionReq& req);

}  // namespace evp::ocpp::handlers
