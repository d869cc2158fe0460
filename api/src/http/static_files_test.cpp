#include "http/static_files.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "evp/testing/process.hpp"

using evp::api::StaticFiles;

TEST_CASE("static files: content types by extension") {
  CHECK(StaticFiles::content_type_of("index.html") == "text/html; charset=utf-8");
  CHECK(StaticFiles::content_type_of("views/station.js") == "text/javascript; charset=utf-8");
  CHECK(StaticFiles::content_type_of("STYLE.CSS") == "text/css; charset=utf-8");
  CHECK(StaticFiles::content_type_of("icon.svg") == "image/svg+xml");
  CHECK(StaticFiles::content_type_of("shot.png") == "image/png");
  CHECK(StaticFiles::content_type_of("Makefile") == "application/octet-stream");
  CHECK(StaticFiles::content_type_of("a.exe") == "application/octet-stream");
}

TEST_CASE("static files: only what was loaded, by a clean relative path") {
  evp::testing::ScratchDir dir("", "evp-static");
  std::filesystem::create_directories(dir.path() + "/views");
  std::ofstream(dir.path() + "/index.html") << "<p>";
  std::ofstream(dir.path() + "/views/a.js") << "1";
  std::ofstream(dir.path() + "/.hidden") << "no";
  std::filesystem::create_directories(dir.path() + "/.git");
  std::ofstream(dir.path() + "/.git/config") << "no";
  auto files = StaticFiles::load(dir.path());
  CHECK(files.size() == 2);
  REQUIRE(files.find("") != nullptr);
  CHECK(files.find("")->body == "<p>");
  CHECK(files.find("views/a.js") != nullptr);
  CHECK(files.find("views/a.js")->etag.size() == 34);  // 32 hex digits, quoted
  for (const char* bad : {".hidden", ".git/config", "../index.html", "views/../index.html", "./index.html",
                          "views//a.js", "views\\a.js", "/index.html", "views/", "views"})
    CHECK_MESSAGE(files.find(bad) == nullptr, bad);

  std::string why;
  CHECK(StaticFiles::load(dir.path() + "/missing", &why).empty());
  CHECK(why.find("no folder") != std::string::npos);
}
