// blocked.txt, the QEMU plugin's record of where tasks sleep (traces/import/blocked_tasks.h).
#include "traces/import/blocked_tasks.h"

#include <gtest/gtest.h>

namespace oopsim::traces {
namespace {

const char kSyms[] =
    "ffffffff81283000 T filemap_read\n"
    "ffffffff81284000 T folio_wait_bit_common\n"
    "ffffffff81285000 T filemap_get_pages\n"
    "ffffffff81a52350 T __sched_text_start\n"
    "ffffffff81a52400 T __schedule\n"
    "ffffffff81a53000 T io_schedule\n"
    "ffffffff81a5917a T __sched_text_end\n";

TEST(BlockedTasks, ReadsTheLastWalkAndNamesWhereEachTaskWaitsOutsideTheScheduler) {
  BlockedTasks b;
  TraceError error;
  ASSERT_TRUE(parse_blocked_tasks(
      "# blocked (QEMU plugin)\nW 4294897500 131\n"
      "B 158 oopsim-fsbench D 4294897300 0xffffffff81a52410 0xffffffff81a53010 0xffffffff81284020 "
      "0xffffffff81284040 0xffffffff81285010 0xffffffff81283010\n"
      "B 90 jbd2/vda-8 S 4294897400\n",
      "run/blocked.txt", b, error))
      << error.message();
  ASSERT_TRUE(b.last_walk);
  EXPECT_EQ(*b.last_walk, 4294897500u);
  EXPECT_EQ(b.tasks, 131u);
  ASSERT_EQ(b.blocked.size(), 2u);
  EXPECT_EQ(b.blocked[0].pid, 158);
  EXPECT_EQ(b.blocked[0].since, 4294897300u);
  EXPECT_EQ(b.blocked[1].comm, "jbd2/vda-8");
  EXPECT_EQ(b.blocked[1].state, 'S');
  Kallsyms syms;
  syms.load(kSyms);
  // __schedule and io_schedule are the scheduler's (.sched.text); a repeated function counts once.
  EXPECT_EQ(where_it_waits(b.blocked[0], syms),
            "folio_wait_bit_common <- filemap_get_pages <- filemap_read");
  EXPECT_EQ(where_it_waits(b.blocked[1], syms), "");
}

TEST(BlockedTasks, ABadLineIsAnErrorNamingItsFileAndLine) {
  for (const char* text :
       {"W 1\n", "B x comm D 5\n", "B 1 comm D 5 0xzz\n", "B 1 comm Z 5\n", "\nQ\n"}) {
    BlockedTasks b;
    TraceError error;
    EXPECT_FALSE(parse_blocked_tasks(text, "run/blocked.txt", b, error)) << text;
    EXPECT_EQ(error.file, "run/blocked.txt");
    EXPECT_GE(error.line, 1u) << text;
    EXPECT_EQ(error.what.rfind("blocked tasks: ", 0), 0u) << error.what;
  }
}

}  // namespace
}  // namespace oopsim::traces
