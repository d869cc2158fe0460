#pragma once
/// Host name resolution with a deadline, on threads of its own.
///
/// Asio's async_resolve runs getaddrinfo() on one internal thread per io_context, one
/// lookup after the other, without a deadline: a slow or hostile DNS server for one name
/// (a push subscription's host is user input) would hold up every other lookup of the
/// process, including the database's. A Resolver has its own worker threads and a bounded
/// queue; every lookup gets an answer on the caller's executor by its deadline. A lookup
/// that is still running then finishes in the background and its answer is dropped.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

namespace evp::common {

class Resolver {
 public:
  struct Options {
    std::size_t threads = 2;  ///< lookups that may run at the same time
    std::size_t max_queued = 256;  ///< waiting lookups beyond this fail at once
    std::chrono::milliseconds timeout{5000};
  };
  struct Answer {
    boost::system::error_code error;  ///< timed_out when the deadline passed
    boost::asio::ip::tcp::resolver::results_type results;
  };
  struct Stats {
    std::uint64_t lookups = 0, timeouts = 0, rejected = 0;
  };

  Resolver(boost::asio::any_io_executor executor, Options options);
  /// Does not wait for lookups in progress: their threads finish on their own.
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  /// Resolves `host`:`port`; completes on the executor given to the constructor.
  boost::asio::awaitable<Answer> resolve(std::string host, std::string port);
  Stats stats() const;
  const Options& options() const { return options_; }

 private:
  struct Shared;
  boost::asio::any_io_executor executor_;
  Options options_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace evp::common
