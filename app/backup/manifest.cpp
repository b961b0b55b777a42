#include "manifest.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace mart::backup {
namespace {

boost::json::object entry_json(const ManifestEntry& entry) {
  boost::json::object out;
  if (!entry.module.empty()) out["module"] = entry.module;
  out["file"] = entry.file;
  out["bytes"] = entry.bytes;
  out["sha256"] = entry.sha256;
  return out;
}

const boost::json::value& field(const boost::json::object& object, const char* name) {
  auto* value = object.if_contains(name);
  if (!value) throw BadManifest(std::string("manifest has no \"") + name + "\"");
  return *value;
}

std::string text_field(const boost::json::object& object, const char* name) {
  const auto& value = field(object, name);
  if (!value.is_string()) throw BadManifest(std::string("manifest's ") + name + " is not text");
  return std::string(value.as_string());
}

bool plain_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

std::vector<ManifestEntry> entries(const boost::json::object& object, const char* name,
                                   bool with_module) {
  std::vector<ManifestEntry> out;
  auto* list = object.if_contains(name);
  if (!list) {
    if (with_module) throw BadManifest(std::string("manifest has no \"") + name + "\"");
    return out;
  }
  if (!list->is_array()) throw BadManifest(std::string("manifest's ") + name + " is not a list");
  for (const auto& item : list->as_array()) {
    if (!item.is_object()) throw BadManifest("manifest entry is not an object");
    const auto& e = item.as_object();
    ManifestEntry entry;
    if (with_module) entry.module = text_field(e, "module");
    entry.file = text_field(e, "file");
    entry.sha256 = text_field(e, "sha256");
    const auto& bytes = field(e, "bytes");
    if (bytes.is_uint64()) {
      entry.bytes = bytes.as_uint64();
    } else if (bytes.is_int64() && bytes.as_int64() >= 0) {
      entry.bytes = static_cast<std::uint64_t>(bytes.as_int64());
    } else {
      throw BadManifest("manifest's bytes of " + entry.file + " is not a size");
    }
    if (!plain_name(entry.file)) throw BadManifest("manifest names a file outside the backup");
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

std::string to_json_text(const Manifest& manifest) {
  boost::json::object out;
  out["format"] = manifest.format;
  out["mart_version"] = manifest.mart_version;
  out["taken_at"] = manifest.taken_at;
  out["write_pause_ms"] = manifest.write_pause_ms;
  out["write_pause_us"] = manifest.write_pause_us;
  boost::json::array modules;
  for (const auto& m : manifest.modules) modules.emplace_back(entry_json(m));
  out["modules"] = std::move(modules);
  boost::json::array files;
  for (const auto& f : manifest.files) files.emplace_back(entry_json(f));
  out["files"] = std::move(files);
  return boost::json::serialize(out) + "\n";
}

Manifest parse_manifest(const std::string& text) {
  boost::json::value value;
  try {
    value = boost::json::parse(text);
  } catch (const std::exception& error) {
    throw BadManifest(std::string("manifest is not JSON: ") + error.what());
  }
  if (!value.is_object()) throw BadManifest("manifest is not a JSON object");
  const auto& object = value.as_object();
  Manifest manifest;
  const auto& format = field(object, "format");
  if (!format.is_int64() || format.as_int64() != kManifestFormat) {
    throw BadManifest("manifest format is not " + std::to_string(kManifestFormat));
  }
  manifest.mart_version = text_field(object, "mart_version");
  manifest.taken_at = text_field(object, "taken_at");
  const auto& pause = field(object, "write_pause_ms");
  if (!pause.is_int64()) throw BadManifest("manifest's write_pause_ms is not a whole number");
  manifest.write_pause_ms = pause.as_int64();
  if (auto* us = object.if_contains("write_pause_us"); us && us->is_int64()) {
    manifest.write_pause_us = us->as_int64();
  }
  manifest.modules = entries(object, "modules", true);
  manifest.files = entries(object, "files", false);
  return manifest;
}

}  // namespace mart::backup
