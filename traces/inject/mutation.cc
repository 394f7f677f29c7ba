#include "traces/inject/mutation.h"

#include "traces/inject/module_text.h"

namespace oopsim::inject {

models::FaultInfo Mutation::to_fault_info() const {
  models::FaultInfo info;
  info.type = type;
  // "module:function" names a module's function: the trace keeps the two apart.
  auto [module, function] = split_module_function(symbol);
  info.symbol = function;
  info.module = module;
  info.offset = offset;
  info.address = address;
  info.before = before;
  info.after = after;
  info.seed = seed;
  return info;
}

bool same_code_moved(std::string_view a, std::uint64_t at_a, std::string_view b,
                     std::uint64_t at_b) {
  if (a.size() != b.size()) return false;
  auto le32 = [](std::string_view s, std::size_t i) {
    std::uint32_t v = 0;
    for (int k = 3; k >= 0; --k) v = (v << 8) | static_cast<unsigned char>(s[i + k]);
    return v;
  };
  // A reference out of the moved code, rip-relative, moves the other way; an absolute address
  // into it (a module's own object in an immediate) moves with it.
  auto out = static_cast<std::uint32_t>(at_a - at_b), in = static_cast<std::uint32_t>(at_b - at_a);
  // A field's low bytes can agree: a difference at i may lie up to 3 bytes into its field (not
  // into one already matched).
  std::size_t floor = 0;
  for (std::size_t i = 0; i < a.size();) {
    if (a[i] == b[i]) {
      ++i;
      continue;
    }
    std::size_t j = i >= floor + 3 ? i - 3 : floor;
    auto fits = [&](std::size_t k) {
      return k + 4 <= a.size() && (le32(b, k) - le32(a, k) == out || le32(b, k) - le32(a, k) == in);
    };
    while (j <= i && !fits(j)) ++j;
    if (j > i) return false;
    i = floor = j + 4;
  }
  return true;
}

bool same_mutation(const models::FaultInfo& recorded, const Mutation& m) {
  models::FaultInfo now = m.to_fault_info();
  if (recorded.module.empty() || now.module.empty())
    return recorded.address == m.address && recorded.before == m.before &&
           recorded.after == m.after;
  return recorded.module == now.module && recorded.symbol == now.symbol &&
         recorded.offset == m.offset &&
         same_code_moved(recorded.before, recorded.address, m.before, m.address) &&
         same_code_moved(recorded.after, recorded.address, m.after, m.address);
}

}  // namespace oopsim::inject
