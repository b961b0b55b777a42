#pragma once
// The shape every error answer shares: a problem document (RFC 9457) with its status.

#include "http/client.hpp"

#include <doctest/doctest.h>

namespace mart::test {

// `r` is an application/problem+json answer with `status`, a title and a detail.
inline void check_problem(const HttpResponse& r, int status) {
  CHECK(r.status == status);
  CHECK(r.header("Content-Type") == "application/problem+json");
  auto body = r.json();
  CHECK(body.at("status") == status);
  CHECK(body.as_object().contains("title"));
  CHECK(body.as_object().contains("detail"));
}

}  // namespace mart::test
