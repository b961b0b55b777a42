#pragma once
// A notifications module hosted on a RecordingBus next to the publishers it listens to, with a
// channel that records deliveries and fails on demand.

#include "recording_bus.hpp"

#include <notifications/module.hpp>

#include <kernel/router.hpp>

#include <SQLiteCpp/Statement.h>
#include <boost/json/parse.hpp>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace notifications_test {

class RecordingChannel final : public notifications::Channel {
 public:
  // `in_place`: delivers in place, as the log channel does (otherwise as the webhook does).
  explicit RecordingChannel(bool in_place = false) : in_place_(in_place) {}

  std::vector<notifications::Delivery> delivered;
  int failures_left = 0;  // -1: always fail
  int attempts = 0;

  std::string_view name() const override { return "recording"; }
  bool delivers_in_place() const override { return in_place_; }
  std::function<void()> on_deliver;  // called first in each delivery (e.g. to hang there)
  void deliver(const notifications::Delivery& delivery) override {
    if (on_deliver) on_deliver();
    ++attempts;
    if (failures_left != 0) {
      if (failures_left > 0) --failures_left;
      throw std::runtime_error("receiver unavailable");
    }
    delivered.push_back(delivery);
  }

 private:
  bool in_place_;
};

// Rows of a module's bus table that match `where` (e.g. the inbox rows of one subscriber).
inline std::int64_t count_rows(eventbus::ModuleBus& bus, const std::string& table,
                               const std::string& where) {
  return bus.db().read([&](kernel::Connection& c) {
    SQLite::Statement count(c.raw(), "SELECT COUNT(*) FROM " + table + " WHERE " + where);
    count.executeStep();
    return count.getColumn(0).getInt64();
  });
}

struct Fixture {
  mart::test::RecordingBus rb;
  eventbus::ModuleBus& users_bus = rb.host("users");
  eventbus::ModuleBus& orders_bus = rb.host("orders");
  eventbus::ModuleBus& payments_bus = rb.host("payments");
  eventbus::ModuleBus& bus = rb.host("notifications");
  std::shared_ptr<RecordingChannel> channel;
  std::unique_ptr<kernel::Module> module;
  kernel::Router router;

  // `in_place`: the module's channel delivers in place (see RecordingChannel).
  explicit Fixture(bool in_place = false)
      : channel(std::make_shared<RecordingChannel>(in_place)),
        module(notifications::make_module(bus, channel)) {
    module->add_routes(router);
  }

  // A request as the gateway hands it on: `user` is the signed-in caller (0: nobody).
  kernel::Response call(std::string method, std::string path, std::int64_t user,
                        std::vector<std::pair<std::string, std::string>> query = {}) {
    kernel::Request request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.query = std::move(query);
    request.request_id = "rid";
    if (user > 0) request.principal = kernel::Principal{user, kernel::Role::customer};
    return kernel::settle(router.dispatch(request));
  }

  static boost::json::value json(const kernel::Response& response) {
    return boost::json::parse(response.body);
  }
};

}  // namespace notifications_test
