#pragma once
// The admin views of a split deployment, merged from the answers of its processes (this one and
// each distinct upstream, asked with ?scope=local): pure functions over JSON, so that they are
// tested without HTTP (deployment_view.hpp does the asking). Item fields are passed on as they
// came; only the fields a merge orders or joins by are read.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mart::deployment {

// One process's answer to a merged view.
struct ProcessAnswer {
  std::string upstream;              // "local", or the upstream's URL "http://host:port[/base]"
  std::vector<std::string> modules;  // the modules this process serves for the asking one
  std::optional<boost::json::object> body;  // its 200 answer; nothing when it gave none
  std::string error;                        // when it gave none: why
};

// [{"upstream", "modules", "error"}] for every process that gave no answer.
boost::json::array unavailable_of(const std::vector<ProcessAnswer>& answers);

// GET /api/v1/admin/events/status: every process's modules (the first process that reports a
// module wins), "relay" "running" when every answering process's relay runs, "processes"
// [{"upstream", "modules", "relay"}] for the processes that answered, and "unavailable".
boost::json::object merge_status(const std::vector<ProcessAnswer>& answers);

// Where each process stands in a merged listing: the cursor its own answer would give for the
// last of its items shown so far, by process ("local" or its URL). A process not named starts at
// its beginning.
using Positions = std::map<std::string, std::string>;

// The merged listing's cursor: opaque to clients, not a cursor any one process accepts.
std::string encode_positions(const Positions& positions);
// Nothing for a text encode_positions did not make.
std::optional<Positions> decode_positions(std::string_view cursor);

enum class PageOrder {
  id_ascending,  // dead letters: by their deployment-wide id
  newest_first,  // the audit: by "at", then "id", newest first (as eventbus::Bus::audit)
};

// A page of items with a deployment-wide unique integer "id", each process having answered from
// its position in `from` with the same limit: the union (one item per id) in `order`, cut to
// `limit`, "next_cursor" the processes' new positions (encode_positions) when any has more, and
// "unavailable". A process that gave no answer keeps its position, so a later page asks it again
// from there.
boost::json::object merge_page(const std::vector<ProcessAnswer>& answers, int limit,
                               PageOrder order, const Positions& from = {});

// GET /api/v1/admin/events/timeline?key=K: the events of every process, one per "id"; an event
// several processes know gets the union of their "handled_by" and "waiting" entries (one per
// subscriber). Ordered as eventbus::Bus::events_for_key orders them: by "time", and within one
// millisecond an effect after its cause ("causation_id", when the events carry it).
// `deliveries` (GET /api/v1/admin/events/deliveries?ids=..., one answer per process asked) adds
// what each process's subscribers did with events published in another process; a process that
// did not answer them is named in "unavailable" (once).
boost::json::object merge_timeline(const std::vector<ProcessAnswer>& answers,
                                   const std::vector<ProcessAnswer>& deliveries = {});

// The ids of every event the answers hold, each once, in the order first met.
std::vector<std::string> timeline_ids(const std::vector<ProcessAnswer>& answers);

}  // namespace mart::deployment
