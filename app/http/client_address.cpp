#include "http/client_address.hpp"

#include <kernel/text.hpp>

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <charconv>
#include <optional>
#include <stdexcept>

namespace mart::http {
namespace {

namespace ip = boost::asio::ip;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
           return lower(x) == lower(y);
         });
}

std::optional<ip::address> parse_address(std::string_view text) {
  boost::system::error_code ec;
  auto address = ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  }
  return address;
}

std::array<unsigned char, 16> as_v6_bytes(const ip::address& address) {
  if (address.is_v4()) return ip::make_address_v6(ip::v4_mapped, address.to_v4()).to_bytes();
  return address.to_v6().to_bytes();
}

// The comma-separated elements of every field called `name`, in order, trimmed.
std::vector<std::string_view> elements(const kernel::Headers& headers, std::string_view name) {
  std::vector<std::string_view> out;
  for (const auto& [field, value] : headers.all()) {
    if (!iequals(field, name)) continue;
    std::string_view rest = value;
    for (;;) {
      auto comma = rest.find(',');
      auto element = kernel::trim_ows(rest.substr(0, comma));
      if (!element.empty()) out.push_back(element);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

// The for= value of one Forwarded element ("for=192.0.2.1;proto=http"), unquoted; "" without.
std::string_view forwarded_for(std::string_view element) {
  while (!element.empty()) {
    auto semicolon = element.find(';');
    auto pair = kernel::trim_ows(element.substr(0, semicolon));
    auto equals = pair.find('=');
    if (equals != std::string_view::npos &&
        iequals(kernel::trim_ows(pair.substr(0, equals)), "for")) {
      auto value = kernel::trim_ows(pair.substr(equals + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return value;
    }
    if (semicolon == std::string_view::npos) break;
    element.remove_prefix(semicolon + 1);
  }
  return {};
}

}  // namespace

std::string normal_address(std::string_view text) {
  text = kernel::trim_ows(text);
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos) return {};
    auto rest = text.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return {};
    text = text.substr(1, close - 1);
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    text = text.substr(0, text.find(':'));  // "192.0.2.1:4711"
  }
  auto address = parse_address(text);
  return address ? address->to_string() : std::string();
}

TrustedProxies::TrustedProxies(const std::vector<std::string>& entries) {
  for (const auto& raw : entries) {
    auto entry = kernel::trim_ows(raw);
    auto slash = entry.find('/');
    auto address = parse_address(entry.substr(0, slash));
    if (!address || entry.substr(0, slash) != kernel::trim_ows(entry.substr(0, slash))) {
      throw std::invalid_argument("'" + raw + "' is not an IP address or CIDR block");
    }
    Block block;
    block.bytes = as_v6_bytes(*address);
    const unsigned width = address->is_v4() ? 32 : 128;
    unsigned prefix = width;
    if (slash != std::string_view::npos) {
      auto digits = entry.substr(slash + 1);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
          prefix > width) {
        throw std::invalid_argument("'" + raw + "' has an invalid prefix length");
      }
    }
    block.prefix = prefix + (128 - width);
    blocks_.push_back(block);
  }
}

bool TrustedProxies::contains(std::string_view text) const {
  if (blocks_.empty()) return false;
  auto address = parse_address(text);
  if (!address) return false;
  auto bytes = as_v6_bytes(*address);
  return std::any_of(blocks_.begin(), blocks_.end(), [&](const Block& block) {
    for (unsigned bit = 0; bit < block.prefix; ++bit) {
      const auto mask = static_cast<unsigned char>(0x80U >> (bit % 8));
      if ((bytes[bit / 8] & mask) != (block.bytes[bit / 8] & mask)) return false;
    }
    return true;
  });
}

std::string resolve_client(std::string_view peer, const kernel::Headers& headers,
                           const TrustedProxies& trusted) {
  std::string client(peer);
  if (!trusted.contains(peer)) return client;
  auto chain = elements(headers, "x-forwarded-for");
  if (chain.empty()) {
    for (auto element : elements(headers, "forwarded")) chain.push_back(forwarded_for(element));
  }
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    auto address = normal_address(*it);
    if (address.empty()) return std::string(peer);  // malformed: trust nothing further
    client = std::move(address);
    if (!trusted.contains(client)) return client;
  }
  return client;
}

}  // namespace mart::http
