// Placeholder until the RPC/message code lands; remove when adding real sources.
namespace evp::ocpp::detail { int placeholder_protocol = 0; }
