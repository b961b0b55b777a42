#include <kernel/sealed_text.hpp>

#include <doctest/doctest.h>

namespace sealed = kernel::sealed_text;

TEST_CASE("[SealedText] seals so that only the same key opens, and tampering is detected") {
  sealed::set_key("a-secret-of-at-least-thirty-two-bytes!!", "test");
  auto box = sealed::seal("tok_visa_4242");
  CHECK(sealed::looks_sealed(box));
  CHECK(box.find("tok_visa") == std::string::npos);
  CHECK(sealed::open(box) == std::optional<std::string>("tok_visa_4242"));
  CHECK(sealed::seal("tok_visa_4242") != box);  // a fresh nonce each time

  auto tampered = box;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  CHECK_FALSE(sealed::open(tampered).has_value());
  CHECK_FALSE(sealed::open("tok_visa_4242").has_value());
  CHECK_FALSE(sealed::open("sealed.v1.").has_value());

  sealed::set_key("another-secret-of-at-least-thirty-two-b", "test");
  CHECK_FALSE(sealed::open(box).has_value());
  sealed::set_key("a-secret-of-at-least-thirty-two-bytes!!", "other purpose");
  CHECK_FALSE(sealed::open(box).has_value());
}
