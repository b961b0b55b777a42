#include <kernel/problem.hpp>
#include <kernel/router.hpp>

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>

#include <optional>
#include <thread>

namespace {

kernel::Request request(std::string method, std::string path) {
  kernel::Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.request_id = "rid-1";
  return r;
}

kernel::Router sample_router() {
  kernel::Router router;
  router.get("/api/v1/things/{id}", [](kernel::Request& r) {
    return kernel::Response::json(200, {{"id", std::string(r.param("id"))}});
  });
  router.del("/api/v1/things/{id}",
             [](kernel::Request&) { return kernel::Response::no_content(); });
  router.get("/api/v1/things/{id}/parts/{part}", [](kernel::Request& r) {
    return kernel::Response::json(200, {{"part", std::string(r.param("part"))}});
  });
  router.get("/boom",
             [](kernel::Request&) -> kernel::Response { throw std::runtime_error("bug"); });
  router.post("/invalid", [](kernel::Request&) -> kernel::Response {
    throw kernel::ApiError::unprocessable("bad", {{"name", "must not be empty"}});
  });
  // Answered later, on another thread, as a queued write answers.
  router.post("/later/{outcome}", [](kernel::Request& r) {
    return kernel::Response::deferred([ok = r.param("outcome") == "ok"](kernel::Reply reply) {
      std::thread([ok, reply = std::move(reply)] {
        if (ok) return reply(kernel::Response::json(201, {{"done", true}}));
        try {
          throw kernel::ApiError::conflict("taken");
        } catch (...) {
          reply(kernel::problem_for(std::current_exception(), "/later/{outcome}", "rid-1"));
        }
      }).detach();
    });
  });
  return router;
}

}  // namespace

TEST_SUITE("kernel") {
  TEST_CASE("[Router] matches path parameters") {
    auto router = sample_router();
    auto r = request("GET", "/api/v1/things/42");
    auto response = router.dispatch(r);
    CHECK(response.status == 200);
    CHECK(boost::json::parse(response.body).at("id") == "42");
    auto nested = request("GET", "/api/v1/things/7/parts/wheel");
    CHECK(boost::json::parse(router.dispatch(nested).body).at("part") == "wheel");
    CHECK(router.route_template(nested) == "/api/v1/things/{id}/parts/{part}");
  }

  TEST_CASE("[Router] unknown path is a 404 problem, wrong method a 405 with Allow") {
    auto router = sample_router();
    auto missing = request("GET", "/nope");
    auto r404 = router.dispatch(missing);
    CHECK(r404.status == 404);
    CHECK(r404.headers.get("Content-Type") == "application/problem+json");
    CHECK(boost::json::parse(r404.body).at("status") == 404);

    auto wrong = request("PUT", "/api/v1/things/1");
    auto r405 = router.dispatch(wrong);
    CHECK(r405.status == 405);
    CHECK(r405.headers.get("Allow") == "GET, DELETE");
    CHECK(r405.headers.get("content-type") == "application/problem+json");
  }

  TEST_CASE("[Router] ApiError becomes its problem; any other exception a 500 without details") {
    auto router = sample_router();
    auto invalid = request("POST", "/invalid");
    auto r422 = router.dispatch(invalid);
    CHECK(r422.status == 422);
    auto body = boost::json::parse(r422.body);
    CHECK(body.at("errors").at("name") == "must not be empty");
    auto boom = request("GET", "/boom");
    auto r500 = router.dispatch(boom);
    CHECK(r500.status == 500);
    CHECK(r500.body.find("bug") == std::string::npos);
  }

  TEST_CASE("[Router] every answer carries the request id") {
    auto router = sample_router();
    auto r = request("GET", "/nope");
    CHECK(router.dispatch(r).headers.get("X-Request-Id") == "rid-1");
  }

  TEST_CASE("[Router] a deferred answer gets its route and request id when it comes") {
    auto router = sample_router();
    auto ok = request("POST", "/later/ok");
    auto pending = router.dispatch(ok);
    REQUIRE(pending.is_deferred());
    auto answer = kernel::settle(std::move(pending));
    CHECK(answer.status == 201);
    CHECK(answer.route == "/later/{outcome}");
    CHECK(answer.headers.get("X-Request-Id") == "rid-1");
    auto taken = request("POST", "/later/taken");
    auto r409 = kernel::settle(router.dispatch(taken));
    CHECK(r409.status == 409);
    CHECK(r409.headers.get("content-type") == "application/problem+json");
    CHECK(r409.headers.get("X-Request-Id") == "rid-1");
  }

  TEST_CASE("[Response] amend changes a ready response now and a deferred one when it comes") {
    auto ready = kernel::Response::no_content();
    kernel::amend(ready, [](kernel::Response& r) { r.headers.set("X-A", "1"); });
    CHECK(ready.headers.get("X-A") == "1");
    kernel::Reply keep;
    auto pending =
        kernel::Response::deferred([&](kernel::Reply reply) { keep = std::move(reply); });
    kernel::amend(pending, [](kernel::Response& r) { r.headers.set("X-A", "1"); });
    kernel::amend(pending, [](kernel::Response& r) {
      r.headers.set("X-B", r.headers.get("X-A") ? "after" : "before");
    });
    CHECK_FALSE(pending.headers.get("X-A"));
    std::optional<kernel::Response> got;
    pending.later([&](kernel::Response r) { got = std::move(r); });
    CHECK_FALSE(got);
    keep(kernel::Response::no_content());
    REQUIRE(got);
    CHECK(got->headers.get("X-A") == "1");
    CHECK(got->headers.get("X-B") == "after");  // in the order they were added
  }

  // Issue #13, item 1: one spelling reaches a route, every other one is a 404, so that a policy
  // comparing paths (sign-in throttling) cannot be walked around by spelling the path differently.
  TEST_CASE("[Router] only the canonical spelling of a path reaches its route") {
    kernel::Router router;
    router.post("/api/v1/auth/login",
                [](kernel::Request&) { return kernel::Response::no_content(); });
    router.get("/api/v1/things/{id}", [](kernel::Request& r) {
      return kernel::Response::json(200, {{"id", std::string(r.param("id"))}});
    });
    router.get("/", [](kernel::Request&) { return kernel::Response::no_content(); });

    auto login = request("POST", "/api/v1/auth/login");
    CHECK(router.dispatch(login).status == 204);
    auto root = request("GET", "/");
    CHECK(router.dispatch(root).status == 204);
    auto thing = request("GET", "/api/v1/things/7");
    CHECK(router.dispatch(thing).status == 200);

    // As the adapter hands them over: percent-decoded paths.
    for (const std::string spelling :
         {"/api/v1/auth/login/", "/api/v1//auth/login", "//api/v1/auth/login",
          "/api/v1/auth//login", "/api/v1/auth/login//", "/api/v1/auth/./login",
          "/api/v1/auth/../auth/login", "/./api/v1/auth/login", "/api/v1/auth/login/.",
          "/api/v1/auth/login/..", "api/v1/auth/login", "", "/api/v1/auth/lo%67in",
          "/api/v1/things/7/", "/api/v1/things//7", "/api/v1/things/..", "//"}) {
      CAPTURE(spelling);
      auto r = request("POST", spelling);
      auto response = router.dispatch(r);
      CHECK(response.status == 404);
      CHECK(response.route == "unmatched");
      auto get = request("GET", spelling);
      CHECK(router.dispatch(get).status == 404);
      CHECK(router.route_template(get).empty());
    }
    // What the adapter decoded from a percent-encoded path ("/api/v1/auth/%6cogin") reads as the
    // canonical path, but the path as received was not canonical.
    auto decoded = request("POST", "/api/v1/auth/login");
    decoded.path_canonical = false;
    CHECK(router.dispatch(decoded).status == 404);
    CHECK(router.route_template(decoded).empty());
  }

  TEST_CASE("[is_canonical_path] the one spelling") {
    for (const std::string good : {"/", "/healthz", "/api/v1/auth/login", "/api/v1/products/12",
                                   "/api/v1/orders/3/cancel", "/a-b_c~d"}) {
      CAPTURE(good);
      CHECK(kernel::is_canonical_path(good));
    }
    for (const std::string bad :
         {"", "a", "a/b", "//", "/a/", "/a//b", "//a", "/.", "/..", "/a/.", "/a/./b", "/a/../b",
          "/a/%62", "/%2F", "/a%2fb", "/%", "/a/b/", "/./", "/a/.."}) {
      CAPTURE(bad);
      CHECK_FALSE(kernel::is_canonical_path(bad));
    }
  }
}
