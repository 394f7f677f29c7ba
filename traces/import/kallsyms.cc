#include "traces/import/kallsyms.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "traces/import/ftrace_line.h"

namespace oopsim::traces {

void Kallsyms::load(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string addr, type, name, module;
    if (!(words >> addr >> type >> name)) continue;
    words >> module;
    auto a = parse_number("0x" + addr);
    if (!a || *a == 0 || type.empty()) continue;
    if (module.size() > 2 && module.front() == '[') module = module.substr(1, module.size() - 2);
    syms_.push_back({*a, type[0], name, module});
  }
  std::stable_sort(syms_.begin(), syms_.end(),
                   [](const Sym& x, const Sym& y) { return x.address < y.address; });
}

bool Kallsyms::lookup(std::uint64_t address, Hit& hit) const {
  auto it = std::upper_bound(syms_.begin(), syms_.end(), address,
                             [](std::uint64_t a, const Sym& s) { return a < s.address; });
  if (it == syms_.begin()) return false;
  --it;
  if (address - it->address > (1u << 20)) return false;
  hit = Hit{it->name, it->module, address - it->address, it->type};
  return true;
}

bool Kallsyms::span(std::uint64_t address, const Sym*& sym, std::uint64_t& end) const {
  auto it = std::upper_bound(syms_.begin(), syms_.end(), address,
                             [](std::uint64_t a, const Sym& s) { return a < s.address; });
  if (it == syms_.begin()) return false;
  sym = &*std::prev(it);
  end = it == syms_.end() ? 0 : it->address;
  return true;
}

std::optional<std::uint64_t> Kallsyms::address_of(std::string_view name) const {
  for (const Sym& s : syms_) {
    if (s.name == name && s.module.empty()) return s.address;
  }
  return std::nullopt;
}

std::string Kallsyms::symbolize(std::uint64_t address) const {
  Hit h;
  if (!lookup(address, h)) return fmt::format("{:#x}", address);
  return fmt::format("{}+{:#x}", h.name, h.offset);
}

}  // namespace oopsim::traces
