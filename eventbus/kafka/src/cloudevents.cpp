#include "cloudevents.hpp"

#include <kernel/ids.hpp>
#include <kernel/time.hpp>

#include <algorithm>

namespace eventbus::kafka::detail {
namespace {

void add(rd_kafka_headers_t* headers, const char* name, std::string_view value) {
  rd_kafka_header_add(headers, name, -1, value.data(), static_cast<ssize_t>(value.size()));
}

// `id` as lower-case hex digits when it is a UUID (or bare hex) of that length, else a digest.
std::string hex_id(std::string_view id, std::size_t digits) {
  std::string hex;
  for (char ch : id) {
    if (ch == '-') continue;
    hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
  }
  bool usable = hex.size() >= digits && std::all_of(hex.begin(), hex.end(), [](char ch) {
                  return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
                });
  if (!usable) hex = kernel::digest_hex(id);
  // The right end of a UUIDv7 is its random part; all zeros is not a valid W3C id.
  auto out = hex.substr(hex.size() - digits);
  if (out.find_first_not_of('0') == std::string::npos) out.back() = '1';
  return out;
}

std::optional<std::string> header(rd_kafka_headers_t* headers, const char* name) {
  const void* value = nullptr;
  size_t size = 0;
  if (!headers ||
      rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  return std::string(static_cast<const char*>(value), size);
}

}  // namespace

std::string traceparent_of(const Envelope& envelope) {
  return "00-" + hex_id(envelope.correlation_id, 32) + "-" + hex_id(envelope.id, 16) + "-01";
}

rd_kafka_headers_t* cloudevents_headers(const Envelope& e) {
  auto* headers = rd_kafka_headers_new(9);
  add(headers, "ce_specversion", "1.0");
  add(headers, "ce_id", e.id);
  add(headers, "ce_type", e.type);
  add(headers, "ce_source", "/mart/" + e.source);
  add(headers, "ce_time", kernel::format_rfc3339(kernel::from_unix_millis(e.occurred_ms)));
  add(headers, "content-type", "application/json");
  add(headers, "ce_correlationid", e.correlation_id);
  if (!e.causation_id.empty()) add(headers, "ce_causationid", e.causation_id);
  add(headers, "traceparent", traceparent_of(e));
  return headers;
}

std::optional<Envelope> envelope_of(const rd_kafka_message_t& message, std::string topic,
                                    std::string_view publisher) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(&message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  auto id = header(headers, "ce_id");
  auto type = header(headers, "ce_type");
  auto time = header(headers, "ce_time");
  if (!id || id->empty() || !type || type->find('.') == std::string::npos || !time) {
    return std::nullopt;
  }
  auto source = header(headers, "ce_source");
  if (source_of(*type) != publisher || source != "/mart/" + std::string(publisher)) {
    return std::nullopt;
  }
  auto occurred = kernel::parse_rfc3339(*time);
  if (!occurred || !message.payload) return std::nullopt;
  Envelope e;
  e.seq = message.offset;
  e.id = std::move(*id);
  e.type = std::move(*type);
  e.topic = std::move(topic);
  e.source = std::string(source_of(e.type));
  if (message.key) e.key.assign(static_cast<const char*>(message.key), message.key_len);
  e.occurred_ms = kernel::to_unix_millis(*occurred);
  e.correlation_id = header(headers, "ce_correlationid").value_or(e.id);
  e.causation_id = header(headers, "ce_causationid").value_or("");
  e.payload.assign(static_cast<const char*>(message.payload), message.len);
  return e;
}

}  // namespace eventbus::kafka::detail
