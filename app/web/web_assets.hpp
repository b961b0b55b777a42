#pragma once
// The web pages' files as compiled into the binary: each with its URL, type, content-hash ETag,
// bytes and (when it is smaller) a gzip copy; and the page patterns a deep link may use. The
// binary's own table is generated at build time (cmake/EmbedWebAssets.cmake); tests make their
// own.

#include <cstddef>
#include <span>
#include <string_view>

namespace mart::web {

struct Asset {
  std::string_view url;   // "/assets/store-HASH.js", "/index.html"
  std::string_view type;  // Content-Type
  std::string_view etag;  // strong, quoted: "\"8f3a...\""
  std::span<const unsigned char> body;
  std::span<const unsigned char> gzip;  // empty: no gzip copy (it would not be smaller)
  std::string_view gzip_etag;           // the gzip copy's own strong ETag
  bool immutable = false;               // a content-hashed name: cached for a year
};

// A client-side route ("/orders/{id}": {id} is one path segment of digits) answered with the
// HTML at `url`, so that a deep link loads the page that shows it.
struct PageRoute {
  std::string_view pattern;
  std::string_view url;
};

struct AssetTable {
  std::span<const Asset> assets;
  std::span<const PageRoute> pages;
};

// The pages built into this binary; empty when it was built with -DMART_WEB=OFF.
AssetTable embedded_assets();

}  // namespace mart::web
