#include "http/fan_out.hpp"

#include "http/upstream_exchange.hpp"

#include <kernel/log.hpp>
#include <kernel/problem.hpp>
#include <kernel/thread_name.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace mart::http {

namespace asio = boost::asio;

struct FanOut::Impl {
  asio::io_context context{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{
      asio::make_work_guard(context)};
  std::thread thread;
  std::mutex mutex;  // guards `stopped` and `work`
  bool stopped = false;
};

namespace {

// What the calls of one send() share until the last answer is in.
struct Gathering {
  std::vector<kernel::Response> responses;
  std::size_t outstanding = 0;
  FanOut::Done done;
};

}  // namespace

FanOut::FanOut() : impl_(std::make_unique<Impl>()) {
  impl_->thread = std::thread([impl = impl_.get()] {
    kernel::name_this_thread("fan-out");
    for (;;) {
      try {
        impl->context.run();
        return;
      } catch (const std::exception& error) {  // a callback threw: log it, keep serving
        kernel::log::error("http", std::string("fan-out thread caught: ") + error.what());
      }
    }
  });
}

FanOut::~FanOut() {
  stop();
}

void FanOut::send(std::vector<UpstreamCall> calls, Done done) {
  if (calls.empty()) return done({});
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->stopped) {
      asio::post(impl_->context,
                 [this, calls = std::move(calls), done = std::move(done)]() mutable {
                   auto gathering = std::make_shared<Gathering>();
                   gathering->responses.resize(calls.size());
                   gathering->outstanding = calls.size();
                   gathering->done = std::move(done);
                   for (std::size_t i = 0; i < calls.size(); ++i) {
                     auto& call = calls[i];
                     kernel::Request request;
                     request.method = call.method;
                     request.target = call.target;
                     request.body = std::move(call.body);
                     request.request_id = call.request_id;
                     Forward forward{call.upstream, std::move(call.headers), {}};
                     auto exchange = std::make_shared<detail::UpstreamExchange>(
                         impl_->context.get_executor(), request, forward);
                     exchange->run([gathering, i](detail::UpstreamAnswer answer) {
                       gathering->responses[i] = std::move(answer.response);
                       if (--gathering->outstanding == 0)
                         gathering->done(std::move(gathering->responses));
                     });
                   }
                 });
      return;
    }
  }
  std::vector<kernel::Response> refused;
  for (const auto& call : calls) {
    refused.push_back(kernel::problem_response(
        503, kernel::status_title(503),
        "The upstream of the " + call.upstream->name + " module was not asked: the server stops."));
  }
  done(std::move(refused));
}

void FanOut::stop() {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopped) return;
    impl_->stopped = true;
    impl_->work.reset();  // run() returns once the exchanges under way are done
  }
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace mart::http
