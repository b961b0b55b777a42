#include "application.hpp"

#include "admin_routes.hpp"
#include "deployment/deployment_admin.hpp"
#include "event_stream/event_stream_route.hpp"
#include "event_stream/event_tap.hpp"
#include "forward/forward_headers.hpp"
#include "forward/forwarder.hpp"
#include "gateway/gateway.hpp"
#include "gateway/revocation_list.hpp"
#include "http/server.hpp"
#include "jwt_secret.hpp"
#include "kafka_bridge.hpp"
#include "metrics.hpp"
#include "module_registry.hpp"
#include "readiness.hpp"
#include "revocation_follower.hpp"
#include "web/web_pages.hpp"
#include "webhook/webhook_channel.hpp"

#include <kernel/faults.hpp>
#include <kernel/log.hpp>
#include <kernel/migrations.hpp>
#include <kernel/problem.hpp>
#include <kernel/sealed_text.hpp>
#include <kernel/trace.hpp>
#include <migrations/embedded.hpp>
#include <orders/events.hpp>
#include <users/events.hpp>

#include <boost/json/object.hpp>

#include <algorithm>
#include <filesystem>
#include <variant>

namespace mart {
namespace {

// The data directory holds every module's data and the signing secret: a new one is private to
// its owner whatever the umask. An existing one keeps the mode its operator gave it.
void create_private_directory(const std::filesystem::path& dir) {
  if (std::filesystem::create_directories(dir)) {
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace);
  }
}

}  // namespace

Application::Application(Config config, eventbus::BusOptions bus_options)
    : config_(std::move(config)), bus_([&] {
        bus_options.retry.max_attempts = config_.bus_max_attempts;
        bus_options.retry.initial_backoff = config_.bus_initial_backoff;
        bus_options.batch_size = config_.bus_batch_size;
        bus_options.batch_time_budget = config_.bus_batch_time_budget;
        bus_options.batch_linger = config_.bus_batch_linger;
        bus_options.retention = config_.bus_retention;
        return bus_options;
      }()) {
  kernel::log::apply_format(config_.log_format);
}

Application::~Application() {
  stop();
}

void Application::open() {
  kernel::faults::configure(config_.faults);  // before the migrations: mid_migration
  if (config_.faults.enabled) {
    kernel::log::warn("app",
                      "fault injection is on (faults.*): this process fails, delays, "
                      "duplicates or stops on purpose");
  }
  for (const auto& name : config_.modules) {
    if (!find_module(name)) {
      if (config_.modules_all) continue;  // "all" means every module this build has
      throw ConfigError("invalid modules: module '" + name +
                        "' is not available in this build "
                        "yet");
    }
    hosted_.push_back(name);
  }
  if (!config_.in_memory) create_private_directory(config_.data_dir);
  if (config_.admin_email.empty() != config_.admin_password.empty()) {
    throw ConfigError("invalid admin_email/admin_password: set both or neither");
  }
  build_forwarding();
  if (config_.web_enabled && !web::embedded_assets().assets.empty()) {
    web_ = std::make_unique<web::WebPages>(web::embedded_assets());
  }
  auto secret = load_or_create_jwt_secret(config_);
  // Every process of a deployment shares jwt_secret, so Orders can seal a card token that only
  // Payments opens, in whichever process it runs (docs/security.md).
  kernel::sealed_text::set_key(secret, "mart payment token v1");
  tokens_ = std::make_unique<kernel::JwtCodec>(std::move(secret));
  HostContext host;
  host.tokens = tokens_.get();
  host.token_ttl = config_.token_ttl;
  host.stuck_after = config_.orders_stuck_after;
  host.order_placed_version =
      std::count(config_.publish_versions.begin(), config_.publish_versions.end(),
                 orders::events::OrderPlacedV1::kType) > 0
          ? 1
          : 2;
  host.payments_latency = config_.payments_latency;
  host.payments_retry_max_backoff = config_.payments_retry_max_backoff;
  host.payments_retry_for = config_.payments_retry_for;
  host.webhook_retry_max_backoff = config_.webhook_retry_max_backoff;
  host.webhook_retry_for = config_.webhook_retry_for;
  host.users_hash_queue = config_.users_hash_queue;
  if (config_.notifications_channel == "webhook") {
    try {
      host.notification_channel = std::make_shared<webhook::WebhookChannel>(webhook::WebhookOptions{
          config_.webhook_url, config_.webhook_secret, config_.webhook_timeout});
    } catch (const std::invalid_argument& error) {
      throw ConfigError(std::string("invalid notifications.webhook_url/webhook_secret: ") +
                        error.what());
    }
  }

  for (const auto& entry : available_modules()) {
    if (std::find(hosted_.begin(), hosted_.end(), entry.name) == hosted_.end()) continue;
    auto db = config_.in_memory
                  ? kernel::Database::open_in_memory(entry.name)
                  : kernel::Database::open(
                        entry.name, config_.data_dir / (entry.name + ".db"),
                        kernel::DatabaseOptions{.synchronous_full = config_.durability_power,
                                                .request_linger = config_.bus_request_linger});
    kernel::apply_migrations(*db, "eventbus", migrations::for_scope("eventbus"));
    kernel::apply_migrations(*db, entry.name, migrations::for_scope(entry.name));
    databases_.push_back(db);
    auto& module_bus = bus_.attach(entry.name, db);
    modules_.push_back(entry.make(module_bus, host));
    if (auto* users = dynamic_cast<::users::UsersModule*>(modules_.back().get())) {
      users_ = users;
      directory_ = &users->directory();
    }
  }
  kafka_ = KafkaLink::open(config_, bus_, hosted_);
  for (auto& module : modules_) module->add_routes(router_);
  add_admin_routes(router_, bus_, [this](std::string_view module) -> std::optional<std::int64_t> {
    return kafka_ ? kafka_->mirror_lag(module) : std::nullopt;
  });
  event_stream::TapOptions tap_options;
  tap_options.max_streams = config_.console_max_streams;
  tap_ = std::make_unique<event_stream::EventTap>(bus_, tap_options);
  event_stream::StreamRouteOptions stream_options;
  stream_options.buffer_bytes = config_.console_stream_buffer_bytes;
  stream_options.upstreams = relay_targets();
  if (!stream_options.upstreams.empty()) {
    relays_ = std::make_unique<event_stream::UpstreamRelays>();
    stream_options.relays = relays_.get();
  }
  event_stream::add_event_stream_route(router_, *tap_, std::move(stream_options));
  add_operational_routes();
  add_metrics_route(router_, bus_, modules_, started_, config_.probe_cache_ttl,
                    [this](std::string& out) {
                      if (kafka_) kafka_->write_metrics(out);
                    });

  gateway::GatewayOptions policies;
  policies.cors_origins = {config_.cors_origins.begin(), config_.cors_origins.end()};
  policies.login_max_failures_per_email = config_.login_max_failures_per_email;
  policies.login_max_failures_per_client = config_.login_max_failures_per_client;
  policies.login_window = config_.login_window;
  policies.rate_limit_rps = config_.rate_limit_rps;
  policies.rate_limit_burst = config_.rate_limit_burst;
  policies.registrations_per_client = config_.registrations_per_client;
  policies.registration_window = config_.registration_window;
  gateway_ = std::make_unique<gateway::Gateway>(
      policies, *tokens_, directory_, clock_,
      [this](kernel::Request& request) { return router_.dispatch(request); });
  if (!directory_ && !hosted_.empty() && config_.kafka_enabled) {
    // Tokens are checked here without the account directory: learn from the users module's
    // events which ones ended early (issue #13, split mode).
    revocations_ = std::make_unique<gateway::RevocationList>();
    eventbus::kafka::KafkaOptions options;
    options.brokers = config_.kafka_brokers;
    options.topic_prefix = config_.kafka_topic_prefix;
    options.properties = config_.kafka_properties;
    try {
      revocation_follower_ = std::make_unique<RevocationFollower>(
          options, std::string(::users::events::kTopic), config_.token_ttl, *revocations_);
    } catch (const std::invalid_argument& error) {
      throw ConfigError(std::string("invalid kafka settings: ") + error.what());
    }
    gateway_->follow_revocations(revocations_.get());
  }

  if (!config_.admin_email.empty()) {
    ensure_admin(config_.admin_email, config_.admin_password, config_.admin_name,
                 config_.admin_promote_existing);
  }
}

// Every other process of the deployment, once per URL, with the modules it hosts.
std::vector<event_stream::RelayTarget> Application::relay_targets() const {
  std::vector<event_stream::RelayTarget> targets;
  for (const auto& [module, upstream] : forwarder_->upstreams()) {
    auto url = "http://" + upstream->authority + upstream->base_path;
    auto same = std::find_if(targets.begin(), targets.end(),
                             [&](const auto& target) { return target.url == url; });
    if (same == targets.end()) {
      targets.push_back(
          {url, upstream->host, upstream->port, upstream->authority, upstream->base_path, {}});
      same = std::prev(targets.end());
    }
    same->modules.push_back(module);
  }
  return targets;
}

void Application::build_forwarding() {
  try {
    forwarder_ =
        std::make_unique<forward::Forwarder>(hosted_, config_.upstreams, config_.upstream_timeout);
  } catch (const std::invalid_argument& error) {
    throw ConfigError(std::string("invalid upstream: ") + error.what());
  }
  for (const auto& [module, upstream] : forwarder_->upstreams()) {
    kernel::log::info("app", "requests for " + module + " are forwarded to http://" +
                                 upstream->authority + upstream->base_path);
  }
  for (const auto& [module, url] : config_.upstreams) {
    if (!forwarder_->upstreams().count(module)) {
      kernel::log::info(
          "app", "upstream." + module + " is not used: " + module + " is hosted by this process");
    }
  }
  const bool users_here = std::find(hosted_.begin(), hosted_.end(), "users") != hosted_.end();
  if (!hosted_.empty() && !users_here) {
    if (config_.kafka_enabled) {  // the revocation follower runs (see the modules' setup)
      kernel::log::info("app",
                        "the users module is hosted elsewhere: a valid token's user id and role "
                        "are trusted as signed, unless the users module's revocations "
                        "(users.tokens_revoked.v1, read from Kafka) ended it");
    } else {
      // Without the users module nor Kafka there is no way to learn which tokens ended early:
      // a valid token's claims (sub, role) are trusted as they are until it expires (ADR 0009).
      kernel::log::warn("app",
                        "the users module is hosted elsewhere and Kafka is off: a valid token's "
                        "user id and role are trusted as signed until the token expires (a "
                        "password change, a logout or a demotion does not end it here)");
    }
    if (config_.jwt_secret.empty()) {
      kernel::log::warn(
          "app",
          "this process hosts modules but not users, and no jwt_secret is set: it verifies "
          "tokens with its own secret (" +
              (config_.data_dir / "jwt_secret").string() +
              "), so tokens issued by the users process will not verify unless every process "
              "shares one jwt_secret (MART_JWT_SECRET)");
    }
  }
}

std::int64_t Application::ensure_admin(const std::string& email, const std::string& password,
                                       const std::string& name, bool promote_existing) {
  if (!users_) throw ConfigError("invalid admin_email: the users module is not hosted here");
  try {
    return users_->ensure_admin(email, password, name, promote_existing);
  } catch (const kernel::ApiError& error) {
    throw ConfigError("invalid admin account: " + error.detail());
  }
}

std::int64_t Application::demote_admin(const std::string& email) {
  if (!users_) throw ConfigError("the users module is not hosted here");
  try {
    return users_->demote_admin(email);
  } catch (const kernel::ApiError& error) {
    throw ConfigError("cannot demote " + email + ": " + error.detail());
  }
}

void Application::add_operational_routes() {
  // Kafka's checks, and (informative) whether ended tokens are being learned from Kafka: before
  // the users topic exists no token was ever revoked, so waiting for it is no failure.
  auto kafka_checks = [this](boost::json::object& checks) {
    bool ok = kafka_ ? kafka_->check(checks) : true;
    if (revocation_follower_) {
      checks["revocations"] =
          revocation_follower_->assigned()
              ? "following (" + std::to_string(revocation_follower_->applied()) + " applied)"
              : std::string("waiting for the users topic");
    }
    return ok;
  };
  readiness_ = std::make_unique<Readiness>(
      ReadinessSources{&databases_, &modules_, &bus_, kafka_checks, config_.ready_max_event_age},
      config_.probe_cache_ttl);
  add_probe_routes(router_, *readiness_);
}

std::uint16_t Application::start() {
  if (kafka_) kafka_->start();
  bus_.start();
  if (tap_) tap_->start();
  if (!config_.web_enabled) {
    kernel::log::info("app", "the web pages are off (web.enabled = false): only the API is served");
  } else if (!web_) {
    kernel::log::info("app",
                      "this binary was built without the web pages (-DMART_WEB=OFF): only the "
                      "API is served");
  }
  // Lines are written by a background thread: what start-up said is out before the port accepts,
  // so whoever waits for an answer (a script, a test, an operator) can read it.
  kernel::log::flush();
  http::ServerOptions options;
  options.host = config_.host;
  options.port = config_.port;
  options.io_threads = config_.io_threads;
  options.body_limit = config_.http_body_limit;
  options.read_timeout = config_.http_read_timeout;
  options.idle_timeout = config_.http_idle_timeout;
  options.shutdown_grace = config_.shutdown_grace;
  options.max_connections = config_.http_max_connections;
  options.max_in_flight = config_.http_max_in_flight;
  options.max_connections_per_client = config_.http_max_connections_per_client;
  options.trusted_proxies = config_.trusted_proxies;
  if (!forwarder_->upstreams().empty()) {
    fan_out_ = std::make_unique<http::FanOut>();
    deployment_admin_ = std::make_unique<deployment::DeploymentAdmin>(
        hosted_, forwarder_->upstreams(), *fan_out_,
        [this](const std::string& ids) { return deliveries_answer(bus(), ids); });
  }
  server_ = std::make_unique<http::Server>(
      options, [this](kernel::Request& request) { return dispatch(request); });
  return server_->start();
}

void Application::wait_for_signal() {
  if (server_) server_->wait_for_signal();
}

void Application::stop() {
  if (tap_) tap_->stop();  // its streams end (their connections close) while the server runs
  if (relays_) relays_->stop();
  if (server_) {
    server_->stop();
    // The server waited (up to its grace period) for the answers its connections were owed;
    // writes still queued after a forced stop reply to I/O contexts that exist until the
    // server is destroyed, so they are drained before that.
    for (const auto& database : databases_) database->drain_queued();
    if (fan_out_) fan_out_->stop();  // its last replies post to the server's I/O contexts
    server_.reset();
  }
  if (revocation_follower_) revocation_follower_->stop();
  bus_.stop();
  if (kafka_) kafka_->stop();  // after the bus: what its last batches published is mirrored too
}

http::Outcome Application::dispatch(kernel::Request& request) const {
  if (request.trace_id.empty()) kernel::start_trace(request);  // not through app/http (tests)
  // The pages are public static files, the same in every process: answered here, before the
  // gateway's policies and the forwarding decision (so a gateway hosting no module serves them).
  if (web_) {
    if (auto page = web_->answer(request)) return std::move(*page);
  }
  auto decision = forwarder_->decide(request);
  if (decision.kind == forward::Decision::Kind::local) {
    // An admin view of the whole deployment: this process answers its own part, then merges.
    auto merge = deployment_admin_ ? deployment_admin_->begin(request) : nullptr;
    auto response = gateway_->handle(request);
    // Answered by the gateway before the router (401, 429, a preflight): the route it was for.
    // (The router names the route of every answer it gives, deferred ones included.)
    if (!response.is_deferred() && response.route.empty()) {
      response.route = router_.route_template(request);
      if (response.route.empty()) response.route = "unmatched";
    }
    if (merge) return deployment_admin_->finish(merge, std::move(response));
    return response;
  }
  auto route = "forwarded:" + decision.module;
  if (auto early = gateway_->before_forward(request)) {
    early->route = route;
    return std::move(*early);
  }
  if (decision.kind != forward::Decision::Kind::forward) {
    auto refusal = forward::Forwarder::refusal(decision);
    gateway_->after_forward(request, refusal);
    refusal.route = route;
    return refusal;
  }
  auto* gateway = gateway_.get();
  return http::Forward{
      decision.upstream, forward::upstream_request_headers(request),
      [gateway, route](const kernel::Request& forwarded, kernel::Response& answer) {
        answer.headers = forward::client_response_headers(answer.headers);
        gateway->after_forward(forwarded, answer);
        answer.route = route;
      }};
}

kernel::Response Application::handle(kernel::Request& request) const {
  auto outcome = dispatch(request);
  if (auto* response = std::get_if<kernel::Response>(&outcome)) {
    auto answer = kernel::settle(std::move(*response));
    answer.headers.set("traceparent", kernel::traceparent_of(request));
    return answer;
  }
  auto& forward = std::get<http::Forward>(outcome);
  auto refusal = kernel::problem_response(
      503, kernel::status_title(503),
      "The " + forward.upstream->name +
          " module is hosted elsewhere; only the HTTP server forwards requests.");
  gateway_->after_forward(request, refusal);
  return refusal;
}

}  // namespace mart
