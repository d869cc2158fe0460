// Placeholder until the REST API lands; remove when adding real sources.
namespace evp::api::detail { int placeholder_api = 0; }
