// /proc/kallsyms text: the importer's symbolizer and the injector's symbol table.
#include <cstdint>
#include <string>

#include "traces/import/kallsyms.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  oopsim::traces::Kallsyms k;
  k.load(text);
  for (std::uint64_t a : {0ull, 0xffffffff81000000ull, 0xffffffffc0000000ull, ~0ull}) {
    oopsim::traces::Kallsyms::Hit hit;
    k.lookup(a, hit);
    k.symbolize(a);
  }
  return 0;
}
