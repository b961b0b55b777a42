#pragma once
// The one table of Mart's settings: for each, its key, environment variable, flag, default, help
// line and how its text becomes a Config member. The loader (config.cpp), `mart --help` and the
// documentation (settings_text.cpp) all read it; Config's defaults come from it (Config()).

#include "config/config.hpp"

#include <functional>
#include <string>
#include <vector>

namespace mart {

struct Setting {
  SettingInfo info;
  std::function<void(Config&, const std::string&)> apply;  // throws std::invalid_argument
};

// A keyed family: key "<prefix><name>", env "<env_prefix><NAME>", flag "--flag name=value".
struct Family {
  SettingInfo info;
  std::string env_prefix;      // "MART_UPSTREAM_"
  bool env_underscore_is_dot;  // MART_KAFKA_PROPERTY_SASL_MECHANISMS -> sasl.mechanisms
  bool hide_values;            // values may be secrets: errors do not repeat them
  std::function<void(Config&, const std::string& name, const std::string& value)> apply;
};

// A setting named by a key, variable or flag: a single setting, or one member of a family.

const std::vector<Setting>& setting_table();
const std::vector<Family>& family_table();

// The module names a `modules` list or an `upstream.<module>` key may use, for error texts.
std::string known_modules_text();

}  // namespace mart
