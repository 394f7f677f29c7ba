// The recommended multi-byte x86 NOP sequence of a given length.
#pragma once

#include <cstddef>
#include <string>

namespace oopsim::inject {

// `length` bytes of NOPs: the longest recommended NOPs (up to 9 bytes) first.
std::string nop_fill(std::size_t length);

}  // namespace oopsim::inject
