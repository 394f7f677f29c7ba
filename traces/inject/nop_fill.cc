#include "traces/inject/nop_fill.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace oopsim::inject {

namespace {

using namespace std::string_view_literals;

// Intel SDM, "Recommended Multi-Byte Sequence of NOP Instruction".
constexpr std::array<std::string_view, 10> kNops = {
    ""sv,
    "\x90"sv,
    "\x66\x90"sv,
    "\x0f\x1f\x00"sv,
    "\x0f\x1f\x40\x00"sv,
    "\x0f\x1f\x44\x00\x00"sv,
    "\x66\x0f\x1f\x44\x00\x00"sv,
    "\x0f\x1f\x80\x00\x00\x00\x00"sv,
    "\x0f\x1f\x84\x00\x00\x00\x00\x00"sv,
    "\x66\x0f\x1f\x84\x00\x00\x00\x00\x00"sv,
};

}  // namespace

std::string nop_fill(std::size_t length) {
  std::string out;
  while (length > 0) {
    const std::size_t n = std::min<std::size_t>(length, kNops.size() - 1);
    out.append(kNops[n]);
    length -= n;
  }
  return out;
}

}  // namespace oopsim::inject
