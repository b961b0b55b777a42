#include "config/settings_table.hpp"

#include "forward/upstream_url.hpp"
#include "http/client_address.hpp"

#include "catalog/event_catalog.hpp"

#include <mart/module_list.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <set>
#include <sstream>

namespace mart {
namespace {

// The modules a `modules` list may name: those of modules/modules.cmake.
const std::vector<std::string> kKnownModules(kModuleNames.begin(), kModuleNames.end());

}  // namespace

std::string known_modules_text() {
  std::string text;
  for (const auto& name : kKnownModules) text += (text.empty() ? "" : ", ") + name;
  return text;
}

namespace {

std::int64_t parse_integer(const std::string& text, std::int64_t low, std::int64_t high) {
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < low || value > high) {
    throw std::invalid_argument("must be an integer from " + std::to_string(low) + " to " +
                                std::to_string(high));
  }
  return value;
}

std::chrono::milliseconds parse_millis(const std::string& text) {
  return std::chrono::milliseconds(parse_integer(text, 1, 24LL * 3600 * 1000));
}

std::vector<std::string> parse_modules(const std::string& text, bool* all) {
  *all = false;
  if (text == "all") {
    *all = true;
    return kKnownModules;
  }
  if (text == "none") return {};
  std::vector<std::string> out;
  std::stringstream stream(text);
  std::string name;
  while (std::getline(stream, name, ',')) {
    name.erase(std::remove_if(name.begin(), name.end(), ::isspace), name.end());
    if (std::find(kKnownModules.begin(), kKnownModules.end(), name) == kKnownModules.end()) {
      throw std::invalid_argument("unknown module '" + name + "' (known: " + known_modules_text() +
                                  "; or all, none)");
    }
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  if (out.empty()) throw std::invalid_argument("must list modules, or say all or none");
  return out;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    item.erase(std::remove_if(item.begin(), item.end(), ::isspace), item.end());
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// A share from 0 to 1 ("0.1", "1").
double parse_rate(const std::string& text) {
  double value = -1;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !(value >= 0 && value <= 1)) {
    throw std::invalid_argument("must be a number from 0 to 1");
  }
  return value;
}

// Each entry must be an event type of this build with a newer version of the same event, which
// the publisher otherwise publishes (docs/events.md, "Versions and rolling upgrades").
std::vector<std::string> parse_pinned_versions(const std::string& text) {
  auto types = split_list(text);
  for (const auto& type : types) {
    const auto* event = catalog::find_event_type(type);
    if (!event) throw std::invalid_argument("'" + type + "' is not an event type of this build");
    const auto name = type.substr(0, type.rfind(".v"));
    const auto& all = catalog::all_event_types();
    const bool has_newer = std::any_of(all.begin(), all.end(), [&](const catalog::EventType& e) {
      return e.type.substr(0, e.type.rfind(".v")) == name && e.version > event->version;
    });
    if (!has_newer) {
      throw std::invalid_argument("'" + type +
                                  "' is the latest version of its event: nothing to pin");
    }
  }
  return types;
}

bool parse_bool(const std::string& text) {
  if (text == "true") return true;
  if (text == "false") return false;
  throw std::invalid_argument("must be true or false");
}

// "host:port,host:port" (an IPv6 host in brackets); returns the list without blanks.
std::string parse_brokers(const std::string& text) {
  auto items = split_list(text);
  if (items.empty()) throw std::invalid_argument("must list at least one broker as host:port");
  std::string out;
  for (const auto& item : items) {
    std::string host;
    std::string port;
    if (item.front() == '[') {
      auto close = item.find(']');
      if (close == std::string::npos || close + 1 >= item.size() || item[close + 1] != ':') {
        throw std::invalid_argument("broker '" + item + "' must be [ipv6-address]:port");
      }
      host = item.substr(1, close - 1);
      port = item.substr(close + 2);
    } else {
      auto colon = item.rfind(':');
      if (colon == std::string::npos) {
        throw std::invalid_argument("broker '" + item + "' must be host:port");
      }
      host = item.substr(0, colon);
      port = item.substr(colon + 1);
      if (host.find(':') != std::string::npos) {
        throw std::invalid_argument("broker '" + item + "': write an IPv6 address in brackets");
      }
    }
    bool host_ok = !host.empty() && std::all_of(host.begin(), host.end(), [](unsigned char c) {
      return std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == ':';
    });
    if (!host_ok) throw std::invalid_argument("broker '" + item + "' has no valid host");
    try {
      parse_integer(port, 1, 65535);
    } catch (const std::invalid_argument&) {
      throw std::invalid_argument("broker '" + item + "' needs a port from 1 to 65535");
    }
    out += (out.empty() ? "" : ",") + item;
  }
  return out;
}

// Kafka's longest topic name is 249 characters; the longest of Mart's topics is 18.
constexpr std::size_t kMaxTopicPrefix = 200;

bool is_topic_text(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-';
  });
}

Setting make(std::string key, std::string default_value, std::string help,
             std::function<void(Config&, const std::string&)> apply) {
  std::string env = "MART_" + key;
  std::replace(env.begin(), env.end(), '.', '_');
  std::transform(env.begin(), env.end(), env.begin(), ::toupper);
  std::string flag = "--" + key;
  std::replace(flag.begin(), flag.end(), '.', '-');
  std::replace(flag.begin(), flag.end(), '_', '-');
  SettingInfo info;
  info.key = std::move(key);
  info.env = std::move(env);
  info.flag = std::move(flag);
  info.default_value = std::move(default_value);
  info.help = std::move(help);
  return {std::move(info), std::move(apply)};
}

}  // namespace

const std::vector<Setting>& setting_table() {
  static const std::vector<Setting> settings = {
      make("host", "127.0.0.1", "address to listen on",
           [](Config& c, const std::string& v) {
             if (v.empty()) throw std::invalid_argument("must not be empty");
             c.host = v;
           }),
      make("port", "8080", "TCP port to listen on (0 picks a free one)",
           [](Config& c, const std::string& v) {
             c.port = static_cast<std::uint16_t>(parse_integer(v, 0, 65535));
           }),
      make("data_dir", "./data", "directory of the module databases",
           [](Config& c, const std::string& v) {
             if (v.empty()) throw std::invalid_argument("must not be empty");
             c.data_dir = v;
           }),
      make("durability", "process",
           "when a commit is safe: process (synchronous=NORMAL: survives a crash of the process) "
           "or power (synchronous=FULL: every acknowledged write survives a power loss; slower)",
           [](Config& c, const std::string& v) {
             if (v != "process" && v != "power")
               throw std::invalid_argument("must be process or power");
             c.durability_power = v == "power";
           }),
      make("modules", "all", "modules this process hosts: all, none, or a comma-separated list",
           [](Config& c, const std::string& v) { c.modules = parse_modules(v, &c.modules_all); }),
      make("io_threads", "2", "HTTP I/O threads",
           [](Config& c, const std::string& v) {
             c.io_threads = static_cast<int>(parse_integer(v, 1, 256));
           }),
      make("log_level", "info", "debug, info, warn, error or off",
           [](Config& c, const std::string& v) {
             static const std::set<std::string> levels = {"debug", "info", "warn", "error", "off"};
             if (!levels.count(v))
               throw std::invalid_argument("must be debug, info, warn, error or off");
             c.log_level = v;
           }),
      make("log_format", "auto",
           "json (one object per line), text (readable), or auto: text on a terminal, else json",
           [](Config& c, const std::string& v) {
             if (v != "auto" && v != "json" && v != "text")
               throw std::invalid_argument("must be auto, json or text");
             c.log_format = v;
           }),
      make("http.body_limit", "1048576", "largest request body in bytes (larger: 413)",
           [](Config& c, const std::string& v) {
             c.http_body_limit = static_cast<std::size_t>(parse_integer(v, 1, 1LL << 30));
           }),
      make("http.read_timeout_ms", "10000", "time a client has to send one whole request",
           [](Config& c, const std::string& v) { c.http_read_timeout = parse_millis(v); }),
      make("http.idle_timeout_ms", "30000", "keep-alive idle time before a connection is closed",
           [](Config& c, const std::string& v) { c.http_idle_timeout = parse_millis(v); }),
      make("http.max_connections", "10000",
           "open connections at most; one more is answered 503 (Retry-After: 1) and closed",
           [](Config& c, const std::string& v) {
             c.http_max_connections = static_cast<std::size_t>(parse_integer(v, 1, 1'000'000));
           }),
      make("http.max_in_flight", "1024",
           "requests being handled (or forwarded) at once; more are answered 503 with Retry-After",
           [](Config& c, const std::string& v) {
             c.http_max_in_flight = static_cast<std::size_t>(parse_integer(v, 1, 1'000'000));
           }),
      make("http.max_connections_per_client", "256",
           "open connections one client address may hold; one more is answered 503 and closed",
           [](Config& c, const std::string& v) {
             c.http_max_connections_per_client =
                 static_cast<std::size_t>(parse_integer(v, 1, 1'000'000));
           }),
      make("ready.max_event_age_s", "60",
           "readyz fails while a module's oldest undelivered event is older than this",
           [](Config& c, const std::string& v) {
             c.ready_max_event_age = std::chrono::seconds(parse_integer(v, 1, 7LL * 24 * 3600));
           }),
      make("shutdown_grace_ms", "5000", "time in-flight requests get to finish on SIGTERM",
           [](Config& c, const std::string& v) { c.shutdown_grace = parse_millis(v); }),
      make("web.enabled", "true",
           "serve the storefront (/) and the admin pages (/admin) built into the binary; false "
           "(or the flag --no-web): the API only, and those paths answer 404",
           [](Config& c, const std::string& v) { c.web_enabled = parse_bool(v); }),
      make("console.max_streams", "16",
           "live event streams (GET /api/v1/admin/events/stream) open at once; one more is "
           "answered 503 with Retry-After",
           [](Config& c, const std::string& v) {
             c.console_max_streams = static_cast<std::size_t>(parse_integer(v, 0, 10'000));
           }),
      make("console.stream_buffer_bytes", "4194304",
           "how far (bytes not yet taken by the client) a live event stream's reader may fall "
           "behind before it is disconnected",
           [](Config& c, const std::string& v) {
             c.console_stream_buffer_bytes =
                 static_cast<std::size_t>(parse_integer(v, 4096, 1LL << 30));
           }),
      make("bus.max_attempts", "5", "handler attempts before an event is dead-lettered",
           [](Config& c, const std::string& v) {
             c.bus_max_attempts = static_cast<int>(parse_integer(v, 1, 100));
           }),
      make("bus.initial_backoff_ms", "200", "first retry delay; doubles per attempt up to 30 s",
           [](Config& c, const std::string& v) { c.bus_initial_backoff = parse_millis(v); }),
      make("bus.batch_size", "512", "events handled per subscriber transaction",
           [](Config& c, const std::string& v) {
             c.bus_batch_size = static_cast<int>(parse_integer(v, 1, 100'000));
           }),
      make("bus.batch_time_budget_ms", "20",
           "a delivery batch commits after this long, so requests to the consuming module wait "
           "at most about this for its write lock",
           [](Config& c, const std::string& v) { c.bus_batch_time_budget = parse_millis(v); }),
      make("bus.batch_linger_ms", "2",
           "after a small delivery batch (under an eighth of bus.batch_size), wait this long "
           "before the next, so that events gather into fewer transactions; 0 goes on at once",
           [](Config& c, const std::string& v) {
             c.bus_batch_linger = std::chrono::milliseconds(parse_integer(v, 0, 1000));
           }),
      make("bus.request_linger_us", "500",
           "after a small group of queued request writes (fewer than 8), a module's request "
           "writer waits this long (microseconds) before the next group, so that requests share "
           "commits; each request is answered before the wait; 0 goes on at once",
           [](Config& c, const std::string& v) {
             c.bus_request_linger = std::chrono::microseconds(parse_integer(v, 0, 100'000));
           }),
      make("bus.retention_hours", "168",
           "delivered outbox rows and inbox rows older than this are deleted (order timelines "
           "show them until then); 0 keeps them forever",
           [](Config& c, const std::string& v) {
             c.bus_retention = std::chrono::hours(parse_integer(v, 0, 100LL * 365 * 24));
           }),
      make("events.publish_versions", "",
           "older event versions to publish instead of the latest while a consumer that reads "
           "only them remains (rolling upgrades), comma-separated, e.g. orders.order_placed.v1; "
           "empty publishes every event in its latest version",
           [](Config& c, const std::string& v) { c.publish_versions = parse_pinned_versions(v); }),
      make("orders.stuck_after_s", "60",
           "an order pending or reserved this long without progress counts as stuck (readyz)",
           [](Config& c, const std::string& v) {
             c.orders_stuck_after = std::chrono::seconds(parse_integer(v, 1, 7LL * 24 * 3600));
           }),
      make("payments.simulated_latency_ms", "0",
           "latency of the built-in simulated payment provider, per charge and refund",
           [](Config& c, const std::string& v) {
             c.payments_latency = std::chrono::milliseconds(parse_integer(v, 0, 60'000));
           }),
      make("payments.retry_max_backoff_s", "60",
           "longest wait between two attempts of a payment-provider call that failed transiently",
           [](Config& c, const std::string& v) {
             c.payments_retry_max_backoff = std::chrono::seconds(parse_integer(v, 1, 3600));
           }),
      make("payments.retry_for_s", "3600",
           "a provider outage is retried this long before the payment becomes a dead letter",
           [](Config& c, const std::string& v) {
             c.payments_retry_for = std::chrono::seconds(parse_integer(v, 1, 7LL * 24 * 3600));
           }),
      make("notifications.channel", "log", "how notifications are delivered: log or webhook",
           [](Config& c, const std::string& v) {
             if (v != "log" && v != "webhook")
               throw std::invalid_argument("must be log or webhook");
             c.notifications_channel = v;
           }),
      make("notifications.webhook_url", "", "http://host:port/path receiving notification POSTs",
           [](Config& c, const std::string& v) { c.webhook_url = v; }),
      make("notifications.webhook_secret", "",
           "key of the X-Mart-Signature HMAC-SHA256 header on webhook POSTs",
           [](Config& c, const std::string& v) { c.webhook_secret = v; }),
      make("notifications.webhook_timeout_ms", "5000", "timeout of one webhook POST",
           [](Config& c, const std::string& v) { c.webhook_timeout = parse_millis(v); }),
      make("notifications.webhook_retry_max_backoff_s", "60",
           "longest wait between two attempts of a webhook POST that failed",
           [](Config& c, const std::string& v) {
             c.webhook_retry_max_backoff = std::chrono::seconds(parse_integer(v, 1, 3600));
           }),
      make("notifications.webhook_retry_for_s", "3600",
           "a receiver's outage is retried this long before the notification becomes a dead letter",
           [](Config& c, const std::string& v) {
             c.webhook_retry_for = std::chrono::seconds(parse_integer(v, 1, 7LL * 24 * 3600));
           }),
      make("jwt_secret", "",
           "HS256 signing secret, at least 32 characters (default: generated "
           "once, kept in <data_dir>/jwt_secret with mode 0600)",
           [](Config& c, const std::string& v) {
             if (!v.empty() && v.size() < 32) {
               throw std::invalid_argument("must be at least 32 characters");
             }
             c.jwt_secret = v;
           }),
      make("token_ttl_s", "3600", "lifetime of an access token in seconds",
           [](Config& c, const std::string& v) {
             c.token_ttl = std::chrono::seconds(parse_integer(v, 60, 30LL * 24 * 3600));
           }),
      make("admin_email", "", "an admin account with this email is ensured at start-up",
           [](Config& c, const std::string& v) { c.admin_email = v; }),
      make("admin_password", "", "its password (at least 8 characters)",
           [](Config& c, const std::string& v) { c.admin_password = v; }),
      make("admin_name", "Administrator", "its display name",
           [](Config& c, const std::string& v) { c.admin_name = v; }),
      make("admin_promote_existing", "false",
           "true: admin_email may name an existing account, which is promoted (its older tokens "
           "end); false: start-up refuses to promote it",
           [](Config& c, const std::string& v) { c.admin_promote_existing = parse_bool(v); }),
      make("users.hash_queue", "32",
           "password hashes (sign-ins, registrations, password changes) waiting at most; more "
           "are answered 503 with Retry-After",
           [](Config& c, const std::string& v) {
             c.users_hash_queue = static_cast<std::size_t>(parse_integer(v, 1, 100'000));
           }),
      make("gateway.cors_origins", "", "browser origins allowed by CORS, comma-separated, or *",
           [](Config& c, const std::string& v) { c.cors_origins = split_list(v); }),
      make("gateway.login_max_failures_per_email", "5",
           "failed sign-ins per email within the window before 429",
           [](Config& c, const std::string& v) {
             c.login_max_failures_per_email = static_cast<int>(parse_integer(v, 1, 1'000'000));
           }),
      make("gateway.login_max_failures_per_client", "20",
           "failed sign-ins per client address within the window before 429",
           [](Config& c, const std::string& v) {
             c.login_max_failures_per_client = static_cast<int>(parse_integer(v, 1, 1'000'000));
           }),
      make("gateway.login_window_s", "900", "the sign-in failure window in seconds",
           [](Config& c, const std::string& v) {
             c.login_window = std::chrono::seconds(parse_integer(v, 1, 7LL * 24 * 3600));
           }),
      make("gateway.rate_limit_rps", "0",
           "requests per second per client address; 0 turns the limit off",
           [](Config& c, const std::string& v) {
             c.rate_limit_rps = static_cast<double>(parse_integer(v, 0, 1'000'000));
           }),
      make("gateway.rate_limit_burst", "100", "requests a client may burst above the rate",
           [](Config& c, const std::string& v) {
             c.rate_limit_burst = static_cast<double>(parse_integer(v, 1, 1'000'000));
           }),
      make("gateway.registrations_per_client", "30",
           "account registrations per client address within the window before 429",
           [](Config& c, const std::string& v) {
             c.registrations_per_client = static_cast<int>(parse_integer(v, 1, 1'000'000));
           }),
      make("gateway.registration_window_s", "600", "the registration window in seconds",
           [](Config& c, const std::string& v) {
             c.registration_window = std::chrono::seconds(parse_integer(v, 1, 7LL * 24 * 3600));
           }),
      make("gateway.trusted_proxies", "",
           "proxy addresses or CIDR blocks whose X-Forwarded-For / Forwarded names the client, "
           "comma-separated; empty: the peer address is the client",
           [](Config& c, const std::string& v) {
             c.trusted_proxies = split_list(v);
             mart::http::TrustedProxies check(c.trusted_proxies);  // throws on a bad entry
           }),
      make("kafka.enabled", "false",
           "mirror every event to Kafka (and, in split mode, receive the events of modules "
           "hosted elsewhere): true or false",
           [](Config& c, const std::string& v) { c.kafka_enabled = parse_bool(v); }),
      make("kafka.brokers", "127.0.0.1:9092", "bootstrap brokers, comma-separated host:port",
           [](Config& c, const std::string& v) { c.kafka_brokers = parse_brokers(v); }),
      make("kafka.topic_prefix", "",
           "prepended to every topic name (letters, digits, '.', '_', '-'; may be empty)",
           [](Config& c, const std::string& v) {
             if (!is_topic_text(v) || v.size() > kMaxTopicPrefix) {
               throw std::invalid_argument("may only hold letters, digits, '.', '_' and '-', " +
                                           std::to_string(kMaxTopicPrefix) + " at most");
             }
             c.kafka_topic_prefix = v;
           }),
      make("upstream.timeout_ms", "10000",
           "a forwarded request without a complete answer from its upstream in this time is "
           "answered 504",
           [](Config& c, const std::string& v) { c.upstream_timeout = parse_millis(v); }),
      // Fault injection (docs/operations.md, "Fault injection"): for tests and drills only. Any
      // other faults.* key set to a value other than its default is refused unless
      // faults.enabled is true (config.cpp).
      make("faults.enabled", "false",
           "inject faults (tests and drills only; never in production): true or false",
           [](Config& c, const std::string& v) { c.faults.enabled = parse_bool(v); }),
      make("faults.handler_failure_rate", "0",
           "share of delivery attempts whose handler fails with an injected error first (0..1); "
           "the retries absorb them: never on the last attempt",
           [](Config& c, const std::string& v) { c.faults.handler_failure_rate = parse_rate(v); }),
      make("faults.delivery_delay_ms", "0", "how long a delayed delivery waits first",
           [](Config& c, const std::string& v) {
             c.faults.delivery_delay = std::chrono::milliseconds(parse_integer(v, 0, 60'000));
           }),
      make("faults.delivery_delay_rate", "0",
           "share of delivered batches that wait faults.delivery_delay_ms first (0..1)",
           [](Config& c, const std::string& v) { c.faults.delivery_delay_rate = parse_rate(v); }),
      make("faults.duplicate_rate", "0",
           "share of delivered batches delivered once more (0..1; the inbox makes it a no-op)",
           [](Config& c, const std::string& v) { c.faults.duplicate_rate = parse_rate(v); }),
      make("faults.stop_at", "",
           "where the process kills itself (SIGKILL): after_business_commit, "
           "between_effect_and_inbox, after_kafka_ack or mid_migration; empty: nowhere",
           [](Config& c, const std::string& v) {
             if (v.empty()) {
               c.faults.stop_at = kernel::faults::StopPoint::none;
               return;
             }
             auto point = kernel::faults::parse_stop_point(v);
             if (!point) {
               throw std::invalid_argument(
                   "must be after_business_commit, between_effect_and_inbox, after_kafka_ack or "
                   "mid_migration");
             }
             c.faults.stop_at = *point;
           }),
      make("faults.stop_rate", "1", "share of the times faults.stop_at is reached that stop (0..1)",
           [](Config& c, const std::string& v) { c.faults.stop_rate = parse_rate(v); }),
      make("faults.seed", "0", "seed of the random choices (repeatable runs); 0: random",
           [](Config& c, const std::string& v) {
             c.faults.seed = static_cast<std::uint64_t>(
                 parse_integer(v, 0, std::numeric_limits<std::int64_t>::max()));
           }),
  };
  return settings;
}

const std::vector<Family>& family_table() {
  static const std::vector<Family> list = {
      {{"kafka.property.<name>", "MART_KAFKA_PROPERTY_<NAME>", "--kafka-property", "",
        "a librdkafka property, passed as it is (e.g. kafka.property.security.protocol = "
        "SASL_SSL); in the variable's name '_' stands for '.'; an empty value removes it",
        "kafka.property.", "NAME=VALUE"},
       "MART_KAFKA_PROPERTY_",
       true,
       true,
       [](Config& c, const std::string& name, const std::string& v) {
         if (name.empty() || !is_topic_text(name)) {
           throw std::invalid_argument("the property name must be letters, digits, '.', '_', '-'");
         }
         if (name == "bootstrap.servers" || name == "metadata.broker.list") {
           throw std::invalid_argument("set the brokers with kafka.brokers");
         }
         if (v.empty()) {
           c.kafka_properties.erase(name);
         } else {
           c.kafka_properties[name] = v;
         }
       }},
      {{"upstream.<module>", "MART_UPSTREAM_<MODULE>", "--upstream", "",
        "where requests for a module this process does not host are forwarded: "
        "http://host[:port][/base-path] (https is not supported); an empty value removes it",
        "upstream.", "MODULE=URL"},
       "MART_UPSTREAM_",
       false,
       false,
       [](Config& c, const std::string& module, const std::string& v) {
         if (std::find(kKnownModules.begin(), kKnownModules.end(), module) == kKnownModules.end()) {
           throw std::invalid_argument("unknown module '" + module +
                                       "' (known: " + known_modules_text() + ")");
         }
         if (v.empty()) {
           c.upstreams.erase(module);
           return;
         }
         forward::parse_upstream_url(v);  // throws, saying what is wrong
         c.upstreams[module] = v;
       }},
  };
  return list;
}

}  // namespace mart
