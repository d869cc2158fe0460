#include "common/resolver.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace evp::common {

namespace asio = boost::asio;

namespace {
// One lookup. `abandoned` is shared with the worker (under the mutex); the rest is only
// touched on the caller's executor.
struct Lookup {
  std::mutex mutex;
  bool abandoned = false;
  asio::steady_timer* waiter = nullptr;
  bool done = false;
  Resolver::Answer answer;
};
struct Job {
  std::string host, port;
  asio::any_io_executor executor;
  std::shared_ptr<Lookup> lookup;
};
}  // namespace

struct Resolver::Shared {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<Job> jobs;
  bool stopping = false;
  Stats stats;  // guarded by mutex

  void work() {
    asio::io_context local;  // the synchronous resolver needs a context, never run
    asio::ip::tcp::resolver resolver(local);
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [&] { return stopping || !jobs.empty(); });
        if (stopping) return;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      {
        std::lock_guard lock(job.lookup->mutex);
        if (job.lookup->abandoned) continue;  // timed out while queued: do not even ask
      }
      Answer answer;
      answer.results = resolver.resolve(job.host, job.port, answer.error);
      std::lock_guard lock(job.lookup->mutex);
      if (job.lookup->abandoned) continue;
      // Posted under the lookup's mutex: the caller cannot be gone (and its executor with
      // it) before the handler is queued.
      asio::post(job.executor, [lookup = job.lookup, answer = std::move(answer)]() mutable {
        if (lookup->done) return;
        lookup->done = true;
        lookup->answer = std::move(answer);
        if (lookup->waiter) lookup->waiter->cancel();
      });
    }
  }
};

Resolver::Resolver(asio::any_io_executor executor, Options options)
    : executor_(std::move(executor)), options_(options), shared_(std::make_shared<Shared>()) {
  if (options_.threads == 0) options_.threads = 1;
  for (std::size_t i = 0; i < options_.threads; ++i) std::thread([shared = shared_] { shared->work(); }).detach();
}

Resolver::~Resolver() {
  std::lock_guard lock(shared_->mutex);
  shared_->stopping = true;
  shared_->wake.notify_all();
}

Resolver::Stats Resolver::stats() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->stats;
}

asio::awaitable<Resolver::Answer> Resolver::resolve(std::string host, std::string port) {
  auto lookup = std::make_shared<Lookup>();
  {
    std::lock_guard lock(shared_->mutex);
    ++shared_->stats.lookups;
    if (shared_->jobs.size() >= options_.max_queued) {
      ++shared_->stats.rejected;
      co_return Answer{asio::error::no_buffer_space, {}};
    }
    shared_->jobs.push_back(Job{std::move(host), std::move(port), executor_, lookup});
    shared_->wake.notify_one();
  }
  asio::steady_timer timer(executor_, options_.timeout);
  lookup->waiter = &timer;
  // However this coroutine ends (answer, deadline, destroyed with its io_context), the
  // worker must no longer post to it.
  struct Abandon {
    std::shared_ptr<Lookup> lookup;
    ~Abandon() {
      lookup->waiter = nullptr;
      lookup->done = true;
      std::lock_guard lock(lookup->mutex);
      lookup->abandoned = true;
    }
  } abandon{lookup};
  while (!lookup->done) {
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!ec && !lookup->done) {
      std::lock_guard lock(shared_->mutex);
      ++shared_->stats.timeouts;
      co_return Answer{asio::error::timed_out, {}};
    }
  }
  co_return std::move(lookup->answer);
}

}  // namespace evp::common
