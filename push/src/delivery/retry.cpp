#include "delivery/retry.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <ctime>
#include <string>

namespace evp::push::delivery {

Outcome classify(int status) {
  if (status == 200 || status == 201 || status == 202) return Outcome::Delivered;
  if (status == 404 || status == 410) return Outcome::Gone;
  if (status == 0 || status == 429 || status >= 500) return Outcome::Retry;
  // 400 (bad request), 401/403 (VAPID refused), 413 (too large) and anything else the
  // service did not accept will not get better by repetition.
  return Outcome::Permanent;
}

namespace {

std::optional<std::time_t> parse_http_date(std::string_view value) {
  std::string text(value);
  // IMF-fixdate first (what everybody sends), then the two obsolete forms RFC 9110 still
  // requires recipients to accept.
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y"}) {
    std::tm tm{};
    const char* end = strptime(text.c_str(), format, &tm);
    if (end && *end == '\0') return timegm(&tm);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (value.front() >= '0' && value.front() <= '9') {
    std::int64_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc::result_out_of_range) return kMaxRetryAfter;
    if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
    return std::chrono::seconds(std::min<std::int64_t>(seconds, kMaxRetryAfter.count()));
  }
  auto when = parse_http_date(value);
  if (!when) return std::nullopt;
  auto delta = *when - std::chrono::system_clock::to_time_t(now);
  return std::chrono::seconds(std::clamp<std::int64_t>(delta, 0, kMaxRetryAfter.count()));
}

std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base, std::chrono::milliseconds cap,
                                        std::optional<std::chrono::seconds> retry_after, std::mt19937_64& rng) {
  int shift = std::clamp(attempt - 1, 0, 30);
  double exponential = static_cast<double>(base.count()) * static_cast<double>(std::int64_t{1} << shift);
  std::uniform_real_distribution<double> jitter(0.5, 1.5);
  double delay =
      std::clamp(exponential * jitter(rng), 0.0, static_cast<double>(std::max<std::int64_t>(cap.count(), 0)));
  auto result = std::chrono::milliseconds(static_cast<std::int64_t>(delay));
  if (retry_after)
    result =
        std::max<std::chrono::milliseconds>(result, std::clamp(*retry_after, std::chrono::seconds(0), kMaxRetryAfter));
  return result;
}

}  // namespace evp::push::delivery
