#pragma once
// Mart's settings: built-in default < config file < MART_* environment < command-line flag.
// A bad value or an unknown key stops start-up (exit status 2) naming the setting.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace mart {

struct Config {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::filesystem::path data_dir = "./data";
  std::vector<std::string> modules = {"products",  "orders",        "payments",
                                      "inventory", "notifications", "users"};  // empty: none
  bool modules_all = true;
  int io_threads = 2;
  std::string log_level = "info";
  std::string log_format = "auto";  // auto | json | text

  std::size_t http_body_limit = 1 << 20;
  std::chrono::milliseconds http_read_timeout{10'000};
  std::chrono::milliseconds http_idle_timeout{30'000};
  std::size_t http_max_connections = 10'000;
  std::size_t http_max_in_flight = 1024;
  std::size_t http_max_connections_per_client = 256;
  std::chrono::seconds ready_max_event_age{60};
  std::chrono::milliseconds shutdown_grace{5'000};

  int bus_max_attempts = 5;
  std::chrono::milliseconds bus_initial_backoff{200};
  int bus_batch_size = 512;
  std::chrono::milliseconds bus_batch_time_budget{20};
  std::chrono::hours bus_retention{168};

  std::string jwt_secret;  // empty: generated once and kept in <data_dir>/jwt_secret
  std::chrono::seconds token_ttl{3600};
  std::string admin_email;
  std::string admin_password;
  std::string admin_name = "Administrator";
  bool admin_promote_existing = false;  // admin_email may name an existing account (it is promoted)
  std::size_t users_hash_queue = 32;    // password hashes waiting at most; beyond: 503

  std::vector<std::string> cors_origins;
  int login_max_failures_per_email = 5;
  int login_max_failures_per_client = 20;
  std::chrono::seconds login_window{900};
  double rate_limit_rps = 0;
  double rate_limit_burst = 100;
  int registrations_per_client = 30;
  std::chrono::seconds registration_window{600};
  // Peers whose X-Forwarded-For / Forwarded names the real client: addresses or CIDR blocks.
  std::vector<std::string> trusted_proxies;

  std::chrono::seconds orders_stuck_after{60};
  std::chrono::milliseconds payments_latency{0};
  // Calls to the outside world (payment provider, webhook) are retried through an outage:
  // back-off with jitter up to `*_retry_max_backoff`, for `*_retry_for` before a dead letter.
  std::chrono::seconds payments_retry_max_backoff{60};
  std::chrono::seconds payments_retry_for{3600};
  std::string notifications_channel = "log";
  std::string webhook_url;
  std::string webhook_secret;
  std::chrono::milliseconds webhook_timeout{5000};
  std::chrono::seconds webhook_retry_max_backoff{60};
  std::chrono::seconds webhook_retry_for{3600};

  // Kafka bridge (off by default: nothing connects to a broker).
  bool kafka_enabled = false;
  std::string kafka_brokers = "127.0.0.1:9092";
  std::string kafka_topic_prefix;                       // prepended to every topic name
  std::map<std::string, std::string> kafka_properties;  // passed to librdkafka as they are

  // Where requests for modules this process does not host are forwarded: module -> base URL.
  std::map<std::string, std::string> upstreams;
  std::chrono::milliseconds upstream_timeout{10'000};

  bool in_memory = false;  // tests only: every database in memory (not a setting)
  // How long /readyz and the table-scanning part of /metrics are reused (not a setting: tests
  // that watch readiness change set 0).
  std::chrono::milliseconds probe_cache_ttl{1000};
};

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One setting, or one keyed family of settings: a family has a member name in its key and
// environment variable ("upstream.<module>", "MART_UPSTREAM_<MODULE>") and a repeatable flag whose
// value is "NAME=VALUE" ("--upstream orders=http://..."); its members are independent settings with
// the usual precedence each.
struct SettingInfo {
  std::string key;   // "http.body_limit", or for a family "upstream.<module>"
  std::string env;   // "MART_HTTP_BODY_LIMIT", or "MART_UPSTREAM_<MODULE>"
  std::string flag;  // "--http-body-limit", or "--upstream"
  std::string default_value;
  std::string help;
  std::string family;  // a family's key prefix ("upstream."); empty for a single setting
  std::string flag_value = "VALUE";  // how usage() names the flag's value ("MODULE=URL")
};

const std::vector<SettingInfo>& settings();

// Loads the configuration. `args` are the command-line words after the program name (and after a
// subcommand); `env` is the process environment (only MART_* entries are read). Throws ConfigError.
Config load_config(const std::vector<std::string>& args,
                   const std::map<std::string, std::string>& env);

// Reads key = value lines into a map; throws ConfigError on bad syntax. A '#' at the start of a
// line or after a blank, outside double quotes, starts a comment; "quoted" values lose the quotes.
std::map<std::string, std::string> parse_config_file(const std::filesystem::path& file);

std::string usage();

}  // namespace mart
