#include "traces/inject/kernel_image.h"
#include "traces/format/file_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <utility>

#include "traces/import/kallsyms.h"

namespace oopsim::inject {

namespace {

template <typename T>
T read_at(const std::string& s, std::size_t at) {
  T v{};
  if (at + sizeof(T) <= s.size()) std::memcpy(&v, s.data() + at, sizeof(T));
  return v;
}

constexpr std::uint32_t kShtNote = 7;

// The NT_GNU_BUILD_ID (3) note named "GNU" among the notes at [offset, offset + size), hex; "".
std::string gnu_build_id(const std::string& elf, std::uint64_t offset, std::uint64_t size) {
  auto align4 = [](std::uint64_t n) { return (n + 3) & ~std::uint64_t{3}; };
  std::uint64_t end = std::min<std::uint64_t>(offset + size, elf.size());
  for (std::uint64_t at = offset; at + 12 <= end;) {
    auto namesz = read_at<std::uint32_t>(elf, at);
    auto descsz = read_at<std::uint32_t>(elf, at + 4);
    auto type = read_at<std::uint32_t>(elf, at + 8);
    std::uint64_t name = at + 12, desc = name + align4(namesz);
    if (desc + descsz > end) break;
    if (type == 3 && namesz == 4 && elf.compare(name, 4, std::string("GNU\0", 4)) == 0) {
      std::string hex;
      for (std::uint64_t k = 0; k < descsz; ++k)
        hex += fmt::format("{:02x}", static_cast<unsigned char>(elf[desc + k]));
      return hex;
    }
    at = desc + align4(descsz);
  }
  return "";
}

}  // namespace

bool KernelImage::open(const std::string& vmlinuz, const std::string& vmlinux_cache,
                       std::string& error) {
  if (!std::filesystem::exists(vmlinux_cache)) {
    std::string z;
    if (!traces::read_file_text(vmlinuz, z)) {
      error = vmlinuz + ": cannot read";
      return false;
    }
    // The payload: xz (6.1) or zstd (6.12), whichever magic comes first; either tool stops at
    // the payload's end (zstd then complains about what follows, which is fine).
    static constexpr char kXz[] = {'\xfd', '7', 'z', 'X', 'Z', '\0'};
    static constexpr char kZstd[] = {'\x28', '\xb5', '\x2f', '\xfd'};
    const std::pair<std::string_view, const char*> kinds[] = {
        {std::string_view(kXz, sizeof kXz), "xz"}, {std::string_view(kZstd, sizeof kZstd), "zstd"}};
    std::size_t at = std::string::npos;
    const char* tool = nullptr;
    for (const auto& [magic, name] : kinds) {
      std::size_t found = z.find(magic);
      if (found < at) {
        at = found;
        tool = name;
      }
    }
    if (tool == nullptr) {
      error = vmlinuz + ": no xz or zstd payload found";
      return false;
    }
    std::string cmd =
        fmt::format("tail -c +{} '{}' | {} -dcq > '{}.tmp' 2>/dev/null; mv '{}.tmp' '{}'", at + 1,
                    vmlinuz, tool, vmlinux_cache, vmlinux_cache, vmlinux_cache);
    if (std::system(cmd.c_str()) != 0 && !std::filesystem::exists(vmlinux_cache)) {
      error = fmt::format("unpacking {} with {} failed", vmlinuz, tool);
      return false;
    }
  }
  if (!traces::read_file_text(vmlinux_cache, elf_) || elf_.size() < 64 ||
      elf_.compare(0, 4,
                   "\x7f"
                   "ELF") != 0) {
    error = vmlinux_cache + ": not an ELF file (the payload did not unpack to one)";
    if (elf_.size() < 64 || elf_.compare(0, 4,
                                         "\x7f"
                                         "ELF") != 0)
      return false;
  }
  auto shoff = read_at<std::uint64_t>(elf_, 0x28);
  auto shentsize = read_at<std::uint16_t>(elf_, 0x3a);
  auto shnum = read_at<std::uint16_t>(elf_, 0x3c);
  auto shstrndx = read_at<std::uint16_t>(elf_, 0x3e);
  std::uint64_t strtab =
      read_at<std::uint64_t>(elf_, shoff + std::uint64_t(shstrndx) * shentsize + 0x18);
  for (std::uint16_t i = 0; i < shnum; ++i) {
    std::uint64_t h = shoff + std::uint64_t(i) * shentsize;
    auto name = read_at<std::uint32_t>(elf_, h);
    const char* n = elf_.c_str() + strtab + name;
    if (strtab + name < elf_.size() && std::strcmp(n, ".text") == 0) {
      text_addr_ = read_at<std::uint64_t>(elf_, h + 0x10);
      text_offset_ = read_at<std::uint64_t>(elf_, h + 0x18);
      text_size_ = read_at<std::uint64_t>(elf_, h + 0x20);
    }
    if (read_at<std::uint32_t>(elf_, h + 0x04) == kShtNote && build_id_.empty()) {
      build_id_ = gnu_build_id(elf_, read_at<std::uint64_t>(elf_, h + 0x18),
                               read_at<std::uint64_t>(elf_, h + 0x20));
    }
  }
  if (text_size_ == 0) {
    error = vmlinux_cache + ": no .text section";
    return false;
  }
  error.clear();
  return true;
}

void KernelImage::add_symbols(const std::string& kallsyms_text) {
  traces::Kallsyms k;
  k.load(kallsyms_text);
  for (const traces::Kallsyms::Sym& s : k.symbols()) {
    if (!s.module.empty()) continue;  // module symbols are not in vmlinux
    if (s.address < text_addr_ || s.address >= text_addr_ + text_size_) continue;
    syms_.push_back({s.address, s.name});
  }
  std::sort(syms_.begin(), syms_.end(), [](const Sym& x, const Sym& y) {
    return x.address != y.address ? x.address < y.address : x.name < y.name;
  });
}

bool KernelImage::add_module_text(const std::string& dir, const std::string& kallsyms_text,
                                  std::string& error) {
  return modules_.load(dir, kallsyms_text, error);
}

bool KernelImage::function(const std::string& name, CodeRegion& out, std::string& error) const {
  if (auto [module, function] = split_module_function(name); !module.empty()) {
    if (modules_.empty()) {
      error = fmt::format("{}: a module function, and no module text was loaded", name);
      return false;
    }
    return modules_.function(module, function, out, error);
  }
  auto it = std::find_if(syms_.begin(), syms_.end(), [&](const Sym& s) { return s.name == name; });
  if (it == syms_.end()) {
    error = fmt::format("{} is not a vmlinux text symbol", name);
    return false;
  }
  auto next = std::find_if(it, syms_.end(), [&](const Sym& s) { return s.address > it->address; });
  std::uint64_t end = next == syms_.end() ? text_addr_ + text_size_ : next->address;
  std::uint64_t offset = text_offset_ + (it->address - text_addr_);
  if (offset + (end - it->address) > elf_.size()) {
    error = fmt::format("{} lies past the end of the unpacked image", name);
    return false;
  }
  out.symbol = name;
  out.address = it->address;
  out.bytes = elf_.substr(offset, end - it->address);
  return true;
}

std::string KernelImage::symbol_at(std::uint64_t address) const {
  auto it = std::lower_bound(syms_.begin(), syms_.end(), address,
                             [](const Sym& s, std::uint64_t a) { return s.address < a; });
  if (it != syms_.end() && it->address == address) return it->name;
  return modules_.symbol_at(address);
}

}  // namespace oopsim::inject
