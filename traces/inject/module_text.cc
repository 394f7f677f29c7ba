#include "traces/inject/module_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "models/parse_number.h"
#include "traces/format/file_text.h"
#include "traces/import/kallsyms.h"

namespace oopsim::inject {

std::pair<std::string_view, std::string_view> split_module_function(std::string_view name) {
  auto colon = name.find(':');
  if (colon == std::string_view::npos) return {{}, name};
  return {name.substr(0, colon), name.substr(colon + 1)};
}

bool ModuleText::load(const std::string& dir, const std::string& kallsyms_text,
                      std::string& error) {
  std::string index_path = dir + "/index.txt", index;
  if (!traces::read_file_text(index_path, index)) {
    error = index_path +
            ": missing (module text is read from a saved state: `traces/vm/vmctl.py modtext "
            "STATE`)";
    return false;
  }
  std::istringstream in(index);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    Module m;
    std::string base;
    std::uint64_t size = 0;
    std::optional<std::uint64_t> addr;
    if (!(words >> m.name >> base >> size) || !(addr = models::parse_u64(base))) {
      error = fmt::format("{}:{}: not 'module base size ...'", index_path, n);
      return false;
    }
    m.base = *addr;
    std::string bin = dir + "/" + m.name + ".bin";
    if (!traces::read_file_text(bin, m.bytes) || m.bytes.size() != size) {
      error = fmt::format("{}: missing, or not the {} bytes {}:{} says", bin, size, index_path, n);
      return false;
    }
    modules_.push_back(std::move(m));
  }
  traces::Kallsyms k;
  k.load(kallsyms_text);
  for (const traces::Kallsyms::Sym& s : k.symbols()) {
    const Module* m = s.module.empty() ? nullptr : find(s.module);
    if (m && s.address >= m->base && s.address < m->base + m->bytes.size())
      syms_.push_back({s.address, s.module, s.name, s.type == 't' || s.type == 'T'});
  }
  std::sort(syms_.begin(), syms_.end(), [](const Sym& x, const Sym& y) {
    return x.address != y.address ? x.address < y.address : x.name < y.name;
  });
  error.clear();
  return true;
}

const ModuleText::Module* ModuleText::find(std::string_view module) const {
  for (const Module& m : modules_)
    if (m.name == module) return &m;
  return nullptr;
}

bool ModuleText::function(std::string_view module, std::string_view name, CodeRegion& out,
                          std::string& error) const {
  const Module* m = find(module);
  auto it = std::find_if(syms_.begin(), syms_.end(), [&](const Sym& s) {
    return s.text && s.module == module && s.name == name;
  });
  if (m == nullptr || it == syms_.end()) {
    error = fmt::format("{}:{} is not a text symbol of a module the state holds", module, name);
    return false;
  }
  auto next = std::find_if(it, syms_.end(), [&](const Sym& s) { return s.address > it->address; });
  std::uint64_t text_end = m->base + m->bytes.size();
  std::uint64_t end = next == syms_.end() ? text_end : std::min(next->address, text_end);
  out.symbol = fmt::format("{}:{}", module, name);
  out.address = it->address;
  out.bytes = m->bytes.substr(it->address - m->base, end - it->address);
  return true;
}

std::string ModuleText::symbol_at(std::uint64_t address) const {
  auto it = std::lower_bound(syms_.begin(), syms_.end(), address,
                             [](const Sym& s, std::uint64_t a) { return s.address < a; });
  for (; it != syms_.end() && it->address == address; ++it)
    if (it->text) return it->module + ":" + it->name;
  return "";
}

std::vector<std::string> ModuleText::functions(std::string_view module) const {
  std::vector<std::string> out;
  for (const Sym& s : syms_)
    if (s.text && s.module == module) out.push_back(s.module + ":" + s.name);
  return out;
}

}  // namespace oopsim::inject
