// flags → config → Application → signals → run.

#include "admin_routes.hpp"
#include "application.hpp"
#include "seed/seed_demo.hpp"

#include "backup/backup.hpp"
#include "check/checker.hpp"

#include <kernel/log.hpp>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

extern char** environ;

namespace {

constexpr int kExitConfig = 2;
constexpr int kExitBreach = 1;

// Removes `flag` (and, when it takes one, its value) from `args`; the value, "" for a bare flag,
// or nullopt when absent. Throws ConfigError when a value is missing.
std::optional<std::string> take_flag(std::vector<std::string>& args, const std::string& flag,
                                     bool with_value) {
  auto it = std::find(args.begin(), args.end(), flag);
  if (it == args.end()) return std::nullopt;
  if (!with_value) {
    args.erase(it);
    return std::string();
  }
  if (it + 1 == args.end()) throw mart::ConfigError(flag + " needs a value");
  std::string value = *(it + 1);
  args.erase(it, it + 2);
  return value;
}

// The data-safety commands' own flags, taken out before the settings are read.
struct DataSafetyFlags {
  bool json = false;
  std::optional<std::string> stuck_after;
  std::optional<std::string> to;
  std::optional<std::string> from;
};

mart::check::CheckOptions check_options(const mart::Config& config, const DataSafetyFlags& flags) {
  mart::check::CheckOptions options;
  if (!config.modules_all) options.modules = config.modules;
  options.stuck_after = config.orders_stuck_after;
  if (flags.stuck_after) {
    std::size_t used = 0;
    long long seconds = -1;
    try {
      seconds = std::stoll(*flags.stuck_after, &used);
    } catch (const std::exception&) {
    }
    if (seconds <= 0 || used != flags.stuck_after->size()) {
      throw mart::ConfigError("invalid --stuck-after: '" + *flags.stuck_after +
                              "' is not a positive number of seconds");
    }
    options.stuck_after = std::chrono::seconds(seconds);
  }
  return options;
}

void print_report(const mart::check::Report& report, bool json) {
  if (json) {
    std::cout << boost::json::serialize(report.to_json()) << "\n";
  } else {
    std::cout << report.to_text();
  }
}

int check_command(const mart::Config& config, const DataSafetyFlags& flags) {
  if (!std::filesystem::is_directory(config.data_dir)) {
    std::cerr << "mart check: " << config.data_dir.string() << " is not a directory\n";
    return kExitConfig;
  }
  auto report = mart::check::check_data_dir(config.data_dir, check_options(config, flags));
  print_report(report, flags.json);
  return report.ok() ? 0 : kExitBreach;
}

int backup_command(const mart::Config& config, const DataSafetyFlags& flags) {
  if (!flags.to) {
    std::cerr << "usage: mart backup --to DIR [--data-dir D | --config F]\n";
    return kExitConfig;
  }
  auto result = mart::backup::take_backup(config.data_dir, *flags.to, {MART_VERSION});
  std::cout << "backup " << *flags.to << ": " << result.manifest.modules.size() << " modules, "
            << result.bytes << " bytes in " << result.took.count() << " ms; write pause "
            << static_cast<double>(result.write_pause.count()) / 1000.0 << " ms\n";
  return 0;
}

int restore_command(const mart::Config& config, const DataSafetyFlags& flags) {
  if (!flags.from) {
    std::cerr << "usage: mart restore --from DIR [--data-dir D | --config F] [--json]\n";
    return kExitConfig;
  }
  auto result =
      mart::backup::restore_backup(*flags.from, config.data_dir, check_options(config, flags));
  std::cerr << "restored " << result.manifest.modules.size() << " modules taken at "
            << result.manifest.taken_at << " into " << config.data_dir.string()
            << "; checking them\n";
  print_report(result.report, flags.json);
  return result.report.ok() ? 0 : kExitBreach;
}

int data_safety_command(const std::string& name, const mart::Config& config,
                        const DataSafetyFlags& flags) {
  try {
    if (name == "check") return check_command(config, flags);
    if (name == "backup") return backup_command(config, flags);
    return restore_command(config, flags);
  } catch (const mart::backup::UsageError& error) {
    std::cerr << "mart " << name << ": " << error.what() << "\n";
    return kExitConfig;
  } catch (const mart::backup::BadBackup& error) {
    std::cerr << "mart " << name << ": " << error.what() << "\n";
    return kExitBreach;
  }
}

std::map<std::string, std::string> environment() {
  std::map<std::string, std::string> out;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string text(*entry);
    auto eq = text.find('=');
    if (eq != std::string::npos) out[text.substr(0, eq)] = text.substr(eq + 1);
  }
  return out;
}

int serve(mart::Config config) {
  mart::Application app(std::move(config));
  app.open();
  auto port = app.start();
  kernel::log::info("app", "listening on " + app.config().host + ":" + std::to_string(port));
  kernel::log::flush();  // a script waiting for this line sees it now, not at the next batch
  app.wait_for_signal();
  kernel::log::info("app", "shutting down");
  app.stop();
  kernel::log::info("app", "stopped");
  return 0;
}

int dead_letters(const std::vector<std::string>& words, mart::Config config) {
  mart::Application app(std::move(config));
  app.open();
  if (words.empty()) {
    std::cerr << "mart dead-letters: say list or replay ID\n";
    return kExitConfig;
  }
  if (words[0] == "list") {
    for (const auto& parked : app.bus().dead_letters(std::nullopt, 1000)) {
      std::cout << boost::json::serialize(mart::to_json(parked)) << "\n";
    }
    return 0;
  }
  if (words[0] == "replay" && words.size() == 2) {
    std::int64_t id = 0;
    try {
      id = std::stoll(words[1]);
    } catch (const std::exception&) {
      std::cerr << "mart dead-letters replay: '" << words[1] << "' is not an id\n";
      return kExitConfig;
    }
    try {
      auto outcome = app.bus().replay(id);
      using Result = eventbus::Bus::ReplayOutcome::Result;
      if (outcome.result == Result::delivered) {
        std::cout << "dead letter " << id << " delivered\n";
        return 0;
      }
      if (outcome.result == Result::failed_again) {
        std::cout << "dead letter " << id << " failed again (" << outcome.entry->last_error
                  << "); it will be retried\n";
        return 1;
      }
      std::cout << "event " << id << " is not dead; it is being retried\n";
      return 1;
    } catch (const std::out_of_range&) {
      std::cerr << "no dead letter " << id << "\n";
      return 1;
    }
  }
  std::cerr << "mart dead-letters: say list or replay ID\n";
  return kExitConfig;
}

int users_command(const std::vector<std::string>& words, mart::Config config,
                  bool promote_existing) {
  const bool create = words.size() >= 2 && words.size() <= 3 && words[0] == "create-admin";
  const bool demote = words.size() == 2 && words[0] == "demote-admin";
  if (!create && !demote) {
    std::cerr << "usage: mart users create-admin EMAIL [NAME] [--promote-existing] [OPTIONS]\n"
                 "       mart users demote-admin EMAIL [OPTIONS]\n"
                 "create-admin's password comes from MART_ADMIN_PASSWORD, or else the first line "
                 "of stdin;\nan existing non-admin account is made admin only with "
                 "--promote-existing (its older tokens end)\n";
    return kExitConfig;
  }
  std::string password;
  if (create) {
    password = config.admin_password;
    if (password.empty()) {
      std::getline(std::cin, password);
      while (!password.empty() && (password.back() == '\r' || password.back() == '\n')) {
        password.pop_back();
      }
    }
  }
  // Opening must not also ensure the configured admin: this command names its own.
  config.admin_email.clear();
  config.admin_password.clear();
  mart::Application app(std::move(config));
  app.open();
  if (demote) {
    auto id = app.demote_admin(words[1]);
    std::cout << "user " << id << " (" << words[1] << ") is no longer an admin\n";
    return 0;
  }
  auto id = app.ensure_admin(words[1], password, words.size() == 3 ? words[2] : "Administrator",
                             promote_existing);
  std::cout << "admin " << words[1] << " is user " << id << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::vector<std::string> command;
  mart::seed::SeedDemoOptions seed_options;
  if (!args.empty() && args[0] == "seed-demo") {
    auto if_empty = std::find(args.begin(), args.end(), "--if-empty");
    seed_options.if_empty = if_empty != args.end();
    if (seed_options.if_empty) args.erase(if_empty);
  }
  bool promote_existing = false;
  if (!args.empty() && args[0] == "users") {
    auto flag = std::find(args.begin(), args.end(), "--promote-existing");
    promote_existing = flag != args.end();
    if (promote_existing) args.erase(flag);
  }
  std::optional<std::string> data_safety;
  DataSafetyFlags safety_flags;
  if (!args.empty() && (args[0] == "check" || args[0] == "backup" || args[0] == "restore")) {
    data_safety = args[0];
    args.erase(args.begin());
    try {
      safety_flags.json = take_flag(args, "--json", false).has_value();
      if (*data_safety == "check")
        safety_flags.stuck_after = take_flag(args, "--stuck-after", true);
      if (*data_safety == "backup") safety_flags.to = take_flag(args, "--to", true);
      if (*data_safety == "restore") safety_flags.from = take_flag(args, "--from", true);
    } catch (const mart::ConfigError& error) {
      std::cerr << "mart " << *data_safety << ": " << error.what() << "\n";
      return kExitConfig;
    }
  }
  if (!args.empty() &&
      (args[0] == "dead-letters" || args[0] == "users" || args[0] == "seed-demo")) {
    command.push_back(args[0]);
    args.erase(args.begin());
    while (!args.empty() && !args[0].starts_with("--")) {
      command.push_back(args[0]);
      args.erase(args.begin());
    }
  }
  for (const auto& word : args) {
    if (word == "--help" || word == "-h") {
      std::cout << mart::usage();
      return 0;
    }
    if (word == "--version") {
      std::cout << "mart " << MART_VERSION << "\n";
      return 0;
    }
  }

  mart::Config config;
  try {
    config = mart::load_config(args, environment());
  } catch (const mart::ConfigError& error) {
    std::cerr << "mart: " << error.what() << "\n";
    return kExitConfig;
  }
  kernel::log::Level level{};
  kernel::log::parse_level(config.log_level, &level);
  kernel::log::set_level(level);

  try {
    if (data_safety) return data_safety_command(*data_safety, config, safety_flags);
    if (!command.empty()) {
      auto name = command.front();
      command.erase(command.begin());
      if (name == "users") return users_command(command, std::move(config), promote_existing);
      if (name == "seed-demo") {
        if (!command.empty()) {
          std::cerr << "usage: mart seed-demo [--if-empty] [OPTIONS]\n";
          return kExitConfig;
        }
        return mart::seed::seed_demo(std::move(config), seed_options, std::cout, std::cerr);
      }
      return dead_letters(command, std::move(config));
    }
    return serve(std::move(config));
  } catch (const mart::ConfigError& error) {
    std::cerr << "mart: " << error.what() << "\n";
    return kExitConfig;
  } catch (const std::exception& error) {
    std::cerr << "mart: " << error.what() << "\n";
    kernel::log::error("app", std::string("start-up failed: ") + error.what());
    return 1;
  }
}
