#pragma once
// Tolerant request-body reading: unknown keys are ignored, a missing optional field is absent,
// and every type error is collected so one 422 names all the offending fields.
// (Boost.JSON 1.81's value_to rejects missing and extra keys, so request bodies do not use it.)

#include "kernel/http.hpp"
#include "kernel/problem.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kernel {

class JsonBody {
 public:
  // 415 unless Content-Type is application/json (or +json), 400 for malformed JSON,
  // 422 when the document is not an object.
  static JsonBody parse(const Request& request);
  explicit JsonBody(boost::json::object object) : object_(std::move(object)) {}

  bool has(std::string_view field) const;
  std::optional<std::string> string(std::string_view field);
  std::optional<std::int64_t> integer(std::string_view field);
  std::optional<bool> boolean(std::string_view field);
  // The raw value, for nested structures the caller walks itself.
  const boost::json::value* value(std::string_view field) const;

  void fail(std::string_view field, std::string message);
  bool ok() const { return errors_.empty(); }
  // Throws a 422 naming every field that failed so far.
  void finish() const;

 private:
  boost::json::object object_;
  FieldErrors errors_;
};

}  // namespace kernel
