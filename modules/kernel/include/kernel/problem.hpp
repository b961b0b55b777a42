#pragma once
// RFC 9457 problem documents. Handlers throw ApiError; the router turns it into a response.

#include "kernel/http.hpp"
#include "kernel/storage.hpp"

#include <exception>
#include <map>
#include <stdexcept>
#include <string>

namespace kernel {

using FieldErrors = std::map<std::string, std::string>;

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string title, std::string detail, FieldErrors errors = {});

  int status() const { return status_; }
  const std::string& title() const { return title_; }
  const std::string& detail() const { return detail_; }
  const FieldErrors& errors() const { return errors_; }

  static ApiError bad_request(std::string detail);
  static ApiError not_found(std::string detail = "The requested resource does not exist.");
  static ApiError conflict(std::string detail);
  static ApiError unprocessable(std::string detail, FieldErrors errors = {});
  static ApiError unsupported_media_type(std::string detail);
  // A 422 whose detail lists every field and its message ("Invalid fields: name must ...").
  static ApiError invalid_fields(const FieldErrors& errors);

 private:
  int status_;
  std::string title_;
  std::string detail_;
  FieldErrors errors_;
};

// A problem+json response for the given status.
Response problem_response(int status, std::string_view title, std::string_view detail,
                          const FieldErrors& errors = {});
Response problem_response(const ApiError& error);

// 503 for a write the module's storage cannot take now (disk full, read-only, I/O error), with
// Retry-After: type kStorageUnavailableType, the detail names the module and the cause.
inline constexpr std::string_view kStorageUnavailableType = "urn:mart:problem:storage-unavailable";
inline constexpr int kStorageRetryAfterSeconds = 10;
Response problem_response(const StorageUnavailable& error);

// The answer to a handler's exception: its problem for an ApiError (with WWW-Authenticate for a
// 401) or a StorageUnavailable (503), else a 500 problem, logged with `where` (the route) and the
// request id.
Response problem_for(std::exception_ptr error, std::string_view where,
                     const std::string& request_id);

// The standard reason phrase used as a problem title ("Not Found").
std::string_view status_title(int status);

}  // namespace kernel
