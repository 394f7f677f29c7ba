// A module's live text as a saved state holds it (STATE/modtext): functions by "module:function",
// bounded by the next symbol or the end of the text read, and the errors for a missing or short
// dump.
#include "traces/inject/module_text.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "traces/inject/kernel_image.h"
#include "traces/inject/mutation.h"

namespace oopsim::inject {
namespace {

namespace fs = std::filesystem;

const char* kKallsyms =
    "ffffffff81000000 T vfs_read\n"
    "ffffffffc0288000 t vfat_hashi\t[vfat]\n"
    "ffffffffc0288010 t vfat_cmpi\t[vfat]\n"
    "ffffffffc0288018 r vfat_table\t[vfat]\n"
    "ffffffffc0288020 T vfat_last\t[vfat]\n"
    "ffffffffc0300000 T vfat_init\t[vfat]\n";  // init text, not read

class ModuleTextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("oopsim_modtext_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::string text(0x30, '\xcc');
    for (int i = 0; i < 0x30; ++i) text[i] = static_cast<char>(i);
    std::ofstream(dir_ / "vfat.bin", std::ios::binary) << text;
    std::ofstream(dir_ / "index.txt") << "# module base size sha256\n"
                                      << "vfat 0xffffffffc0288000 48 ignored\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ModuleTextTest, AFunctionRunsToTheNextSymbolOrTheEndOfTheTextRead) {
  ModuleText m;
  std::string error;
  ASSERT_TRUE(m.load(dir_.string(), kKallsyms, error)) << error;
  CodeRegion r;
  ASSERT_TRUE(m.function("vfat", "vfat_cmpi", r, error)) << error;
  EXPECT_EQ(r.symbol, "vfat:vfat_cmpi");
  EXPECT_EQ(r.address, 0xffffffffc0288010u);
  EXPECT_EQ(r.bytes.size(), 0x8u);  // the rodata symbol at 0x18 ends it
  EXPECT_EQ(r.bytes[0], '\x10');
  ASSERT_TRUE(m.function("vfat", "vfat_last", r, error)) << error;
  EXPECT_EQ(r.bytes.size(), 0x10u);                         // to the end of the 48 bytes read
  EXPECT_FALSE(m.function("vfat", "vfat_init", r, error));  // outside the text read
  EXPECT_NE(error.find("vfat:vfat_init is not a text symbol"), std::string::npos) << error;
  EXPECT_EQ(m.symbol_at(0xffffffffc0288010u), "vfat:vfat_cmpi");
  EXPECT_EQ(m.symbol_at(0xffffffffc0288011u), "");
  EXPECT_EQ(m.functions("vfat"),
            (std::vector<std::string>{"vfat:vfat_hashi", "vfat:vfat_cmpi", "vfat:vfat_last"}));
}

TEST_F(ModuleTextTest, AMissingOrShortDumpIsAnErrorNamingTheFile) {
  ModuleText m;
  std::string error;
  EXPECT_FALSE(m.load((dir_ / "nope").string(), kKallsyms, error));
  EXPECT_NE(error.find("index.txt: missing"), std::string::npos) << error;
  std::ofstream(dir_ / "index.txt") << "vfat 0xffffffffc0288000 4096 x\n";
  EXPECT_FALSE(m.load(dir_.string(), kKallsyms, error));
  EXPECT_NE(error.find("vfat.bin: missing, or not the 4096 bytes"), std::string::npos) << error;
  std::ofstream(dir_ / "index.txt") << "vfat nowhere 48 x\n";
  EXPECT_FALSE(m.load(dir_.string(), kKallsyms, error));
  EXPECT_NE(error.find("index.txt:1: not"), std::string::npos) << error;
}

TEST(SplitModuleFunction, AColonSeparatesTheModuleFromTheFunction) {
  EXPECT_EQ(split_module_function("fat:fat_get_cluster"),
            (std::pair<std::string_view, std::string_view>{"fat", "fat_get_cluster"}));
  EXPECT_EQ(split_module_function("vfs_read"),
            (std::pair<std::string_view, std::string_view>{"", "vfs_read"}));
}

// A module loaded elsewhere (another saved state) runs the same code with other displacements
// in its references out of the module: a rerun's mutation is the trace's when only those moved.
TEST(SameMutation, AModuleSiteMatchesWhenOnlyItsReferencesOutOfTheModuleMoved) {
  const std::uint64_t at_a = 0xffffffffc0288459, at_b = at_a + 0x2f000;
  // call rel32 to a vmlinux function: the displacement is 0x2f000 smaller at the higher address.
  std::string call_a("\xe8\x00\x10\x00\x00", 5), call_b("\xe8\x00\x20\xfd\xff", 5);
  EXPECT_TRUE(same_code_moved(call_a, at_a, call_b, at_b));
  EXPECT_FALSE(same_code_moved(call_a, at_a, call_b, at_a));  // not moved: not the same call
  EXPECT_TRUE(same_code_moved("\x48\x89\xe5", at_a, "\x48\x89\xe5", at_b));
  // movq $imm32, 0x20(%rbx) with the absolute address of the module's own object: it moves with
  // the module (fat_fill_inode+0x1ca, 0xffffffffc039b480 in one state, 0xffffffffc03ca480 in
  // another, the module 0x2f000 higher).
  EXPECT_TRUE(same_code_moved(std::string("\x48\xc7\x43\x20\x80\xb4\x39\xc0", 8), at_a,
                              std::string("\x48\xc7\x43\x20\x80\xa4\x3c\xc0", 8), at_b));
  EXPECT_FALSE(same_code_moved("\x48\x89\xe5", at_a, "\x48\x89\xe6", at_b));
  models::FaultInfo recorded;
  recorded.module = "vfat";
  recorded.symbol = "vfat_lookup";
  recorded.offset = 0x99;
  recorded.address = at_a;
  recorded.before = call_a;
  recorded.after = std::string(5, '\x90');
  Mutation m;
  m.symbol = "vfat:vfat_lookup";
  m.offset = 0x99;
  m.address = at_b;
  m.before = call_b;
  m.after = recorded.after;
  EXPECT_TRUE(same_mutation(recorded, m));
  m.offset = 0x98;
  EXPECT_FALSE(same_mutation(recorded, m));
  recorded.module.clear();  // vmlinux: the very address and bytes
  m.offset = 0x99;
  EXPECT_FALSE(same_mutation(recorded, m));
}

}  // namespace
}  // namespace oopsim::inject
