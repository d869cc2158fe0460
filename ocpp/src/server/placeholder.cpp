// Placeholder until the server code lands; remove when adding real sources.
namespace evp::ocpp::detail { int placeholder_server = 0; }
