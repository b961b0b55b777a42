#pragma once
// Requests as the HTTP adapter would build them, for tests that call Application::handle.

#include <kernel/http.hpp>

#include <string>

namespace mart::test {

// `path` may carry one query parameter ("/x?limit=5"); a body is sent as JSON; a token as Bearer.
inline kernel::Request make_request(std::string method, std::string path, std::string body = {},
                                    const std::string& token = {}) {
  kernel::Request r;
  r.method = std::move(method);
  r.path = r.target = std::move(path);
  if (auto q = r.path.find('?'); q != std::string::npos) {
    auto query = r.path.substr(q + 1);
    r.path.resize(q);
    auto eq = query.find('=');
    r.query.emplace_back(query.substr(0, eq), query.substr(eq + 1));
  }
  r.body = std::move(body);
  if (!r.body.empty()) r.headers.set("Content-Type", "application/json");
  r.request_id = "in-process";
  r.client_address = "127.0.0.1";
  if (!token.empty()) r.headers.set("Authorization", "Bearer " + token);
  return r;
}

}  // namespace mart::test
