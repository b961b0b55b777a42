#include "eventbus/kafka/bridge.hpp"

#include "feed.hpp"
#include "mirror.hpp"

#include <map>
#include <stdexcept>

namespace eventbus::kafka {
struct Bridge::Impl {
  // Shared with the bus's outbox-reader callbacks, which may outlive the bridge.
  std::shared_ptr<detail::Mirror> mirror;
  std::vector<detail::Feed*> feeds;  // owned by the bus's consumers; closed by stop()
};

Bridge::Bridge(Bus& bus, const std::vector<std::string>& hosted, const KafkaOptions& options)
    : impl_(std::make_unique<Impl>()) {
  std::vector<detail::Mirror::Outbox> outboxes;
  for (const auto& module : hosted) {
    auto* module_bus = bus.find(module);
    if (!module_bus) throw std::logic_error("kafka bridge: module not attached: " + module);
    outboxes.push_back({module, module_bus->db_handle()});
  }
  impl_->mirror = std::make_shared<detail::Mirror>(options, std::move(outboxes));
  std::weak_ptr<detail::Mirror> mirror = impl_->mirror;
  for (const auto& module : hosted) {
    bus.add_outbox_reader(
        module,
        [mirror, module] {
          auto alive = mirror.lock();
          return alive ? alive->position(module) : std::int64_t{0};
        },
        [mirror] {
          if (auto alive = mirror.lock()) alive->wake();
        });
    auto remote = bus.remote_sources(module);
    if (remote.empty()) continue;
    std::map<std::string, std::string> publishers;  // topic -> the module publishing on it
    for (const auto& source : remote) publishers[source.topic] = source.module;
    auto feed = std::make_unique<detail::Feed>(options, module, publishers);
    impl_->feeds.push_back(feed.get());
    bus.attach_feed(module, std::move(feed));
  }
}

Bridge::~Bridge() {
  stop();
}

void Bridge::start() {
  impl_->mirror->start();
}

void Bridge::stop() {
  for (auto* feed : impl_->feeds) feed->close();
  impl_->mirror->stop();
}

std::int64_t Bridge::mirrored_seq(std::string_view module) const {
  return impl_->mirror->position(module);
}

BridgeStatus Bridge::status() const {
  BridgeStatus status;
  impl_->mirror->fill(status);
  for (const auto* feed : impl_->feeds) {
    status.feeds.push_back(feed->status());
    status.consumed += feed->consumed();
    status.skipped += feed->skipped();
  }
  return status;
}

}  // namespace eventbus::kafka
