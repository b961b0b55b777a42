#include "status_of.hpp"

#include <kernel/json_body.hpp>

#include <doctest/doctest.h>

namespace {

kernel::Request json_request(std::string body, const std::string& type = "application/json") {
  kernel::Request r;
  r.method = "POST";
  r.body = std::move(body);
  if (!type.empty()) r.headers.set("Content-Type", type);
  return r;
}

int status_of(const kernel::Request& r) {
  return mart::test::status_of([&] { kernel::JsonBody::parse(r); });
}

}  // namespace

TEST_SUITE("kernel") {
  TEST_CASE("[JsonBody] media type, syntax and shape map to 415, 400, 422") {
    CHECK(status_of(json_request("{}")) == 0);
    CHECK(status_of(json_request("{}", "application/json; charset=utf-8")) == 0);
    CHECK(status_of(json_request("{}", "application/merge-patch+json")) == 0);
    CHECK(status_of(json_request("{}", "text/plain")) == 415);
    CHECK(status_of(json_request("{}", "")) == 415);
    CHECK(status_of(json_request("{\"a\":")) == 400);
    CHECK(status_of(json_request("")) == 400);
    CHECK(status_of(json_request("[1,2]")) == 422);
  }

  TEST_CASE("[JsonBody] unknown keys are ignored, missing ones absent, type errors all named") {
    auto body = kernel::JsonBody::parse(
        json_request(R"({"name": 5, "price": "ten", "extra": true, "ok": "yes", "n": 1.5})"));
    CHECK_FALSE(body.string("missing"));
    CHECK(body.string("ok") == "yes");
    CHECK_FALSE(body.string("name"));
    CHECK_FALSE(body.integer("price"));
    CHECK_FALSE(body.integer("n"));
    try {
      body.finish();
      FAIL("no error");
    } catch (const kernel::ApiError& e) {
      CHECK(e.status() == 422);
      CHECK(e.errors().at("name") == "must be a string");
      CHECK(e.errors().at("price") == "must be an integer");
      CHECK(e.errors().at("n") == "must be an integer");
      CHECK(e.errors().count("extra") == 0);
    }
  }

  TEST_CASE("[JsonBody] integers beyond int64 are out of range, not wrapped") {
    auto body = kernel::JsonBody::parse(json_request(R"({"n": 18446744073709551615})"));
    CHECK_FALSE(body.integer("n"));
    CHECK_THROWS_AS(body.finish(), kernel::ApiError);
  }
}
