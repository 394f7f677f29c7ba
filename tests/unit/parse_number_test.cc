#include "models/parse_number.h"

#include <gtest/gtest.h>

namespace oopsim::models {
namespace {

TEST(ParseNumber, TheWholeTextIsTheNumberOrThereIsNone) {
  EXPECT_EQ(parse_u64("250"), 250u);
  EXPECT_EQ(parse_u64("0x1f"), 31u);
  EXPECT_EQ(parse_u64("1f", 16), 31u);
  EXPECT_EQ(parse_u64("0x1f", 16), 31u);
  EXPECT_EQ(parse_u64("012"), 12u);  // decimal: no octal surprise
  EXPECT_EQ(parse_u64("18446744073709551615"), UINT64_MAX);
  for (const char* bad : {"", "zz", "250,", " 250", "-1", "+1", "0x", "18446744073709551616"})
    EXPECT_FALSE(parse_u64(bad)) << bad;
}

TEST(ParseNumber, SignedTakesAMinusAndItsWholeRange) {
  EXPECT_EQ(parse_i64("-11"), -11);
  EXPECT_EQ(parse_i64("-0x10"), -16);
  EXPECT_EQ(parse_i64("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(parse_i64("-9223372036854775808"), INT64_MIN);
  for (const char* bad : {"9223372036854775808", "--1", "-", "1-"})
    EXPECT_FALSE(parse_i64(bad)) << bad;
}

TEST(ParseNumber, SymbolPlusOffset) {
  auto s = parse_symbol_offset("path_openat+0x54");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->symbol, "path_openat");
  EXPECT_EQ(s->offset, 0x54u);
  EXPECT_EQ(parse_symbol_offset("dput")->offset, 0u);
  EXPECT_FALSE(parse_symbol_offset("f+zz"));
  EXPECT_FALSE(parse_symbol_offset("+0x4"));
}

}  // namespace
}  // namespace oopsim::models
