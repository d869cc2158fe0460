#include "source_addresses.hpp"

#include <boost/asio/ip/address.hpp>
#include <stdexcept>

namespace evp::sim::cli {

namespace {
constexpr std::size_t kMaxAddresses = 65536;

std::string trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

boost::asio::ip::address parse_one(const std::string& text) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(text, ec);
  if (ec) throw std::invalid_argument("--source-addresses: '" + text + "' is not an IP address");
  return a;
}
}  // namespace

std::vector<std::string> parse_source_addresses(std::string_view text) {
  std::vector<std::string> out;
  if (trim(text).empty()) return out;
  for (bool more = true; more;) {
    const auto comma = text.find(',');
    const auto item = trim(text.substr(0, comma));
    more = comma != std::string_view::npos;
    if (more) text = text.substr(comma + 1);
    if (item.empty()) throw std::invalid_argument("--source-addresses: empty entry");
    const auto dash = item.find('-');
    if (dash == std::string::npos) {
      out.push_back(parse_one(item).to_string());
    } else {
      const auto first = parse_one(trim(std::string_view(item).substr(0, dash)));
      const auto last = parse_one(trim(std::string_view(item).substr(dash + 1)));
      if (!first.is_v4() || !last.is_v4())
        throw std::invalid_argument("--source-addresses: ranges are IPv4 only ('" + item + "')");
      const auto a = first.to_v4().to_uint(), b = last.to_v4().to_uint();
      if (a > b) throw std::invalid_argument("--source-addresses: range '" + item + "' ends before it starts");
      if (b - a >= kMaxAddresses)
        throw std::invalid_argument("--source-addresses: range '" + item + "' is too long");
      for (auto v = a;; ++v) {
        out.push_back(boost::asio::ip::address_v4(v).to_string());
        if (out.size() > kMaxAddresses) break;
        if (v == b) break;
      }
    }
    if (out.size() > kMaxAddresses) throw std::invalid_argument("--source-addresses: more than 65536 addresses");
  }
  return out;
}

}  // namespace evp::sim::cli
