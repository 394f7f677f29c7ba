// /proc/kallsyms of the guest kernel: addresses -> "symbol+0xoff" and the module they live in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oopsim::traces {

class Kallsyms {
 public:
  // Lines "<hex address> <type> <name> [<module>]". Unparseable lines are skipped.
  void load(const std::string& text);
  bool empty() const { return syms_.empty(); }

  struct Hit {
    std::string name;
    std::string module;
    std::uint64_t offset = 0;
    char type = '?';
  };
  // The symbol at or below `address` (nothing when the address is below every symbol or more than
  // 1 MiB past the nearest one).
  bool lookup(std::uint64_t address, Hit& hit) const;
  std::string symbolize(std::uint64_t address) const;  // "name+0xoff", or "0x..." when unknown

  struct Sym {
    std::uint64_t address;
    char type;
    std::string name;
    std::string module;  // "" for vmlinux
  };
  // Every symbol, by address (the one kallsyms parser: the fault injector reads it too).
  const std::vector<Sym>& symbols() const { return syms_; }
  // The symbol at or below `address`, however far, and where the next symbol (at a higher
  // address) begins: `end` 0 when it is the last (kallsyms gives no sizes). False below every
  // symbol.
  bool span(std::uint64_t address, const Sym*& sym, std::uint64_t& end) const;
  // A vmlinux symbol's address by name (nullopt: none).
  std::optional<std::uint64_t> address_of(std::string_view name) const;

 private:
  std::vector<Sym> syms_;
};

}  // namespace oopsim::traces
