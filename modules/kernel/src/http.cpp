#include "kernel/http.hpp"

#include "kernel/problem.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <future>

namespace kernel {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

void Headers::set(std::string name, std::string value) {
  for (auto& [n, v] : items_) {
    if (iequals(n, name)) {
      v = std::move(value);
      return;
    }
  }
  items_.emplace_back(std::move(name), std::move(value));
}

void Headers::add(std::string name, std::string value) {
  items_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [n, v] : items_) {
    if (iequals(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::string_view Request::param(std::string_view name) const {
  for (const auto& [k, v] : path_params) {
    if (k == name) return v;
  }
  return {};
}

std::int64_t Request::id_param(std::string_view name, std::string_view what) const {
  auto text = param(name);
  std::int64_t id = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || ptr != text.data() + text.size() || id <= 0) {
    throw ApiError::not_found(std::string(what) + " " + std::string(text) + " not found.");
  }
  return id;
}

const Principal& Request::caller() const {
  if (!principal) throw ApiError(401, "Unauthorized", "Sign in: this route needs a bearer token.");
  return *principal;
}

Response Response::json(int status, const boost::json::value& body) {
  Response response;
  response.status = status;
  response.headers.set("Content-Type", "application/json");
  response.body = boost::json::serialize(body);
  return response;
}

Response Response::no_content() {
  Response response;
  response.status = 204;
  return response;
}

Response Response::deferred(std::function<void(Reply)> start) {
  Response response;
  response.later = std::move(start);
  return response;
}

void amend_later(Response& response, std::function<void(Response&)> change) {
  response.later = [start = std::move(response.later),
                    change = std::move(change)](Reply reply) mutable {
    start([change = std::move(change), reply = std::move(reply)](Response ready) {
      change(ready);
      reply(std::move(ready));
    });
  };
}

Response settle(Response response) {
  if (!response.is_deferred()) return response;
  std::promise<Response> promise;
  auto answer = promise.get_future();
  auto start = std::move(response.later);
  start([&promise](Response ready) { promise.set_value(std::move(ready)); });
  return answer.get();
}

}  // namespace kernel
