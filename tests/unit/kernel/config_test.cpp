#include "config/config.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <fstream>

TEST_SUITE("config") {
  TEST_CASE("[Config] zero-config defaults") {
    auto c = mart::load_config({}, {});
    CHECK(c.host == "127.0.0.1");
    CHECK(c.port == 8080);
    CHECK(c.data_dir == "./data");
    CHECK(c.modules.size() == 6);
    CHECK(c.http_body_limit == 1048576);
  }

  TEST_CASE("[Config] precedence: flag > environment > file > default") {
    mart::test::TempDir dir;
    auto file = dir.path() / "mart.conf";
    std::ofstream(file) << "# comment\nport = 9001\nhost = \"127.0.0.2\"\nio_threads = 3\n";
    std::map<std::string, std::string> env = {
        {"MART_PORT", "9002"}, {"MART_IO_THREADS", "4"}, {"PATH", "/bin"}};
    auto c = mart::load_config({"--config", file.string(), "--port=9003"}, env);
    CHECK(c.port == 9003);
    CHECK(c.io_threads == 4);
    CHECK(c.host == "127.0.0.2");
    env["MART_CONFIG"] = file.string();
    auto from_env = mart::load_config({}, env);
    CHECK(from_env.port == 9002);
  }

  TEST_CASE("[Config] bad values and unknown keys name the setting") {
    auto message = [](std::vector<std::string> args, std::map<std::string, std::string> env) {
      try {
        mart::load_config(args, env);
      } catch (const mart::ConfigError& e) {
        return std::string(e.what());
      }
      return std::string();
    };
    CHECK(message({"--port", "70000"}, {}).find("port") != std::string::npos);
    CHECK(message({"--port"}, {}).find("--port") != std::string::npos);
    CHECK(message({"--colour", "red"}, {}).find("--colour") != std::string::npos);
    CHECK(message({}, {{"MART_PORT", "x"}}).find("MART_PORT") != std::string::npos);
    CHECK(message({}, {{"MART_NOPE", "1"}}).find("MART_NOPE") != std::string::npos);
    CHECK(message({"--modules", "products,shoes"}, {}).find("shoes") != std::string::npos);

    mart::test::TempDir dir;
    auto file = dir.path() / "bad.conf";
    std::ofstream(file) << "colour = red\n";
    CHECK(message({"--config", file.string()}, {}).find("colour") != std::string::npos);
    CHECK(message({"--config", (dir.path() / "missing.conf").string()}, {}).find("missing.conf") !=
          std::string::npos);
  }

  TEST_CASE("[Config] module lists") {
    CHECK(mart::load_config({"--modules", "none"}, {}).modules.empty());
    auto c = mart::load_config({"--modules", "products, users"}, {});
    CHECK(c.modules == std::vector<std::string>{"products", "users"});
    CHECK_FALSE(c.modules_all);
  }
}

TEST_CASE("[Config] the shipped config/mart.conf parses and states the built-in defaults") {
  auto shipped = mart::load_config({"--config", MART_SOURCE_DIR "/config/mart.conf"}, {});
  auto defaults = mart::load_config({}, {});
  CHECK(shipped.host == defaults.host);
  CHECK(shipped.port == defaults.port);
  CHECK(shipped.data_dir == defaults.data_dir);
  CHECK(shipped.modules == defaults.modules);
  CHECK(shipped.http_body_limit == defaults.http_body_limit);
  CHECK(shipped.bus_batch_size == defaults.bus_batch_size);
  // Every setting is documented in the shipped file.
  auto keys = mart::parse_config_file(MART_SOURCE_DIR "/config/mart.conf");
  for (const auto& s : mart::settings()) CHECK_MESSAGE(keys.count(s.key) == 1, s.key);
}
