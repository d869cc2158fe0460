#include "http/router.hpp"

#include <algorithm>

namespace evp::api {

namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    auto j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool is_param(std::string_view seg) { return seg.size() > 2 && seg.front() == '{' && seg.back() == '}'; }

// Number of literal segments matched, or -1 when the pattern does not match.
int match_pattern(std::string_view pattern, const std::vector<std::string_view>& path, PathParams* params) {
  auto pat = segments(pattern);
  if (pat.size() != path.size()) return -1;
  int literals = 0;
  for (std::size_t i = 0; i < pat.size(); ++i) {
    if (is_param(pat[i])) {
      if (params) params->emplace(std::string(pat[i].substr(1, pat[i].size() - 2)), std::string(path[i]));
    } else if (pat[i] == path[i]) {
      ++literals;
    } else {
      return -1;
    }
  }
  return literals;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool percent_decode(std::string_view in, std::string& out, bool plus_is_space) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return true;
}

}  // namespace

void Router::add(Route route) { routes_.push_back(std::move(route)); }
void Router::add(const std::vector<Route>& routes) {
  for (const auto& r : routes) add(r);
}

Router::Match Router::match(boost::beast::http::verb method, std::string_view path) const {
  Match m;
  auto segs = segments(path);
  int best = -1;
  for (const auto& r : routes_) {
    int score = match_pattern(r.pattern, segs, nullptr);
    if (score < 0) continue;
    if (std::find(m.allowed.begin(), m.allowed.end(), r.method) == m.allowed.end()) m.allowed.push_back(r.method);
    if (r.method == method && score > best) {
      best = score;
      m.route = &r;
    }
  }
  if (m.route) match_pattern(m.route->pattern, segs, &m.params);
  return m;
}

Target parse_target(std::string_view target) {
  Target t;
  auto q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  if (!percent_decode(raw_path, t.path, false)) t.valid = false;
  if (q == std::string_view::npos) return t;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string key, value;
    if (!percent_decode(pair.substr(0, eq), key, true) ||
        !percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), value, true))
      t.valid = false;
    t.query.emplace(std::move(key), std::move(value));
  }
  return t;
}

}  // namespace evp::api
