// The kernel's text as it is on disk: vmlinux unpacked from Debian's vmlinuz (its xz payload,
// through the xz tool), read as ELF64; functions cut out by their kallsyms bounds. Injection
// checks the live bytes against these before writing (boot-time patching can differ).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "traces/inject/code_region.h"
#include "traces/inject/module_text.h"

namespace oopsim::inject {

class KernelImage {
 public:
  // Unpacks `vmlinuz` into `vmlinux_cache` unless that file exists, then loads it. False with
  // `error` on failure.
  bool open(const std::string& vmlinuz, const std::string& vmlinux_cache, std::string& error);
  // Adds kallsyms text ("addr type name [module]"): gives function bounds.
  void add_symbols(const std::string& kallsyms_text);
  // Adds the live text of the state's modules (module_text.h; `kallsyms_text` as given to
  // add_symbols). False with `error` when the dump is missing or short.
  bool add_module_text(const std::string& dir, const std::string& kallsyms_text,
                       std::string& error);
  // The bytes of a text function (from its address to the next symbol's): a vmlinux function by
  // its name, a module's as "module:function" (after add_module_text). False with `error` when
  // unknown or outside the text.
  bool function(const std::string& name, CodeRegion& out, std::string& error) const;
  // "name" (vmlinux) or "module:name" of the text symbol at `address` (exact), "" if none.
  std::string symbol_at(std::uint64_t address) const;
  const ModuleText& modules() const { return modules_; }
  // The GNU build id of vmlinux (its NT_GNU_BUILD_ID note, hex), "" if it has none.
  const std::string& build_id() const { return build_id_; }

 private:
  std::string elf_;
  std::uint64_t text_addr_ = 0, text_offset_ = 0, text_size_ = 0;
  std::string build_id_;
  struct Sym {
    std::uint64_t address;
    std::string name;
  };
  std::vector<Sym> syms_;  // text symbols of vmlinux, sorted
  ModuleText modules_;
};

}  // namespace oopsim::inject
