// The live text of the guest's loaded modules, as a saved state holds it (STATE/modtext/, written
// by `vmctl.py modtext` or at save: index.txt and one MODULE.bin per module). A module's text on
// disk is not what runs (the loader relocates it and puts it anywhere), so its sites are drawn
// from, and checked against, the bytes the guest executes. Functions are named "module:function".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "traces/inject/code_region.h"

namespace oopsim::inject {

class ModuleText {
 public:
  // Reads `dir`/index.txt and the modules' bytes; `kallsyms_text` (the state's) gives each
  // module's functions. False with `error` (file and what is wrong) when the dump is missing or
  // short. A dump from another state is caught where it matters: a patch is checked against
  // the live text before it is written (vm_inject.py).
  bool load(const std::string& dir, const std::string& kallsyms_text, std::string& error);
  bool empty() const { return modules_.empty(); }
  // The bytes of "module:function", from its address to the next symbol's (or the text's end).
  bool function(std::string_view module, std::string_view name, CodeRegion& out,
                std::string& error) const;
  // "module:function" of the text symbol exactly at `address`, "" if none.
  std::string symbol_at(std::uint64_t address) const;
  // Every text function of `module` whose bytes were read, as "module:function", by address.
  std::vector<std::string> functions(std::string_view module) const;

 private:
  struct Module {
    std::string name;
    std::uint64_t base = 0;
    std::string bytes;
  };
  struct Sym {
    std::uint64_t address;
    std::string module, name;
    bool text;  // a function (t/T); other symbols only bound the one before them
  };
  const Module* find(std::string_view module) const;
  std::vector<Module> modules_;
  std::vector<Sym> syms_;  // symbols inside a read module's text, by address
};

// "fat:fat_get_cluster" -> {"fat", "fat_get_cluster"}; a name without ':' is vmlinux's ({"",
// name}).
std::pair<std::string_view, std::string_view> split_module_function(std::string_view name);

}  // namespace oopsim::inject
