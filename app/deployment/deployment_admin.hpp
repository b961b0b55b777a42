#pragma once
// The admin views of a process with upstreams, for the whole deployment: events status, dead
// letters, audit and an event key's timeline are asked of every distinct upstream (once per URL,
// with ?scope=local, the caller's Authorization and traceparent) while this process answers its
// own part, and merged (admin_merge.hpp). An upstream that gives no answer is named in the
// answer's "unavailable" list; the answer stays a 200. A timeline takes a second round: each
// process says what its subscribers did with the events found (they are in their publisher's
// outbox only). A request with ?scope=local is this
// process's own part only, so a merge never asks again (no loops).

#include "http/fan_out.hpp"
#include "http/server.hpp"

#include <kernel/http.hpp>

#include <boost/json/object.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mart::deployment {

struct MergePlan;

class DeploymentAdmin {
 public:
  // What this process's subscribers did with the events named by a comma-separated id list:
  // the body of GET /api/v1/admin/events/deliveries (the timeline's second round, here).
  using LocalDeliveries = std::function<boost::json::object(const std::string& ids)>;

  // `upstreams`: the forwarder's, module -> upstream (modules hosted elsewhere).
  DeploymentAdmin(std::vector<std::string> hosted,
                  const std::map<std::string, std::shared_ptr<const http::Upstream>>& upstreams,
                  http::FanOut& fan_out, LocalDeliveries local_deliveries = {});

  // A merge under way: begun before this process answers its own part, finished with it.
  using Merge = std::shared_ptr<const MergePlan>;

  // When `request` asks for a merged view (and not for scope=local): the merge, with `request`
  // turned into this process's own part (for a listing, its cursor becomes this process's
  // position in the merged cursor). Nothing otherwise, and `request` is left as it is.
  Merge begin(kernel::Request& request) const;

  // The deployment's answer, given this process's own answer `local` (ready or deferred):
  // `local` itself unless it is a 200, else a deferred 200 with the merge.
  kernel::Response finish(const Merge& merge, kernel::Response local) const;

  // One process the views are asked of: an upstream URL and the modules it serves for us.
  struct Process {
    std::string url;
    std::vector<std::string> modules;
    std::shared_ptr<const http::Upstream> upstream;
  };
  const std::vector<Process>& processes() const { return processes_; }

 private:
  std::vector<std::string> hosted_;
  std::vector<Process> processes_;
  http::FanOut& fan_out_;
  LocalDeliveries local_deliveries_;
};

}  // namespace mart::deployment
