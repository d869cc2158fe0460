#include "http/static_files.hpp"

#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "http/context.hpp"
#include "util/crypto.hpp"

namespace evp::api {

namespace fs = std::filesystem;

namespace {

std::string etag_of(const std::string& body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!EVP_Digest(body.data(), body.size(), digest, &len, EVP_sha256(), nullptr))
    throw std::runtime_error("SHA-256 failed");
  return "\"" + to_hex(std::string_view(reinterpret_cast<const char*>(digest), 16)) + "\"";
}

// A relative path we would serve: segments of safe characters, none "." or "..", none empty.
bool safe_relative(std::string_view p) {
  if (p.empty() || p.size() > 512) return false;
  std::size_t start = 0;
  while (start <= p.size()) {
    auto end = p.find('/', start);
    if (end == std::string_view::npos) end = p.size();
    auto seg = p.substr(start, end - start);
    if (seg.empty() || seg.front() == '.') return false;  // "", ".", "..", dotfiles
    for (char c : seg) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f || c == '\\' || c == ':') return false;
    }
    start = end + 1;
  }
  return true;
}

// If-None-Match: "*" or a list of (possibly weak) tags.
bool matches(std::string_view header, const std::string& etag) {
  if (header == "*") return true;
  std::size_t pos = 0;
  while (pos < header.size()) {
    auto comma = header.find(',', pos);
    if (comma == std::string_view::npos) comma = header.size();
    auto tag = header.substr(pos, comma - pos);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
    pos = comma + 1;
  }
  return false;
}

}  // namespace

std::string StaticFiles::content_type_of(std::string_view name) {
  auto dot = name.rfind('.');
  std::string ext = dot == std::string_view::npos ? "" : std::string(name.substr(dot + 1));
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == "html" || ext == "htm") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json") return "application/json";
  if (ext == "webmanifest") return "application/manifest+json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "txt" || ext == "md") return "text/plain; charset=utf-8";
  if (ext == "woff2") return "font/woff2";
  return "application/octet-stream";
}

StaticFiles StaticFiles::load(const std::string& dir, std::string* error) {
  StaticFiles out;
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) {
    if (error) *error = dir.empty() ? "no folder configured" : "no folder " + dir;
    return out;
  }
  const fs::path root = fs::canonical(dir);
  std::size_t bytes = 0;
  auto it = fs::recursive_directory_iterator(root, fs::directory_options::none);
  for (; it != fs::recursive_directory_iterator(); ++it) {
    const auto name = it->path().filename().string();
    if (name.starts_with(".")) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    // Symlinks are neither followed nor served: what is served is exactly what is in here.
    if (it->is_symlink(ec) || !it->is_regular_file(ec)) continue;
    auto relative = it->path().lexically_relative(root).generic_string();
    if (!safe_relative(relative)) continue;
    if (out.files_.size() >= kMaxFiles)
      throw std::runtime_error("console folder " + dir + " has more than " + std::to_string(kMaxFiles) + " files");
    std::ifstream in(it->path(), std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) throw std::runtime_error("cannot read " + it->path().string());
    bytes += body.size();
    if (bytes > kMaxBytes)
      throw std::runtime_error("console folder " + dir + " holds more than " + std::to_string(kMaxBytes) + " bytes");
    StaticFile f{std::move(body), content_type_of(relative), {}};
    f.etag = etag_of(f.body);
    out.files_.emplace(std::move(relative), std::move(f));
  }
  return out;
}

const StaticFile* StaticFiles::find(std::string_view relative) const {
  if (relative.empty()) relative = "index.html";
  if (!safe_relative(relative)) return nullptr;
  auto it = files_.find(relative);
  return it == files_.end() ? nullptr : &it->second;
}

void StaticFiles::secure(http::response<http::string_body>& res) {
  res.set("Content-Security-Policy", kContentSecurityPolicy);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "no-referrer");
}

http::response<http::string_body> StaticFiles::serve(const http::request<http::string_body>& req,
                                                     std::string_view path) const {
  http::response<http::string_body> res{http::status::ok, req.version()};
  secure(res);
  if (path.size() + 1 == kMount.size() && kMount.starts_with(path)) {  // "/console"
    res.result(http::status::found);
    res.set(http::field::location, kMount);
    res.set(http::field::cache_control, "no-cache");
    return res;
  }
  if (req.method() != http::verb::get) {
    ApiError e(http::status::method_not_allowed, "method_not_allowed",
               std::string(req.method_string()) + " is not allowed here");
    throw e;
  }
  const StaticFile* file = path.starts_with(kMount) ? find(path.substr(kMount.size())) : nullptr;
  if (!file) {
    if (empty())
      throw ApiError(http::status::not_found, "console_not_installed",
                     "the console's files are not on this server (see CONSOLE_DIR)");
    throw ApiError(http::status::not_found, "not_found", "no such file");
  }
  // Always revalidated (cheap with the ETag), so a new version is seen at the next load.
  res.set(http::field::cache_control, "no-cache");
  res.set(http::field::etag, file->etag);
  if (matches(req[http::field::if_none_match], file->etag)) {
    res.result(http::status::not_modified);
    return res;
  }
  res.set(http::field::content_type, file->content_type);
  res.body() = file->body;
  return res;
}

}  // namespace evp::api
