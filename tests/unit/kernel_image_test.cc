// The kernel image's identity: the GNU build id note of vmlinux, which traces record and vmcheck
// compares before a rerun. A minimal ELF64 (header, .shstrtab, .text, .notes) is written by hand.
#include "traces/inject/kernel_image.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace oopsim::inject {
namespace {

template <typename T>
void put(std::string& s, std::size_t at, T v) {
  if (s.size() < at + sizeof v) s.resize(at + sizeof v);
  std::memcpy(&s[at], &v, sizeof v);
}

// Section header i at 0x200 + 64 * i: name offset, type, address, file offset, size.
void section(std::string& elf, int i, std::uint32_t name, std::uint32_t type, std::uint64_t addr,
             std::uint64_t offset, std::uint64_t size) {
  std::size_t h = 0x200 + 64 * static_cast<std::size_t>(i);
  put(elf, h, name);
  put(elf, h + 0x04, type);
  put(elf, h + 0x10, addr);
  put(elf, h + 0x18, offset);
  put(elf, h + 0x20, size);
  put<std::uint64_t>(elf, h + 0x38, 0);
}

std::string vmlinux_with_notes(const std::string& notes) {
  std::string elf =
      "\x7f"
      "ELF";
  elf.resize(0x40, '\0');
  put<std::uint64_t>(elf, 0x28, 0x200);  // section headers
  put<std::uint16_t>(elf, 0x3a, 64);
  put<std::uint16_t>(elf, 0x3c, 4);
  put<std::uint16_t>(elf, 0x3e, 1);  // .shstrtab
  const std::string names = std::string("\0.shstrtab\0.text\0.notes\0", 25);
  elf.resize(0x100, '\0');
  elf.replace(0x100, names.size(), names);
  elf.resize(0x140, '\0');
  elf.replace(0x140, 16, std::string(16, '\x90'));  // .text: nops
  elf.resize(0x160, '\0');
  elf.replace(0x160, notes.size(), notes);
  elf.resize(0x200, '\0');
  section(elf, 0, 0, 0, 0, 0, 0);
  section(elf, 1, 1, 3, 0, 0x100, names.size());
  section(elf, 2, 11, 1, 0xffffffff81000000, 0x140, 16);
  section(elf, 3, 17, 7, 0, 0x160, notes.size());
  return elf;
}

std::string note(std::uint32_t type, const std::string& name, const std::string& desc) {
  std::string n;
  put<std::uint32_t>(n, 0, static_cast<std::uint32_t>(name.size()));
  put<std::uint32_t>(n, 4, static_cast<std::uint32_t>(desc.size()));
  put<std::uint32_t>(n, 8, type);
  n += name;
  n.resize((n.size() + 3) & ~std::size_t{3}, '\0');
  n += desc;
  n.resize((n.size() + 3) & ~std::size_t{3}, '\0');
  return n;
}

std::string build_id_of(const std::string& elf) {
  auto path =
      std::filesystem::temp_directory_path() / ("oopsim_vmlinux_" + std::to_string(::getpid()));
  std::ofstream(path, std::ios::binary) << elf;
  KernelImage image;
  std::string error;
  EXPECT_TRUE(image.open("/nonexistent/vmlinuz", path.string(), error)) << error;
  std::filesystem::remove(path);
  return image.build_id();
}

TEST(KernelImage, TheBuildIdIsTheGnuBuildIdNoteInHex) {
  // Another note first (Xen's, type 6): skipped.
  std::string notes = note(6, std::string("Xen\0", 4), "abcd") +
                      note(3, std::string("GNU\0", 4), std::string("\x01\x23\xab\xff", 4));
  EXPECT_EQ(build_id_of(vmlinux_with_notes(notes)), "0123abff");
  EXPECT_EQ(build_id_of(vmlinux_with_notes(note(6, std::string("Xen\0", 4), "abcd"))), "");
}

// vmlinuz as the kernel packages ship it: a boot stub, then vmlinux compressed (xz in 6.1, zstd
// in 6.12). The image is unpacked by the payload's magic into the cache path and read.
TEST(KernelImage, VmlinuzIsUnpackedFromAnXzOrAZstdPayload) {
  std::string elf = vmlinux_with_notes(note(3, std::string("GNU\0", 4), "\x42\x42"));
  auto dir =
      std::filesystem::temp_directory_path() / ("oopsim_vmlinuz_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "vmlinux.raw", std::ios::binary) << elf;
  for (const char* tool : {"xz", "zstd"}) {
    std::string stub(512, 'M');  // the boot stub: no magic of either kind in it
    std::ofstream(dir / "vmlinuz", std::ios::binary) << stub;
    std::string cmd = std::string(tool) + " -c -q " + (dir / "vmlinux.raw").string() + " >> " +
                      (dir / "vmlinuz").string();
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::filesystem::remove(dir / "vmlinux");
    KernelImage image;
    std::string error;
    EXPECT_TRUE(image.open((dir / "vmlinuz").string(), (dir / "vmlinux").string(), error))
        << tool << ": " << error;
    EXPECT_EQ(image.build_id(), "4242") << tool;
  }
  std::ofstream(dir / "vmlinuz", std::ios::binary) << std::string(512, 'M');
  std::filesystem::remove(dir / "vmlinux");
  KernelImage image;
  std::string error;
  EXPECT_FALSE(image.open((dir / "vmlinuz").string(), (dir / "vmlinux").string(), error));
  EXPECT_NE(error.find("no xz or zstd payload"), std::string::npos) << error;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace oopsim::inject
