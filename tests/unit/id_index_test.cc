#include "traces/format/id_index.h"

#include <gtest/gtest.h>

namespace oopsim::traces {
namespace {

TEST(IdIndex, FindsSmallAndHugeIdsAndRefusesDuplicates) {
  IdIndex ix;
  EXPECT_TRUE(ix.insert(3, 0));
  EXPECT_TRUE(ix.insert(4000000000u, 1));  // beyond the dense range
  EXPECT_FALSE(ix.insert(3, 7));
  EXPECT_FALSE(ix.insert(4000000000u, 7));
  EXPECT_EQ(ix.find(3), 0u);
  EXPECT_EQ(ix.at(4000000000u), 1u);
  EXPECT_EQ(ix.find(2), IdIndex::kNone);
  EXPECT_EQ(ix.find(999), IdIndex::kNone);
  EXPECT_EQ(ix.find(4000000001u), IdIndex::kNone);
  EXPECT_THROW(ix.at(5), std::out_of_range);
}

}  // namespace
}  // namespace oopsim::traces
