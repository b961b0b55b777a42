#include "kernel/json_body.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>

namespace kernel {
namespace {

bool is_json_media_type(std::string_view content_type) {
  auto media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  std::string lower(media);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower == "application/json" ||
         (lower.starts_with("application/") && lower.ends_with("+json"));
}

}  // namespace

JsonBody JsonBody::parse(const Request& request) {
  auto content_type = request.header("Content-Type");
  if (!content_type || !is_json_media_type(*content_type)) {
    throw ApiError::unsupported_media_type("The request body must be application/json.");
  }
  boost::system::error_code ec;
  auto value = boost::json::parse(request.body, ec);
  if (ec) throw ApiError::bad_request("The request body is not valid JSON: " + ec.message() + ".");
  if (!value.is_object()) throw ApiError::unprocessable("The request body must be a JSON object.");
  return JsonBody(std::move(value.as_object()));
}

bool JsonBody::has(std::string_view field) const {
  return object_.contains(field);
}

const boost::json::value* JsonBody::value(std::string_view field) const {
  return object_.if_contains(field);
}

std::optional<std::string> JsonBody::string(std::string_view field) {
  const auto* v = value(field);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    fail(field, "must be a string");
    return std::nullopt;
  }
  return std::string(v->get_string());
}

std::optional<std::int64_t> JsonBody::integer(std::string_view field) {
  const auto* v = value(field);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) {
    fail(field, "is out of range");
    return std::nullopt;
  }
  fail(field, "must be an integer");
  return std::nullopt;
}

std::optional<bool> JsonBody::boolean(std::string_view field) {
  const auto* v = value(field);
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    fail(field, "must be a boolean");
    return std::nullopt;
  }
  return v->get_bool();
}

void JsonBody::fail(std::string_view field, std::string message) {
  errors_.emplace(std::string(field), std::move(message));
}

void JsonBody::finish() const {
  if (!errors_.empty()) throw ApiError::invalid_fields(errors_);
}

}  // namespace kernel
