#include "config/config.hpp"
#include "config/settings_table.hpp"

#include <kernel/text.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <sstream>

namespace mart {
namespace {

struct Target {
  const Setting* setting = nullptr;
  const Family* family = nullptr;
  std::string member;

  std::string key() const { return setting ? setting->info.key : family->info.family + member; }
};

const Setting* find_by(const std::string& text, std::string SettingInfo::*field) {
  for (const auto& s : setting_table()) {
    if (s.info.*field == text) return &s;
  }
  return nullptr;
}

// A config-file key: a single setting first, then a family member ("upstream.timeout_ms" is a
// setting of its own, not the upstream of a module called "timeout_ms").
std::optional<Target> by_key(const std::string& key) {
  if (const auto* setting = find_by(key, &SettingInfo::key)) return Target{setting, nullptr, {}};
  for (const auto& family : family_table()) {
    if (key.starts_with(family.info.family)) {
      return Target{nullptr, &family, key.substr(family.info.family.size())};
    }
  }
  return std::nullopt;
}

std::optional<Target> by_env(const std::string& name) {
  if (const auto* setting = find_by(name, &SettingInfo::env)) return Target{setting, nullptr, {}};
  for (const auto& family : family_table()) {
    if (!name.starts_with(family.env_prefix)) continue;
    auto member = name.substr(family.env_prefix.size());
    std::transform(member.begin(), member.end(), member.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (family.env_underscore_is_dot) std::replace(member.begin(), member.end(), '_', '.');
    return Target{nullptr, &family, member};
  }
  return std::nullopt;
}

const Family* family_by_flag(const std::string& flag) {
  for (const auto& family : family_table()) {
    if (family.info.flag == flag) return &family;
  }
  return nullptr;
}

void apply(Config& config, const Target& target, const std::string& value,
           const std::string& origin) {
  try {
    if (target.setting) {
      target.setting->apply(config, value);
    } else {
      target.family->apply(config, target.member, value);
    }
  } catch (const std::invalid_argument& error) {
    bool hide = (target.family && target.family->hide_values) ||
                target.key().find("secret") != std::string::npos ||
                target.key().find("password") != std::string::npos;
    throw ConfigError("invalid " + target.key() + (hide ? "" : " = '" + value + "'") + " (from " +
                      origin + "): " + error.what());
  }
}

// A config line's blanks (a file written on Windows ends its lines in \r).
std::string trim(std::string_view text) {
  return std::string(kernel::trim_view(text, " \t\r"));
}

// A '#' starts a comment at the start of a line or after a blank, outside double quotes, so that
// values such as passwords and URLs may hold one ("sasl.password = a#b").
std::size_t comment_start(const std::string& line) {
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '"') quoted = !quoted;
    if (line[i] == '#' && !quoted && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
      return i;
    }
  }
  return std::string::npos;
}

// Faults are injected only on purpose: any faults.* key other than faults.enabled that is not
// at its default while faults.enabled is not true stops start-up, naming the key.
void refuse_faults_unless_enabled(const Config& config) {
  if (config.faults.enabled) return;
  const kernel::faults::Settings defaults = Config().faults;
  const auto& f = config.faults;
  const std::pair<const char*, bool> keys[] = {
      {"faults.handler_failure_rate", f.handler_failure_rate != defaults.handler_failure_rate},
      {"faults.delivery_delay_ms", f.delivery_delay != defaults.delivery_delay},
      {"faults.delivery_delay_rate", f.delivery_delay_rate != defaults.delivery_delay_rate},
      {"faults.duplicate_rate", f.duplicate_rate != defaults.duplicate_rate},
      {"faults.stop_at", f.stop_at != defaults.stop_at},
      {"faults.stop_rate", f.stop_rate != defaults.stop_rate},
      {"faults.seed", f.seed != defaults.seed},
  };
  for (const auto& [key, set] : keys) {
    if (set) {
      throw ConfigError(std::string(key) +
                        " is set but faults.enabled is not true (faults are injected only in "
                        "tests and drills: set faults.enabled = true)");
    }
  }
}

}  // namespace

const std::vector<SettingInfo>& settings() {
  static const std::vector<SettingInfo> infos = [] {
    std::vector<SettingInfo> out;
    for (const auto& s : setting_table()) out.push_back(s.info);
    for (const auto& f : family_table()) out.push_back(f.info);
    return out;
  }();
  return infos;
}

Config::Config() {
  // Empty defaults (no admin, no webhook, ...) are the members' empty values already.
  for (const auto& s : setting_table()) {
    if (!s.info.default_value.empty()) s.apply(*this, s.info.default_value);
  }
}

std::map<std::string, std::string> parse_config_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError("cannot read config file " + file.string());
  std::map<std::string, std::string> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (auto hash = comment_start(line); hash != std::string::npos) line.erase(hash);
    line = trim(line);
    if (line.empty()) continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) {
      throw ConfigError(file.string() + ":" + std::to_string(number) + ": expected 'key = value'");
    }
    auto key = trim(line.substr(0, eq));
    auto value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    out[key] = value;
  }
  return out;
}

Config load_config(const std::vector<std::string>& args,
                   const std::map<std::string, std::string>& env) {
  Config config;

  // Flags first into a list, so --config is known before the file is read.
  std::vector<std::pair<Target, std::string>> flags;
  std::optional<std::string> config_file;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string word = args[i];
    std::string value;
    bool has_value = false;
    if (auto eq = word.find('='); word.starts_with("--") && eq != std::string::npos) {
      value = word.substr(eq + 1);
      word = word.substr(0, eq);
      has_value = true;
    }
    if (word == "--no-web") {  // a switch, short for --web-enabled false
      if (has_value) throw ConfigError("option --no-web takes no value");
      flags.emplace_back(Target{find_by("--web-enabled", &SettingInfo::flag), nullptr, {}},
                         "false");
      continue;
    }
    const auto* setting = find_by(word, &SettingInfo::flag);
    const auto* family = setting ? nullptr : family_by_flag(word);
    if (word != "--config" && !setting && !family) {
      throw ConfigError("unknown option " + word + " (see --help)");
    }
    if (!has_value) {
      if (i + 1 >= args.size()) throw ConfigError("option " + word + " needs a value");
      value = args[++i];
    }
    if (word == "--config") {
      config_file = value;
    } else if (setting) {
      flags.emplace_back(Target{setting, nullptr, {}}, value);
    } else {
      auto eq = value.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw ConfigError("option " + word + " needs " + family->info.flag_value + " (see --help)");
      }
      flags.emplace_back(Target{nullptr, family, value.substr(0, eq)}, value.substr(eq + 1));
    }
  }
  if (!config_file) {
    if (auto it = env.find("MART_CONFIG"); it != env.end() && !it->second.empty()) {
      config_file = it->second;
    }
  }

  if (config_file) {
    for (const auto& [key, value] : parse_config_file(*config_file)) {
      auto target = by_key(key);
      if (!target) throw ConfigError("unknown setting '" + key + "' in " + *config_file);
      apply(config, *target, value, *config_file);
    }
  }
  for (const auto& [name, value] : env) {
    if (!name.starts_with("MART_") || name == "MART_CONFIG") continue;
    auto target = by_env(name);
    if (!target) throw ConfigError("unknown environment setting " + name);
    apply(config, *target, value, "environment " + name);
  }
  for (const auto& [target, value] : flags) {
    apply(config, target, value,
          target.setting ? target.setting->info.flag : target.family->info.flag);
  }
  refuse_faults_unless_enabled(config);
  return config;
}

}  // namespace mart
