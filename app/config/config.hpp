#pragma once
// Mart's settings: built-in default < config file < MART_* environment < command-line flag.
// A bad value or an unknown key stops start-up (exit status 2) naming the setting.

#include <kernel/faults.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace mart {

struct Config {
  // Every setting at its built-in default, from the one table of settings (default_value in
  // settings()): no default is written anywhere else.
  Config();

  std::string host;
  std::uint16_t port{};
  std::filesystem::path data_dir;
  bool durability_power{};  // durability = power: every module database at synchronous=FULL
  std::vector<std::string> modules;  // empty: none
  bool modules_all{};
  int io_threads{};
  std::string log_level;
  std::string log_format;  // auto | json | text

  std::size_t http_body_limit{};
  std::chrono::milliseconds http_read_timeout{};
  std::chrono::milliseconds http_idle_timeout{};
  std::size_t http_max_connections{};
  std::size_t http_max_in_flight{};
  std::size_t http_max_connections_per_client{};
  std::chrono::seconds ready_max_event_age{};
  std::chrono::milliseconds shutdown_grace{};
  bool web_enabled{};                 // the storefront and admin pages (app/web)
  std::size_t console_max_streams{};  // open live event streams at most
  std::size_t console_stream_buffer_bytes{};

  int bus_max_attempts{};
  std::chrono::milliseconds bus_initial_backoff{};
  int bus_batch_size{};
  std::chrono::milliseconds bus_batch_time_budget{};
  std::chrono::milliseconds bus_batch_linger{};
  std::chrono::microseconds bus_request_linger{};
  std::chrono::hours bus_retention{};

  std::string jwt_secret;  // empty: generated once and kept in <data_dir>/jwt_secret
  std::chrono::seconds token_ttl{};
  std::string admin_email;
  std::string admin_password;
  std::string admin_name;
  bool admin_promote_existing{};   // admin_email may name an existing account (it is promoted)
  std::size_t users_hash_queue{};  // password hashes waiting at most; beyond: 503

  std::vector<std::string> cors_origins;
  int login_max_failures_per_email{};
  int login_max_failures_per_client{};
  std::chrono::seconds login_window{};
  double rate_limit_rps{};
  double rate_limit_burst{};
  int registrations_per_client{};
  std::chrono::seconds registration_window{};
  // Peers whose X-Forwarded-For / Forwarded names the real client: addresses or CIDR blocks.
  std::vector<std::string> trusted_proxies;

  std::chrono::seconds orders_stuck_after{};
  std::chrono::milliseconds payments_latency{};
  // Calls to the outside world (payment provider, webhook) are retried through an outage:
  // back-off with jitter up to `*_retry_max_backoff`, for `*_retry_for` before a dead letter.
  std::chrono::seconds payments_retry_max_backoff{};
  std::chrono::seconds payments_retry_for{};
  std::string notifications_channel;
  std::string webhook_url;
  std::string webhook_secret;
  std::chrono::milliseconds webhook_timeout{};
  std::chrono::seconds webhook_retry_max_backoff{};
  std::chrono::seconds webhook_retry_for{};

  // Kafka bridge (off by default: nothing connects to a broker).
  bool kafka_enabled{};
  std::string kafka_brokers;
  // Older event types published instead of their latest version (rolling upgrades), e.g.
  // "orders.order_placed.v1"; each is a catalogue type with a newer version.
  std::vector<std::string> publish_versions;
  std::string kafka_topic_prefix;                       // prepended to every topic name
  std::map<std::string, std::string> kafka_properties;  // passed to librdkafka as they are

  // Where requests for modules this process does not host are forwarded: module -> base URL.
  std::map<std::string, std::string> upstreams;
  std::chrono::milliseconds upstream_timeout{};

  // Fault injection (faults.*): off unless faults.enabled; see kernel/faults.hpp.
  kernel::faults::Settings faults;

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

// Every setting as a Markdown table: key, environment variable, flag, default, meaning (the
// table of docs/configuration.md).
std::string settings_markdown();

}  // namespace mart
