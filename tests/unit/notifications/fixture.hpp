#pragma once
// A notifications module hosted on a RecordingBus next to the publishers it listens to, with a
// channel that records deliveries and fails on demand.

#include "recording_bus.hpp"

#include <notifications/module.hpp>

#include <kernel/router.hpp>

#include <boost/json/parse.hpp>

#include <memory>
#include <stdexcept>
#include <vector>

namespace notifications_test {

class RecordingChannel final : public notifications::Channel {
 public:
  std::vector<notifications::Delivery> delivered;
  int failures_left = 0;  // -1: always fail
  int attempts = 0;

  std::string_view name() const override { return "recording"; }
  void deliver(const notifications::Delivery& delivery) override {
    ++attempts;
    if (failures_left != 0) {
      if (failures_left > 0) --failures_left;
      throw std::runtime_error("receiver unavailable");
    }
    delivered.push_back(delivery);
  }
};

struct Fixture {
  mart::test::RecordingBus rb;
  eventbus::ModuleBus& users_bus = rb.host("users");
  eventbus::ModuleBus& orders_bus = rb.host("orders");
  eventbus::ModuleBus& payments_bus = rb.host("payments");
  eventbus::ModuleBus& bus = rb.host("notifications");
  std::shared_ptr<RecordingChannel> channel = std::make_shared<RecordingChannel>();
  std::unique_ptr<kernel::Module> module = notifications::make_module(bus, channel);
  kernel::Router router;

  Fixture() { module->add_routes(router); }

  // A request as the gateway hands it on: `user` is the signed-in caller (0: nobody).
  kernel::Response call(std::string method, std::string path, std::int64_t user,
                        std::vector<std::pair<std::string, std::string>> query = {}) {
    kernel::Request request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.query = std::move(query);
    request.request_id = "rid";
    if (user > 0) request.principal = kernel::Principal{user, kernel::Role::customer};
    return router.dispatch(request);
  }

  static boost::json::value json(const kernel::Response& response) {
    return boost::json::parse(response.body);
  }
};

}  // namespace notifications_test
