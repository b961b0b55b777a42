#pragma once
// A backup's manifest.json: what was backed up, when, by which mart, how long writes paused, and
// each file's size and SHA-256 — the only proof that a backup is whole.
// {"format":1,"mart_version":"...","taken_at":"<RFC 3339>","write_pause_ms":N,"write_pause_us":N,
//  "modules":[{"module","file","bytes","sha256"}],"files":[{"file","bytes","sha256"}]}
// `files` holds what else the data directory needs (jwt_secret, which sealed card tokens of
// orders in flight and the users' tokens depend on).

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace mart::backup {

inline constexpr int kManifestFormat = 1;
inline constexpr const char* kManifestName = "manifest.json";

struct ManifestEntry {
  std::string module;  // empty in `files`
  std::string file;    // a plain name within the backup directory
  std::uint64_t bytes = 0;
  std::string sha256;
};

struct Manifest {
  int format = kManifestFormat;
  std::string mart_version;
  std::string taken_at;
  std::int64_t write_pause_ms = 0;  // rounded up: a pause of 0.2 ms is not none
  std::int64_t write_pause_us = 0;
  std::vector<ManifestEntry> modules;
  std::vector<ManifestEntry> files;
};

class BadManifest : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string to_json_text(const Manifest& manifest);
// Throws BadManifest on anything that is not a manifest this build can read (a file name with a
// path separator included: a manifest must not name files outside its backup).
Manifest parse_manifest(const std::string& text);

}  // namespace mart::backup
