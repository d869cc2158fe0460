#pragma once
// Runs one coroutine to completion on an io_context and rethrows its exception
// (for the CLI subcommands; the server itself never waits like this).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>

namespace evp::app {

template <class T>
T run_async(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  std::exception_ptr error;
  T value{};
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T v) {
    error = e;
    if (!e) value = std::move(v);
    io.stop();
  });
  io.run();
  io.restart();
  if (error) std::rethrow_exception(error);
  return value;
}

inline void run_async(boost::asio::io_context& io, boost::asio::awaitable<void> task) {
  std::exception_ptr error;
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e) {
    error = e;
    io.stop();
  });
  io.run();
  io.restart();
  if (error) std::rethrow_exception(error);
}

}  // namespace evp::app
