// flags → config → Application → signals → run.

#include "admin_routes.hpp"
#include "application.hpp"
#include "seed/seed_demo.hpp"

#include <kernel/log.hpp>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>

extern char** environ;

namespace {

constexpr int kExitConfig = 2;

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
