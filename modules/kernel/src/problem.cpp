#include "kernel/problem.hpp"

#include "kernel/log.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <utility>

namespace kernel {

ApiError::ApiError(int status, std::string title, std::string detail, FieldErrors errors)
    : std::runtime_error(detail),
      status_(status),
      title_(std::move(title)),
      detail_(std::move(detail)),
      errors_(std::move(errors)) {}

ApiError ApiError::bad_request(std::string detail) {
  return {400, "Bad Request", std::move(detail)};
}
ApiError ApiError::not_found(std::string detail) {
  return {404, "Not Found", std::move(detail)};
}
ApiError ApiError::conflict(std::string detail) {
  return {409, "Conflict", std::move(detail)};
}
ApiError ApiError::unprocessable(std::string detail, FieldErrors errors) {
  return {422, "Unprocessable Content", std::move(detail), std::move(errors)};
}
ApiError ApiError::unsupported_media_type(std::string detail) {
  return {415, "Unsupported Media Type", std::move(detail)};
}

ApiError ApiError::invalid_fields(const FieldErrors& errors) {
  std::string detail = "Invalid fields:";
  for (const auto& [field, message] : errors) detail += " " + field + " " + message + ";";
  detail.back() = '.';
  return unprocessable(std::move(detail), errors);
}

std::string_view status_title(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Error";
  }
}

Response problem_response(int status, std::string_view title, std::string_view detail,
                          const FieldErrors& errors) {
  boost::json::object body;
  body["type"] = "about:blank";
  body["title"] = title;
  body["status"] = status;
  body["detail"] = detail;
  if (!errors.empty()) {
    boost::json::object fields;
    for (const auto& [field, message] : errors) fields[field] = message;
    body["errors"] = std::move(fields);
  }
  Response response;
  response.status = status;
  response.headers.set("Content-Type", "application/problem+json");
  response.body = boost::json::serialize(body);
  return response;
}

Response problem_response(const ApiError& error) {
  return problem_response(error.status(), error.title(), error.detail(), error.errors());
}

Response problem_response(const StorageUnavailable& error) {
  auto cause = storage_cause_name(error.cause());
  // SQLite's own text (paths) stays in the log; the cause is a member for clients to branch on.
  boost::json::object body{
      {"type", kStorageUnavailableType},
      {"title", status_title(503)},
      {"status", 503},
      {"detail", "The " + error.module() + " module cannot store changes now (" +
                     std::string(cause) + "); reads still work. Try again later."},
      {"module", error.module()},
      {"cause", cause}};
  Response response;
  response.status = 503;
  response.headers.set("Content-Type", "application/problem+json");
  response.headers.set("Retry-After", std::to_string(kStorageRetryAfterSeconds));
  response.body = boost::json::serialize(body);
  return response;
}

Response problem_for(std::exception_ptr error, std::string_view where,
                     const std::string& request_id) {
  try {
    std::rethrow_exception(std::move(error));
  } catch (const ApiError& api_error) {
    auto response = problem_response(api_error);
    if (api_error.status() == 401) response.headers.set("WWW-Authenticate", "Bearer");
    return response;
  } catch (const StorageUnavailable& storage) {
    return problem_response(storage);  // the database logged the cause as it began
  } catch (const std::exception& unexpected) {
    log::error("http", "unhandled error in " + std::string(where) + ": " + unexpected.what(),
               request_id);
  } catch (...) {
    log::error("http", "unhandled non-exception in " + std::string(where), request_id);
  }
  return problem_response(500, "Internal Server Error", "The server failed to handle the request.");
}

}  // namespace kernel
