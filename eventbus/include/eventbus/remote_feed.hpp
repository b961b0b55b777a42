#pragma once
// Events of publishers hosted in other processes (split mode), handed to the bus by a feed.

#include "eventbus/event.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace eventbus {

// An event published in another process, as a remote feed hands it over, with where it stands in
// that feed (e.g. "kafka:OrderEvents:3" and the offset to resume from after it).
struct RemoteEvent {
  Envelope event;
  std::string position_name;
  std::int64_t next_position = 0;
};

// Events of publishers hosted in other processes (split mode), for one hosted module. The
// module's delivery thread polls it and handles the events exactly as it handles local outbox
// rows: in its own transaction, with the inbox, parking and retries, and with each feed position
// saved in that same commit.
class RemoteFeed {
 public:
  virtual ~RemoteFeed() = default;
  // Called once, before the first poll, with the positions saved by earlier runs (all of them;
  // the feed picks its own by name).
  virtual void resume(const std::map<std::string, std::int64_t, std::less<>>& saved) = 0;
  // Up to `max` events, oldest first within each key; never blocks for long. Events handed out
  // and not yet committed are handed out again, first, by the next poll.
  virtual std::vector<RemoteEvent> poll(std::size_t max) = 0;
  // The first `count` events of the last poll are committed in the module's database.
  virtual void committed(std::size_t count) = 0;
  // `wake` is called (from any thread) when new events may be waiting.
  virtual void on_arrival(std::function<void()> wake) = 0;
};

}  // namespace eventbus
