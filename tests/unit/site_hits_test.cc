// site-hits.txt (traces/import/site_hits.h): what vmcheck writes, the importer reads back.
#include "traces/import/site_hits.h"

#include <gtest/gtest.h>

namespace oopsim::traces {
namespace {

TEST(SiteHits, WrittenHitsReadBackTheSame) {
  SiteHits h;
  h.site = 0xffffffff813a4984;
  h.source = "t.pb.xz";
  h.other_boot[158] = {"vfat", "oopsim-fsbench"};
  h.other_boot[9] = {"-", "kworker/u4:0"};
  h.hits.push_back({h.initial + 250, 1, 158, "oopsim-fsbench", 0, std::nullopt, std::nullopt});
  h.hits.push_back({h.initial + 500, 0, 0, "hardirq/0", 0x10000, std::nullopt, std::nullopt});
  SiteHits back;
  TraceError error;
  ASSERT_TRUE(parse_site_hits(format_site_hits(h), "x", back, error)) << error.message();
  EXPECT_EQ(back.hz, 250u);
  EXPECT_EQ(back.initial, initial_jiffies(250));
  EXPECT_EQ(back.other_boot, h.other_boot);
  ASSERT_EQ(back.hits.size(), 2u);
  std::uint64_t us = 0;
  ASSERT_TRUE(back.time_us(back.hits[0], us));
  EXPECT_EQ(us, 1000000u);  // 250 jiffies at HZ=250
  EXPECT_EQ(back.hits[1].irq(), 'h');
  EXPECT_EQ(back.hits[0].irq(), '.');
}

// The plugin's clock=1: each line ends with the guest's trace clock (ns=), which puts the hit on
// the trace's clock exactly, whatever its jiffies say; crash-state.txt has the flags before it.
TEST(SiteHits, AHitsTraceClockGivesItsExactTime) {
  SiteHits h;
  TraceError error;
  ASSERT_TRUE(
      parse_site_hits("# HZ=250, INITIAL_JIFFIES=4294892296\n"
                      "4294896516 1 164 oopsim-tcpstrea 0x1 ns=16804407123\n"
                      "4294896517 0 158 oopsim-fsbench 0x1 0x46 ns=16804999000\n",
                      "run/site-hits.txt", h, error))
      << error.message();
  ASSERT_EQ(h.hits.size(), 2u);
  h.offset_us = 460000;  // the jiffies' lag does not move a timed hit
  std::uint64_t us = 0;
  ASSERT_TRUE(h.time_us(h.hits[0], us));
  EXPECT_EQ(us, 16804407u);
  EXPECT_EQ(h.hits[1].flags, 0x46u);
  EXPECT_EQ(h.hits[1].ns, 16804999000u);
  EXPECT_TRUE(h.all_timed());
  SiteHits back;
  ASSERT_TRUE(parse_site_hits(format_site_hits(h), "x", back, error)) << error.message();
  ASSERT_EQ(back.hits.size(), 2u);
  EXPECT_EQ(back.hits[0].ns, 16804407123u);
  EXPECT_EQ(back.hits[1].flags, 0x46u);
  h.hits.push_back({h.initial, 0, 1, "init", 0, std::nullopt, std::nullopt});
  EXPECT_FALSE(h.all_timed());
  EXPECT_FALSE(parse_site_hits("4294896516 1 164 x 0x1 ns=12a\n", "f", back, error));
  EXPECT_NE(error.what.find("ns="), std::string::npos);
  EXPECT_FALSE(parse_site_hits("4294896516 1 164 x 0x1 ns=1 0x46\n", "f", back, error));
  // An oops entry the plugin could not time says why on a comment line after it.
  SiteHits untimed;
  ASSERT_TRUE(
      parse_site_hits("4294896517 0 158 oopsim-fsbench 0x1 0x46\n"
                      "# (no trace clock on the line above: cyc2ns has no scale)\n",
                      "crash-state.txt", untimed, error))
      << error.message();
  ASSERT_EQ(untimed.hits.size(), 1u);
  EXPECT_FALSE(untimed.all_timed());
}

TEST(SiteHits, ABadLineIsReportedWithItsFileAndLine) {
  SiteHits h;
  TraceError error;
  EXPECT_FALSE(parse_site_hits("# HZ=100\n4294892296 0 1 init 0x0\n12 x 1 init 0\n",
                               "run/site-hits.txt", h, error));
  EXPECT_EQ(error.file, "run/site-hits.txt");
  EXPECT_EQ(error.line, 3u);
  EXPECT_EQ(h.hz, 100u);
  EXPECT_FALSE(parse_site_hits("# HZ=0\n", "f", h, error));
  EXPECT_NE(error.what.find("HZ="), std::string::npos);
}

// The QEMU plugin's files (traces/vm/plugin/oopsim_plugin.c): site-hits.txt with every execution
// (the CPU -1 when gs_base matched no CPU), crash-state.txt with the flags register after the
// preempt count (x86's inverted need-resched bit 31 set).
TEST(SiteHits, ThePluginsFilesRead) {
  SiteHits sites;
  TraceError error;
  ASSERT_TRUE(parse_site_hits(
      "# site 0xffffffff817b8746; jiffies (HZ=250, INITIAL_JIFFIES=4294892296) cpu pid comm "
      "preempt_count; every execution (QEMU plugin)\n"
      "4294896516 1 164 oopsim-tcpstrea 0x80000001\n"
      "4294896517 -1 0 swapper/0 0x80010001\n"
      "4294896518 0 158 oopsim-fsbench 0x80000101\n",
      "run/site-hits.txt", sites, error))
      << error.message();
  EXPECT_EQ(sites.site, 0u);  // the address is for people; the trace's fault says it
  ASSERT_EQ(sites.hits.size(), 3u);
  EXPECT_EQ(sites.hits[0].irq(), '.');
  EXPECT_EQ(sites.hits[1].cpu, -1);
  EXPECT_EQ(sites.hits[1].irq(), 'h');
  EXPECT_EQ(sites.hits[2].irq(), 's');
  EXPECT_FALSE(sites.hits[0].flags);

  SiteHits oops;
  ASSERT_TRUE(
      parse_site_hits("# oops entries: jiffies cpu pid comm preempt_count eflags\n"
                      "4294896520 1 164 oopsim-tcpstrea 0x80000100 0x10046\n",
                      "run/crash-state.txt", oops, error))
      << error.message();
  ASSERT_EQ(oops.hits.size(), 1u);
  EXPECT_EQ(oops.hits[0].preempt_count, 0x80000100u);
  ASSERT_TRUE(oops.hits[0].flags);
  EXPECT_EQ(*oops.hits[0].flags & 0x200, 0u);  // interrupts were off
  EXPECT_FALSE(
      parse_site_hits("4294896520 1 164 x 0x0 flags\n", "run/crash-state.txt", oops, error));
  EXPECT_NE(error.what.find("flags register"), std::string::npos);
}

}  // namespace
}  // namespace oopsim::traces
