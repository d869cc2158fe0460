#pragma once
// `--source-addresses`: local addresses the fleet connects from, in turn. One address has
// about 28,000 ephemeral ports towards one server port (net.ipv4.ip_local_port_range), so
// 50,000 stations need two or more; every 127.x.y.z is loopback on Linux.
#include <string>
#include <string_view>
#include <vector>

namespace evp::sim::cli {

/// "127.0.0.1-127.0.0.8", "127.0.0.1,127.0.0.5", "::1", or a mix of these separated by
/// commas. Ranges are IPv4, inclusive, at most 65,536 addresses in all. Empty text: none.
/// Throws std::invalid_argument naming the part that is wrong.
std::vector<std::string> parse_source_addresses(std::string_view text);

}  // namespace evp::sim::cli
