#pragma once
// An Envelope as a Kafka message in CloudEvents 1.0 binary content mode, and back:
//   key = aggregate id, value = the event's JSON,
//   headers ce_id, ce_type, ce_source (/mart/<module>), ce_time (RFC 3339), ce_specversion,
//   content-type, ce_correlationid, ce_causationid (when there is a cause) and a W3C traceparent
//   whose trace id is the correlation id, so tracing tools group one order's flow.

#include <eventbus/event.hpp>

#include <librdkafka/rdkafka.h>

#include <optional>
#include <string>
#include <string_view>

namespace eventbus::kafka::detail {

// A new header list for `envelope` (the caller owns it until it hands it to rd_kafka_producev).
rd_kafka_headers_t* cloudevents_headers(const Envelope& envelope);

// "00-<32 hex trace id>-<16 hex parent id>-01" derived from the correlation and event ids.
std::string traceparent_of(const Envelope& envelope);

// The envelope a message carries; nullopt when it is not a Mart event of `publisher` (the
// module whose topic it was read from): no usable ce_id / ce_type / ce_time, or a ce_type or
// ce_source of another module. A topic carries its own module's events only, so a record that
// claims another module's type is refused rather than trusted by its ce_type alone. `topic` is
// the topic without the deployment's prefix.
std::optional<Envelope> envelope_of(const rd_kafka_message_t& message, std::string topic,
                                    std::string_view publisher);

}  // namespace eventbus::kafka::detail
