// vmcheck's rerun folders: one per trace and policy, named by the trace's file name; traces of
// the same name from different corpora (the module campaigns each have a PTR-s2) get their
// campaign's name in front, so that one's rerun never replaces another's.
#include <gtest/gtest.h>

#include "sim/vmcheck/live_rerun.h"

namespace oopsim::sim {
namespace {

TEST(RerunKeys, SameFileNamesFromDifferentFoldersGetTheirFolderInFront) {
  std::vector<std::string> keys = rerun_keys({"traces/corpus/traces/PTR-s5.pb.xz",
                                              "traces/corpus/modules/usb/traces/PTR-s5.pb.xz",
                                              "traces/corpus/modules/vfat/traces/PTR-s2.pb.xz",
                                              "traces/corpus/modules/sound/traces/PTR-s5.pb.xz"});
  EXPECT_EQ(keys, (std::vector<std::string>{"PTR-s5.pb.xz", "usb.PTR-s5.pb.xz", "PTR-s2.pb.xz",
                                            "sound.PTR-s5.pb.xz"}));
  keys = rerun_keys({"a/usb/traces/PTR-s5.pb", "a/vfat/traces/PTR-s5.pb"});
  EXPECT_EQ(keys, (std::vector<std::string>{"usb.PTR-s5.pb", "vfat.PTR-s5.pb"}));
}

}  // namespace
}  // namespace oopsim::sim
