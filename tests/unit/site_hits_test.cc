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
  h.hits.push_back({h.initial + 250, 1, 158, "oopsim-fsbench", 0});
  h.hits.push_back({h.initial + 500, 0, 0, "hardirq/0", 0x10000});
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

}  // namespace
}  // namespace oopsim::traces
