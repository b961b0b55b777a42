#pragma once
// Private to app/http: the accept loop. Accepts connections on one io_context and hands each
// socket to the next io_context in turn, where its Session runs (Beast's http_server_async shape:
// do_accept / on_accept, each handler holding shared_from_this()).

#include "http/server_state.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mart::http::detail {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Opens, binds and listens on `endpoint`; throws std::runtime_error naming `description` when
  // one of those steps fails.
  Listener(boost::asio::io_context& context, std::vector<boost::asio::io_context*> targets,
           std::shared_ptr<ServerState> state, const boost::asio::ip::tcp::endpoint& endpoint,
           const std::string& description);

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  void run();
  // Any thread: stop accepting.
  void close();

 private:
  using error_code = boost::system::error_code;

  void do_accept();
  void on_accept(error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  std::vector<boost::asio::io_context*> targets_;
  std::size_t next_target_ = 0;
  std::shared_ptr<ServerState> state_;
};

}  // namespace mart::http::detail
