#include "eventbus/bus.hpp"

#include "bus_impl.hpp"

#include <kernel/faults.hpp>
#include <kernel/log.hpp>
#include <kernel/thread_name.hpp>
#include <mart/module_list.hpp>

#include <algorithm>
#include <random>
#include <thread>

namespace eventbus {
std::chrono::milliseconds RetryPolicy::backoff_after(int attempts) const {
  auto delay = initial_backoff;
  for (int i = 1; i < attempts && delay < max_backoff; ++i) delay *= 2;
  return std::min(delay, max_backoff);
}

std::chrono::milliseconds OutsideRetry::backoff_after(int attempts) const {
  auto delay = initial_backoff;
  for (int i = 1; i < attempts && delay < max_backoff; ++i) delay *= 2;
  delay = std::min(delay, max_backoff);
  // Up to half of the wait is taken off at random: deliveries that failed together (an outage)
  // do not all call again at the same instant.
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::uniform_int_distribution<std::int64_t> jitter(0, delay.count() / 2);
  return std::chrono::milliseconds(delay.count() - jitter(random));
}

ModuleBus::ModuleBus(Bus& bus, std::string module, std::shared_ptr<kernel::Database> db)
    : bus_(bus), module_(std::move(module)), db_(std::move(db)) {}

const kernel::Clock& ModuleBus::clock() const {
  return bus_.clock();
}

void ModuleBus::announce(const std::vector<std::string>& published) {
  if (!published.empty() && kernel::faults::enabled()) {
    kernel::faults::stop_at(kernel::faults::StopPoint::after_business_commit);
  }
  count_published(module_, published);
  if (!published.empty()) bus_.notify_published(module_);
}

void ModuleBus::add_subscription(std::string type, std::string topic, std::string subscriber,
                                 RawHandler handler, Reruns reruns) {
  bus_.add_subscription(module_, std::move(type), std::move(topic), std::move(subscriber),
                        std::move(handler), reruns);
}

void ModuleBus::add_outside_subscription(std::string type, std::string topic,
                                         std::string subscriber, OutsideCall call,
                                         OutsideRetry retry) {
  bus_.add_subscription(module_, std::move(type), std::move(topic), std::move(subscriber), {},
                        Reruns::allowed, std::move(call), retry);
}

Bus::Bus(BusOptions options)
    : options_(options),
      clock_(options.clock ? options.clock : &system_clock_),
      impl_(std::make_unique<Impl>()) {}

Bus::~Bus() {
  stop();
}

ModuleBus& Bus::attach(std::string module, std::shared_ptr<kernel::Database> db) {
  if (impl_->running) throw std::logic_error("attach after the bus started");
  if (impl_->modules.count(module)) throw std::logic_error("module attached twice: " + module);
  auto code = mart::module_code(module);
  if (code == 0)
    code = static_cast<std::int64_t>(mart::kModuleNames.size() + 1 + impl_->modules.size());
  if (code >= kCodeSpace) throw std::logic_error("too many modules on one bus");

  auto worker = std::make_unique<Impl::Worker>();
  worker->consumer = std::make_unique<detail::Consumer>(module, db, options_, *clock_);
  worker->consumer->on_published([this](std::string_view m) { notify_published(m); });
  worker->code = code;
  impl_->workers.emplace(module, std::move(worker));
  impl_->databases.emplace(module, db);
  auto [it, inserted] =
      impl_->modules.emplace(module, std::make_unique<ModuleBus>(*this, module, std::move(db)));
  impl_->connected = false;
  return *it->second;
}

ModuleBus* Bus::find(std::string_view module) {
  auto it = impl_->modules.find(module);
  return it == impl_->modules.end() ? nullptr : it->second.get();
}

void Bus::add_subscription(const std::string& module, std::string type, std::string topic,
                           std::string subscriber, RawHandler handler, Reruns reruns,
                           OutsideCall call, std::optional<OutsideRetry> retry) {
  if (impl_->running) throw std::logic_error("subscribe after the bus started");
  impl_->workers.at(module)->consumer->add({std::move(type),
                                            std::move(topic),
                                            std::move(subscriber),
                                            std::move(handler),
                                            reruns,
                                            {},
                                            std::move(call),
                                            retry});
  impl_->connected = false;
}

void Bus::start() {
  if (impl_->running.exchange(true)) return;
  impl_->stopping = false;
  impl_->connect();
  for (auto& [name, worker] : impl_->workers) {
    auto* w = worker.get();
    w->thread = std::thread([this, w, name = name] {
      kernel::name_this_thread("bus-" + name);
      impl_->run(*w, options_, *clock_);
    });
  }
  impl_->checkpoint_thread = std::thread([this] {
    kernel::name_this_thread("checkpoint");
    impl_->run_checkpoints(options_.checkpoint_interval);
  });
}

void Bus::stop() {
  if (!impl_->running.exchange(false)) return;
  impl_->stopping = true;
  for (auto& [name, worker] : impl_->workers) impl_->interrupt(*worker);
  for (auto& [name, worker] : impl_->workers) {
    if (worker->thread.joinable()) worker->thread.join();
  }
  {
    std::lock_guard lock(impl_->checkpoint_mutex);  // so the wait cannot miss `stopping`
  }
  impl_->checkpoint_wake.notify_all();
  if (impl_->checkpoint_thread.joinable()) impl_->checkpoint_thread.join();
}

bool Bus::running() const {
  return impl_->running.load();
}

std::size_t Bus::run_until_idle() {
  if (impl_->running) throw std::logic_error("run_until_idle while the delivery threads run");
  impl_->connect();
  std::size_t total = 0;
  for (;;) {
    std::size_t round = 0;
    for (auto& [name, worker] : impl_->workers) round += worker->consumer->pump_once();
    total += round;
    if (round == 0) break;
  }
  for (auto& [name, worker] : impl_->workers) impl_->mark_delivered(*worker, *clock_);
  return total;
}

PruneResult Bus::prune_now() {
  if (impl_->running) throw std::logic_error("prune_now while the delivery threads run");
  impl_->connect();
  PruneResult total;
  for (auto& [name, worker] : impl_->workers) {
    impl_->mark_delivered(*worker, *clock_);
    auto pruned = impl_->prune(*worker, options_, *clock_);
    total.outbox_rows += pruned.outbox_rows;
    total.inbox_rows += pruned.inbox_rows;
    total.attempt_rows += pruned.attempt_rows;
    total.discarded_rows += pruned.discarded_rows;
  }
  return total;
}

void Bus::notify_published(std::string_view module) {
  for (auto& [name, worker] : impl_->workers) {
    if (worker->consumer->subscribes_to(module)) impl_->wake(*worker);
  }
  auto [first, last] = impl_->outbox_readers.equal_range(module);
  for (auto it = first; it != last; ++it) {
    if (it->second.wake) it->second.wake();
  }
  for (const auto& listener : impl_->publish_listeners) listener(module);
}

void Bus::attach_feed(std::string_view module, std::unique_ptr<RemoteFeed> feed) {
  if (impl_->running) throw std::logic_error("attach_feed after the bus started");
  auto it = impl_->workers.find(module);
  if (it == impl_->workers.end()) {
    throw std::logic_error("attach_feed for a module not hosted: " + std::string(module));
  }
  auto* worker = it->second.get();
  feed->on_arrival([this, worker] { impl_->wake(*worker); });
  worker->consumer->attach_feed(std::move(feed));
  impl_->connected = false;
}

std::vector<Bus::RemoteSource> Bus::remote_sources(std::string_view module) {
  std::vector<RemoteSource> out;
  auto it = impl_->workers.find(module);
  if (it == impl_->workers.end()) return out;
  for (const auto& [source, topic] : it->second->consumer->topics()) {
    if (!impl_->databases.count(source)) out.push_back({source, topic});
  }
  return out;
}

void Bus::add_outbox_reader(std::string_view module, std::function<std::int64_t()> position,
                            std::function<void()> wake) {
  if (impl_->running) throw std::logic_error("add_outbox_reader after the bus started");
  impl_->outbox_readers.emplace(std::string(module),
                                Impl::OutboxReader{std::move(position), std::move(wake)});
}

}  // namespace eventbus
