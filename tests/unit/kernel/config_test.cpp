#include "config/config.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

TEST_SUITE("config") {
  TEST_CASE("[Config] zero-config defaults") {
    auto c = mart::load_config({}, {});
    CHECK(c.host == "127.0.0.1");
    CHECK(c.port == 8080);
    CHECK(c.data_dir == "./data");
    CHECK(c.modules.size() == 6);
    CHECK(c.http_body_limit == 1048576);
  }

  TEST_CASE("[Config] durability: process by default, power on request, nothing else") {
    CHECK_FALSE(mart::load_config({}, {}).durability_power);
    CHECK(mart::load_config({"--durability", "power"}, {}).durability_power);
    CHECK_FALSE(mart::load_config({}, {{"MART_DURABILITY", "process"}}).durability_power);
    CHECK_THROWS_WITH_AS(mart::load_config({"--durability", "fast"}, {}),
                         doctest::Contains("durability"), mart::ConfigError);
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
    auto message = [](const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env) {
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

  TEST_CASE("[Config] kafka settings: defaults, precedence and bad values") {
    auto defaults = mart::load_config({}, {});
    CHECK_FALSE(defaults.kafka_enabled);
    CHECK(defaults.kafka_brokers == "127.0.0.1:9092");
    CHECK(defaults.kafka_topic_prefix.empty());
    CHECK(defaults.kafka_properties.empty());

    mart::test::TempDir dir;
    auto file = dir.path() / "mart.conf";
    std::ofstream(file) << "kafka.enabled = true\nkafka.brokers = a:1\nkafka.topic_prefix = f\n";
    auto from_file = mart::load_config({"--config", file.string()}, {});
    CHECK(from_file.kafka_enabled);
    CHECK(from_file.kafka_brokers == "a:1");
    CHECK(from_file.kafka_topic_prefix == "f");

    std::map<std::string, std::string> env = {{"MART_KAFKA_ENABLED", "false"},
                                              {"MART_KAFKA_BROKERS", "b:2, c:3"},
                                              {"MART_KAFKA_TOPIC_PREFIX", "stage."}};
    auto from_env = mart::load_config({"--config", file.string()}, env);
    CHECK_FALSE(from_env.kafka_enabled);
    CHECK(from_env.kafka_brokers == "b:2,c:3");
    CHECK(from_env.kafka_topic_prefix == "stage.");

    auto from_flag = mart::load_config({"--config", file.string(), "--kafka-enabled", "true",
                                        "--kafka-brokers=[::1]:9092", "--kafka-topic-prefix", ""},
                                       env);
    CHECK(from_flag.kafka_enabled);
    CHECK(from_flag.kafka_brokers == "[::1]:9092");
    CHECK(from_flag.kafka_topic_prefix.empty());

    for (const auto& bad : {"yes", "1", ""}) {
      CHECK_THROWS_WITH_AS(mart::load_config({"--kafka-enabled", bad}, {}),
                           doctest::Contains("kafka.enabled"), mart::ConfigError);
    }
    for (const auto& bad : {"", " , ", "localhost", "a:0", "a:65536", "a:x", "::1:9092", ":9092",
                            "a:1,b", "[::1]9092"}) {
      CAPTURE(bad);
      CHECK_THROWS_WITH_AS(mart::load_config({"--kafka-brokers", bad}, {}),
                           doctest::Contains("kafka.brokers"), mart::ConfigError);
    }
    for (const auto& bad : {"a b", "topic/", "caf\xc3\xa9"}) {
      CHECK_THROWS_WITH_AS(mart::load_config({}, {{"MART_KAFKA_TOPIC_PREFIX", bad}}),
                           doctest::Contains("kafka.topic_prefix"), mart::ConfigError);
    }
    CHECK_THROWS_WITH_AS(mart::load_config({"--kafka-topic-prefix", std::string(201, 'x')}, {}),
                         doctest::Contains("kafka.topic_prefix"), mart::ConfigError);
  }

  TEST_CASE("[Config] events.publish_versions: older versions of this build's events only") {
    CHECK(mart::load_config({}, {}).publish_versions.empty());
    auto pinned = mart::load_config({"--events-publish-versions", " orders.order_placed.v1 "}, {});
    CHECK(pinned.publish_versions == std::vector<std::string>{"orders.order_placed.v1"});
    for (const auto& bad : {"orders.order_placed.v2", "orders.order_placed.v9", "orders.nothing.v1",
                            "orders.order_confirmed.v1"}) {
      CAPTURE(bad);
      CHECK_THROWS_WITH_AS(mart::load_config({"--events-publish-versions", bad}, {}),
                           doctest::Contains("events.publish_versions"), mart::ConfigError);
    }
  }

  TEST_CASE("[Config] kafka.property.<name>: a pass-through family") {
    mart::test::TempDir dir;
    auto file = dir.path() / "mart.conf";
    std::ofstream(file) << "kafka.property.security.protocol = SASL_SSL\n"
                           "kafka.property.sasl.mechanisms = PLAIN\n"
                           "kafka.property.sasl.password = \"p#ss word\"\n"
                           "kafka.property.client.id = from-file\n";
    std::map<std::string, std::string> env = {
        {"MART_KAFKA_PROPERTY_SASL_MECHANISMS", "SCRAM-SHA-512"},
        {"MART_KAFKA_PROPERTY_CLIENT_ID", "from-env"}};
    auto c = mart::load_config(
        {"--config", file.string(), "--kafka-property", "client.id=from-flag",
         "--kafka-property=linger.ms=5", "--kafka-property", "ssl.ca.location=/etc/ca=1.pem"},
        env);
    CHECK(c.kafka_properties == std::map<std::string, std::string>{
                                    {"security.protocol", "SASL_SSL"},       // file
                                    {"sasl.mechanisms", "SCRAM-SHA-512"},    // env over file
                                    {"sasl.password", "p#ss word"},          // '#' in a value
                                    {"client.id", "from-flag"},              // flag over env
                                    {"linger.ms", "5"},                      // repeated flag
                                    {"ssl.ca.location", "/etc/ca=1.pem"}});  // '=' in a value
    SUBCASE("an empty value removes a property set with lower precedence") {
      auto removed = mart::load_config(
          {"--config", file.string(), "--kafka-property", "security.protocol="}, {});
      CHECK(removed.kafka_properties.count("security.protocol") == 0);
    }
    SUBCASE("bad names; values are not repeated in the message") {
      CHECK_THROWS_WITH_AS(mart::load_config({"--kafka-property", "linger.ms"}, {}),
                           doctest::Contains("--kafka-property needs NAME=VALUE"),
                           mart::ConfigError);
      CHECK_THROWS_WITH_AS(mart::load_config({"--kafka-property", "=1"}, {}),
                           doctest::Contains("--kafka-property"), mart::ConfigError);
      CHECK_THROWS_WITH_AS(mart::load_config({"--kafka-property", "bad name=1"}, {}),
                           doctest::Contains("kafka.property.bad name"), mart::ConfigError);
      CHECK_THROWS_WITH_AS(
          mart::load_config({}, {{"MART_KAFKA_PROPERTY_BOOTSTRAP_SERVERS", "secret-host:1"}}),
          doctest::Contains("kafka.property.bootstrap.servers"), mart::ConfigError);
      try {
        mart::load_config({"--kafka-property", "bootstrap.servers=secret-host:1"}, {});
        FAIL("no error");
      } catch (const mart::ConfigError& e) {
        CHECK(std::string(e.what()).find("kafka.brokers") != std::string::npos);
        CHECK(std::string(e.what()).find("secret-host") == std::string::npos);
      }
      CHECK_THROWS_WITH_AS(mart::load_config({}, {{"MART_KAFKA_PROPERTY_", "1"}}),
                           doctest::Contains("MART_KAFKA_PROPERTY_"), mart::ConfigError);
    }
  }

  TEST_CASE("[Config] upstream.<module> and upstream.timeout_ms") {
    auto defaults = mart::load_config({}, {});
    CHECK(defaults.upstreams.empty());
    CHECK(defaults.upstream_timeout == std::chrono::milliseconds(10'000));

    mart::test::TempDir dir;
    auto file = dir.path() / "mart.conf";
    std::ofstream(file) << "upstream.orders = http://127.0.0.1:8082\n"
                           "upstream.users = http://users.internal/mart/\n"
                           "upstream.products = http://10.0.0.5:8081\n"
                           "upstream.timeout_ms = 2000\n";
    std::map<std::string, std::string> env = {{"MART_UPSTREAM_ORDERS", "http://orders:9000"},
                                              {"MART_UPSTREAM_TIMEOUT_MS", "3000"},
                                              {"MART_UPSTREAM_PAYMENTS", "http://[::1]:8083"}};
    auto c = mart::load_config({"--config", file.string(), "--upstream",
                                "orders=http://127.0.0.9:1", "--upstream=inventory=http://inv",
                                "--upstream", "products=", "--upstream-timeout-ms", "4000"},
                               env);
    CHECK(c.upstreams == std::map<std::string, std::string>{
                             {"orders", "http://127.0.0.9:1"},          // flag over env and file
                             {"users", "http://users.internal/mart/"},  // file
                             {"payments", "http://[::1]:8083"},         // env
                             {"inventory", "http://inv"}});             // flag; products removed
    CHECK(c.upstream_timeout == std::chrono::milliseconds(4000));
    CHECK(mart::load_config({"--config", file.string()}, env).upstream_timeout ==
          std::chrono::milliseconds(3000));

    auto message = [](const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& environment) {
      try {
        mart::load_config(args, environment);
      } catch (const mart::ConfigError& e) {
        return std::string(e.what());
      }
      return std::string();
    };
    auto https = message({"--upstream", "orders=https://127.0.0.1:8082"}, {});
    CHECK(https.find("upstream.orders") != std::string::npos);
    CHECK(https.find("https is not supported") != std::string::npos);
    CHECK(message({"--upstream", "shoes=http://a"}, {}).find("unknown module 'shoes'") !=
          std::string::npos);
    CHECK(message({}, {{"MART_UPSTREAM_SHOES", "http://a"}}).find("MART_UPSTREAM_SHOES") !=
          std::string::npos);
    CHECK(message({"--upstream", "orders"}, {}).find("MODULE=URL") != std::string::npos);
    for (const auto& bad :
         {"127.0.0.1:8082", "ftp://a", "http://", "http://a:0", "http://a:70000", "http://u:p@a",
          "http://a/?x=1", "http://a/#top", "http://a b", "/relative"}) {
      CAPTURE(bad);
      CHECK(message({"--upstream", std::string("users=") + bad}, {}).find("upstream.users") !=
            std::string::npos);
    }
    CHECK(message({"--upstream-timeout-ms", "0"}, {}).find("upstream.timeout_ms") !=
          std::string::npos);
    mart::test::TempDir bad_dir;
    auto bad_file = bad_dir.path() / "bad.conf";
    std::ofstream(bad_file) << "upstream.carts = http://a\n";
    CHECK(message({"--config", bad_file.string()}, {}).find("upstream.carts") != std::string::npos);
  }

  TEST_CASE("[Config] --help lists the new settings and the families") {
    auto text = mart::usage();
    for (const auto& word :
         {"--kafka-enabled", "MART_KAFKA_BROKERS", "kafka.topic_prefix",
          "--kafka-property NAME=VALUE", "MART_KAFKA_PROPERTY_<NAME>", "--upstream MODULE=URL",
          "MART_UPSTREAM_<MODULE>", "upstream.timeout_ms"}) {
      CHECK_MESSAGE(text.find(word) != std::string::npos, word);
    }
  }

  TEST_CASE(
      "[Config] web.enabled: on by default; --no-web, the flag, variable and key turn it off") {
    CHECK(mart::load_config({}, {}).web_enabled);
    CHECK_FALSE(mart::load_config({"--no-web"}, {}).web_enabled);
    CHECK_FALSE(
        mart::load_config({"--port", "0", "--no-web", "--io-threads", "1"}, {}).web_enabled);
    CHECK_FALSE(mart::load_config({"--web-enabled", "false"}, {}).web_enabled);
    CHECK_FALSE(mart::load_config({}, {{"MART_WEB_ENABLED", "false"}}).web_enabled);
    // --no-web is a flag, so it wins over the environment.
    CHECK_FALSE(mart::load_config({"--no-web"}, {{"MART_WEB_ENABLED", "true"}}).web_enabled);
    CHECK(mart::load_config({"--web-enabled=true"}, {{"MART_WEB_ENABLED", "false"}}).web_enabled);
    mart::test::TempDir dir;
    std::ofstream(dir.path() / "mart.conf") << "web.enabled = false\n";
    CHECK_FALSE(
        mart::load_config({"--config", (dir.path() / "mart.conf").string()}, {}).web_enabled);
    CHECK_THROWS_AS(mart::load_config({"--no-web=yes"}, {}), mart::ConfigError);
    CHECK_THROWS_AS(mart::load_config({"--web-enabled", "no"}, {}), mart::ConfigError);
    CHECK(mart::usage().find("--no-web") != std::string::npos);
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
  CHECK(shipped.kafka_enabled == defaults.kafka_enabled);
  CHECK(shipped.kafka_brokers == defaults.kafka_brokers);
  CHECK(shipped.kafka_topic_prefix == defaults.kafka_topic_prefix);
  CHECK(shipped.kafka_properties == defaults.kafka_properties);
  CHECK(shipped.upstreams == defaults.upstreams);
  CHECK(shipped.upstream_timeout == defaults.upstream_timeout);
  // Every setting is documented in the shipped file: a single setting as a key with its default,
  // a family as commented examples ("# upstream.orders = ..."), which must parse when uncommented.
  auto keys = mart::parse_config_file(MART_SOURCE_DIR "/config/mart.conf");
  std::ifstream in(MART_SOURCE_DIR "/config/mart.conf");
  std::string line;
  std::vector<std::string> examples;
  while (std::getline(in, line)) {
    if (line.starts_with("# ") && line.find(" = ") != std::string::npos) {
      examples.push_back(line.substr(2));
    }
  }
  for (const auto& s : mart::settings()) {
    if (s.family.empty()) {
      CHECK_MESSAGE(keys.count(s.key) == 1, s.key);
      continue;
    }
    int concrete = 0;
    for (const auto& example : examples) {
      if (!example.starts_with(s.family) || example.find('<') != std::string::npos) continue;
      ++concrete;
      mart::test::TempDir dir;
      std::ofstream(dir.path() / "example.conf") << example << "\n";
      CHECK_NOTHROW(mart::load_config({"--config", (dir.path() / "example.conf").string()}, {}));
    }
    CHECK_MESSAGE(concrete > 0, s.key);
  }
}

TEST_CASE("[Config] config/mart.conf states each setting with the table's default") {
  auto keys = mart::parse_config_file(MART_SOURCE_DIR "/config/mart.conf");
  for (const auto& s : mart::settings()) {
    if (!s.family.empty()) continue;
    REQUIRE_MESSAGE(keys.count(s.key) == 1, s.key);
    CHECK_MESSAGE(keys.at(s.key) == s.default_value, s.key);
  }
}

TEST_CASE("[Config] docs/configuration.md's table is the settings table") {
  std::ifstream in(MART_SOURCE_DIR "/docs/configuration.md");
  std::stringstream text;
  text << in.rdbuf();
  const auto doc = text.str();
  const std::string begin = "<!-- settings: generated from app/config/settings_table.cpp -->\n";
  const std::string end = "<!-- end of settings -->";
  auto from = doc.find(begin);
  auto to = doc.find(end);
  REQUIRE(from != std::string::npos);
  REQUIRE(to != std::string::npos);
  from += begin.size();
  const auto expected = mart::settings_markdown();
  if (doc.substr(from, to - from) != expected) {
    // The new table, ready to paste, next to the test binary.
    std::ofstream("configuration_table.md") << expected;
  }
  CHECK_MESSAGE(doc.substr(from, to - from) == expected,
                "docs/configuration.md's table differs from the settings: paste "
                "configuration_table.md (written in the test's working directory) between its "
                "markers");
}
