// Placeholder until the push delivery module lands; remove when adding real sources.
namespace evp::push::detail { int placeholder_delivery = 0; }
