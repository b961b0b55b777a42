#pragma once
// base64url without padding (RFC 4648 §5), on libsodium's codec: the one encoding of tokens,
// sealed text and page cursors.

#include <optional>
#include <string>
#include <string_view>

namespace kernel {

std::string base64url_encode(std::string_view bytes);
// nullopt unless all of `text` is canonical base64url without padding.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace kernel
