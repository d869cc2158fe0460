#include "http/stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>

namespace evp::api {

namespace asio = boost::asio;
namespace http = boost::beast::http;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

StreamWriter::StreamWriter(boost::beast::tcp_stream& stream, std::chrono::seconds write_timeout)
    : stream_(stream), write_timeout_(write_timeout), timer_(stream.get_executor()) {}

asio::awaitable<bool> StreamWriter::write(const std::string& text) {
  if (!stream_.socket().is_open()) co_return false;
  if (text.empty()) co_return true;
  stream_.expires_after(write_timeout_);
  auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk(asio::buffer(text)), kTuple);
  co_return !ec;
}

asio::awaitable<StreamWriter::Wake> StreamWriter::wait(std::chrono::steady_clock::duration up_to) {
  if (ended_) co_return Wake::Ended;
  if (woken_) {
    woken_ = false;
    co_return Wake::Woken;
  }
  timer_.expires_after(up_to);
  auto [ec] = co_await timer_.async_wait(kTuple);
  if (ended_) co_return Wake::Ended;
  const bool woken = woken_;
  woken_ = false;
  co_return woken || ec ? Wake::Woken : Wake::Timeout;
}

void StreamWriter::wake() {
  woken_ = true;
  timer_.cancel();
}

void StreamWriter::end() {
  ended_ = true;
  timer_.cancel();
}

void StreamWriter::abort() {
  end();
  boost::beast::error_code ignored;
  stream_.socket().close(ignored);
}

}  // namespace evp::api
