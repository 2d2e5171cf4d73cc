#include "render/json_writer.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace sw {
namespace {

TEST(JsonWriter, NestedContainersAndCommas) {
  std::string s;
  JsonWriter w(s);
  w.begin_object();
  w.field("a", uint64_t{1});
  w.key("b");
  w.begin_array();
  w.value(int64_t{-2});
  w.value(true);
  w.null();
  w.end_array();
  w.field("c", "x");
  w.end_object();
  EXPECT_EQ(s, R"({"a":1,"b":[-2,true,null],"c":"x"})");
}

TEST(JsonWriter, EscapesControlCharactersAndQuotes) {
  std::string s;
  JsonWriter w(s);
  w.begin_object();
  w.text("comm", std::string_view("a\"b\\c\x1b[31m\n", 11));
  w.end_object();
  EXPECT_EQ(s, "{\"comm\":\"a\\\"b\\\\c\\u001b[31m\\n\"}");
  auto j = nlohmann::json::parse(s);
  EXPECT_EQ(j["comm"], std::string("a\"b\\c\x1b[31m\n"));
  EXPECT_FALSE(j.contains("comm_b64"));
}

TEST(JsonWriter, InvalidUtf8IsReplacedAndCarriedInBase64) {
  std::string raw = "p\xff\xfeq";
  std::string s;
  JsonWriter w(s);
  w.begin_object();
  w.text("path", raw);
  w.end_object();
  auto j = nlohmann::json::parse(s);  // must still be valid JSON
  EXPECT_EQ(j["path"], "p\xEF\xBF\xBD\xEF\xBF\xBDq");
  EXPECT_EQ(j["path_b64"], base64(raw));
  EXPECT_EQ(base64(raw), "cP/+cQ==");
}

TEST(JsonWriter, ValidMultibyteUtf8PassesThrough) {
  std::string s;
  JsonWriter w(s);
  w.begin_object();
  w.text("p", "caf\xC3\xA9");
  w.end_object();
  EXPECT_EQ(s, "{\"p\":\"caf\xC3\xA9\"}");
}

TEST(Base64, Padding) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
}

}  // namespace
}  // namespace sw
