#pragma once
// The operator console's files (api/console/), served by the API itself under /console/.
// Every file is read once at start-up into memory: a request never touches the file system,
// so it never blocks the loop and no path a client sends can reach anything but the files
// that were listed then (no traversal, no symlinks, no dotfiles).
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace evp::api {

struct StaticFile {
  std::string body;
  std::string content_type;
  std::string etag;  ///< strong validator: a hash of the body, quoted
};

class StaticFiles {
 public:
  /// Where the console is mounted; "/console" redirects to it, and so does "/".
  static constexpr std::string_view kMount = "/console/";
  /// Caps on what is loaded: a console folder pointed at the wrong place (a home folder)
  /// must not fill the server's memory.
  static constexpr std::size_t kMaxFiles = 500;
  static constexpr std::size_t kMaxBytes = 16 * 1024 * 1024;
  /// The Content-Security-Policy of every console response: only our own scripts, styles
  /// and API; no inline script, no framing, no other origin.
  static constexpr const char* kContentSecurityPolicy =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
      "manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  StaticFiles() = default;
  /// Loads the regular files below `dir` (recursively; symlinks and names starting with a
  /// dot are skipped). A missing folder gives an empty set; `error` then says why.
  /// Throws std::runtime_error when the folder exceeds kMaxFiles or kMaxBytes.
  static StaticFiles load(const std::string& dir, std::string* error = nullptr);

  /// The file at `relative` ("index.html", "css/a.css"); "" is "index.html". Null when there
  /// is none, including any path with "." or ".." segments, empty segments or a backslash.
  const StaticFile* find(std::string_view relative) const;
  std::size_t size() const { return files_.size(); }
  bool empty() const { return files_.empty(); }

  /// Answers a GET for `path` (decoded, starting with kMount or equal to "/console"):
  /// the file, 304 for a matching If-None-Match, a redirect for "/console", 404 as JSON.
  boost::beast::http::response<boost::beast::http::string_body> serve(
      const boost::beast::http::request<boost::beast::http::string_body>& req, std::string_view path) const;

  /// Adds the console's security headers (CSP, nosniff, no framing, no referrer).
  static void secure(boost::beast::http::response<boost::beast::http::string_body>& res);

  /// Content-Type for a file name by its extension (application/octet-stream if unknown).
  static std::string content_type_of(std::string_view name);

 private:
  std::map<std::string, StaticFile, std::less<>> files_;
};

}  // namespace evp::api
