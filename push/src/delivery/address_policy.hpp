#pragma once
// Which addresses a push may go to. Subscription endpoints are user input: without this a
// user could make the server POST to its own loopback services or the private network
// (SSRF). The check runs when a subscription is stored and again, on the addresses actually
// connected to, at send time (so a DNS answer that changes later - rebinding - is caught).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <string>
#include <vector>

#include "common/resolver.hpp"
#include "delivery/url.hpp"

namespace evp::push::delivery {

namespace asio = boost::asio;

/// "" for a globally routable unicast address, otherwise what it is ("loopback",
/// "private (RFC 1918)", "link-local", ...).
std::string non_public_reason(const asio::ip::address& address);
inline bool is_public_address(const asio::ip::address& address) { return non_public_reason(address).empty(); }

struct Resolved {
  std::string error;    ///< "" on success
  bool policy = false;  ///< refused because of a non-public address (not a DNS failure)
  std::vector<asio::ip::tcp::endpoint> endpoints;
};

/// Resolves the URL's host on `resolver` (its own threads and deadline: a subscription's
/// host is user input and its DNS may be slow on purpose). Unless `allow_insecure`, fails
/// when any resolved address is not public (one bad address is enough to refuse: an
/// attacker controls which one a client would pick).
asio::awaitable<Resolved> resolve_checked(common::Resolver& resolver, const Url& url, bool allow_insecure);

/// Static part of the endpoint policy: scheme and URL syntax. "" if acceptable.
std::string check_url_syntax(const std::optional<Url>& url, bool allow_insecure);

}  // namespace evp::push::delivery
