#include "config/config.hpp"

namespace mart {

std::string usage() {
  std::string text =
      "Usage: mart [OPTIONS]                  serve the HTTP API\n"
      "       mart dead-letters list [OPTIONS]\n"
      "       mart dead-letters replay ID [OPTIONS]\n"
      "       mart users create-admin EMAIL [NAME] [--promote-existing] [OPTIONS]\n"
      "                               (password: MART_ADMIN_PASSWORD or stdin; an existing\n"
      "                               non-admin account needs --promote-existing)\n"
      "       mart users demote-admin EMAIL [OPTIONS]   make an admin a customer again\n"
      "       mart seed-demo [--if-empty] [OPTIONS]   fill an empty data directory with a demo "
      "shop\n"
      "                               and print its admin and customer passwords (--if-empty: a\n"
      "                               directory with data is left alone, silently)\n"
      "       mart check [--json] [--stuck-after SECONDS] [OPTIONS]   verify the invariants of\n"
      "                               the data directory (exit 1 on a breach)\n"
      "       mart backup --to DIR [OPTIONS]   a consistent, checksummed copy of the data\n"
      "                               directory, taken on a running or a stopped mart\n"
      "       mart restore --from DIR [--json] [OPTIONS]   into a data directory without module\n"
      "                               databases, then check it\n"
      "       mart --help | --version\n\n"
      "Every option can also be set in the config file (key = value) or as an environment\n"
      "variable; precedence: flag > environment > file > default.\n\n"
      "  --config FILE  (MART_CONFIG)\n      config file to read\n"
      "  --no-web\n      the same as --web-enabled false: no web pages, the API only\n";
  for (const auto& s : settings()) {
    if (!s.family.empty()) {
      text += "  " + s.flag + " " + s.flag_value + "  (repeatable; " + s.env + ", file key " +
              s.key + ")\n      " + s.help + "\n";
      continue;
    }
    text += "  " + s.flag + " " + s.flag_value + "  (" + s.env + ", file key " + s.key +
            ", default " + (s.default_value.empty() ? "none" : s.default_value) + ")\n      " +
            s.help + "\n";
  }
  return text;
}

// docs/configuration.md's table; a test keeps the file equal to it.
std::string settings_markdown() {
  auto cell = [](const std::string& text) {
    std::string out;
    for (char c : text) {
      if (c == '|') out += '\\';
      out += c;
    }
    return out;
  };
  std::string text =
      "| key | environment | flag | default | meaning |\n| --- | --- | --- | --- | --- |\n";
  for (const auto& s : settings()) {
    auto fallback = s.family.empty() ? std::string("none") : std::string("—");
    text += "| `" + s.key + "` | `" + s.env + "` | `" + s.flag + "` | " +
            (s.default_value.empty() ? fallback : "`" + s.default_value + "`") + " | " +
            cell(s.help) + " |\n";
  }
  return text;
}

}  // namespace mart
