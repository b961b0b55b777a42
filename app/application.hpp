#pragma once
// The composition root: configuration → databases (migrated) → event bus → modules → router →
// HTTP server; and the orderly shutdown in reverse.

#include "config/config.hpp"
#include "event_stream/upstream_relay.hpp"
#include "http/fan_out.hpp"
#include "http/server.hpp"

#include <eventbus/bus.hpp>
#include <kernel/jwt.hpp>
#include <kernel/module.hpp>
#include <kernel/router.hpp>
#include <users/module.hpp>

#include <chrono>
#include <memory>
#include <vector>

namespace mart {

class KafkaLink;
class Readiness;
class RevocationFollower;

namespace gateway {
class Gateway;
class RevocationList;
}  // namespace gateway
namespace forward {
class Forwarder;
}
namespace deployment {
class DeploymentAdmin;
}
namespace web {
class WebPages;
}
namespace event_stream {
class EventTap;
}  // namespace event_stream

class Application {
 public:
  explicit Application(Config config, eventbus::BusOptions bus_options = {});
  ~Application();
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  // Opens and migrates every hosted module's database, hosts the modules, builds the routes.
  // Throws ConfigError for a module this build cannot host, std::runtime_error otherwise.
  void open();

  // Starts event delivery and the HTTP server; returns the bound port.
  std::uint16_t start();
  // Blocks until SIGINT/SIGTERM.
  void wait_for_signal();
  // Stops accepting, finishes in-flight requests, lets delivery finish its batch, closes.
  void stop();

  // Dispatches a request as the HTTP server does (for in-process tests), except that a request
  // for a module hosted elsewhere is answered 503 instead of forwarded: only the HTTP server
  // forwards.
  kernel::Response handle(kernel::Request& request) const;

  eventbus::Bus& bus() { return bus_; }
  // The hosted modules' databases, in start-up order.
  const std::vector<std::shared_ptr<kernel::Database>>& databases() const { return databases_; }
  const Config& config() const { return config_; }
  const std::vector<std::string>& hosted() const { return hosted_; }
  // Creates an admin account, or promotes an existing one when `promote_existing` (the users
  // module must be hosted here).
  std::int64_t ensure_admin(const std::string& email, const std::string& password,
                            const std::string& name, bool promote_existing = false);
  // Makes the admin `email` a customer again; its older tokens end. ConfigError when refused.
  std::int64_t demote_admin(const std::string& email);

 private:
  // Readiness from its sources (the databases, the bus, Kafka and the revocation follower) and
  // the probe routes.
  void add_operational_routes();
  void build_forwarding();
  std::vector<event_stream::RelayTarget> relay_targets() const;
  // What the HTTP server does with a request: answer it here, or forward it (app/forward/).
  http::Outcome dispatch(kernel::Request& request) const;

  Config config_;
  eventbus::Bus bus_;
  std::vector<std::string> hosted_;
  std::vector<std::shared_ptr<kernel::Database>> databases_;
  std::vector<std::unique_ptr<kernel::Module>> modules_;
  kernel::Router router_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::unique_ptr<kernel::JwtCodec> tokens_;
  kernel::SystemClock clock_;
  // Split mode without users: the tokens ended early, as the follower learns them (before the
  // gateway, which points to the list, so the list outlives it).
  std::unique_ptr<gateway::RevocationList> revocations_;
  std::unique_ptr<RevocationFollower> revocation_follower_;
  std::unique_ptr<gateway::Gateway> gateway_;
  std::unique_ptr<forward::Forwarder> forwarder_;
  // With upstreams, once started: the admin views merged across the deployment, asked on the
  // fan-out's own thread (stopped after the server, whose answers may wait for it).
  std::unique_ptr<http::FanOut> fan_out_;
  std::unique_ptr<deployment::DeploymentAdmin> deployment_admin_;
  // The storefront and admin pages; null when web.enabled is false or the build has none.
  std::unique_ptr<web::WebPages> web_;
  kernel::PrincipalDirectory* directory_ = nullptr;
  users::UsersModule* users_ = nullptr;
  std::unique_ptr<KafkaLink> kafka_;  // null unless kafka.enabled
  std::unique_ptr<Readiness> readiness_;
  // The live event stream's source (stopped before the server: its streams end first).
  std::unique_ptr<event_stream::EventTap> tap_;
  std::unique_ptr<event_stream::UpstreamRelays> relays_;  // split mode: the others' streams
  std::unique_ptr<http::Server> server_;
};

}  // namespace mart
