#include "eventbus/tx.hpp"

#include "outbox_sql.hpp"

#include <kernel/ids.hpp>

namespace eventbus {

void Tx::append(std::string_view type, std::string_view topic, const std::string& key,
                const std::string& payload) {
  auto& insert = connection_.prepare(sql::kAppendOutbox);
  insert.bind(1, kernel::random_uuid());
  insert.bind(2, std::string(type));
  insert.bind(3, std::string(topic));
  insert.bind(4, key);
  insert.bind(5, trace_.correlation_id);
  insert.bind(6, trace_.causation_id);
  insert.bind(7, kernel::to_unix_millis(clock_.now()));
  insert.bind(8, payload);
  insert.exec();
  ++published_;
}

}  // namespace eventbus
