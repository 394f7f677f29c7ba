// A function's text as the injector sees it, and how it names call targets.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace oopsim::inject {

struct CodeRegion {
  std::string symbol;         // "set_fs_pwd"
  std::uint64_t address = 0;  // of the first byte
  std::string bytes;          // raw instruction bytes
};

// Names the symbol at an address ("kfree"), or "" when unknown. Used to recognise calls to
// allocators, free functions, memcpy/memset and *_unlock_irqrestore.
using SymbolResolver = std::function<std::string(std::uint64_t)>;

}  // namespace oopsim::inject
