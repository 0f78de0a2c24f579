#include "base/yaml_reader.h"

#include <catch2/catch.hpp>

namespace cg {
namespace {

struct Fixture {
  Diagnostics diags;
  YamlContext ctx{"t.yaml", &diags};
  YAML::Node Load(const char* text) {
    auto n = LoadYaml(text, ctx);
    REQUIRE(n.has_value());
    return *n;
  }
};

}  // namespace

TEST_CASE("syntax errors carry the parser's position", "[base][yaml]") {
  Fixture f;
  auto n = LoadYaml("a: 1\nb: [1, 2\n", f.ctx);
  CHECK_FALSE(n.has_value());
  REQUIRE(f.diags.size() == 1);
  CHECK(f.diags.items()[0].line >= 2);
  CHECK(f.diags.items()[0].message.starts_with("YAML syntax error"));
}

TEST_CASE("unknown keys are reported at the key with a hint", "[base][yaml]") {
  Fixture f;
  MapReader m(f.Load("name: x\nnmae2: y\ntimeot: 5s\n"), "hook", f.ctx);
  std::string name;
  std::chrono::milliseconds timeout{0};
  m.String("name", &name);
  m.Duration("timeout", &timeout);
  m.Finish();
  REQUIRE(f.diags.size() == 2);
  CHECK(f.diags.items()[0].ToString() == "t.yaml:2:1: hook: unknown key \"nmae2\"");
  CHECK(f.diags.items()[1].ToString() ==
        "t.yaml:3:1: hook: unknown key \"timeot\" (did you mean \"timeout\"?)");
}

TEST_CASE("duplicate keys are errors", "[base][yaml]") {
  Fixture f;
  MapReader m(f.Load("a: 1\nb: 2\na: 3\n"), "x", f.ctx);
  REQUIRE(f.diags.size() == 1);
  CHECK(f.diags.items()[0].ToString() == "t.yaml:3:1: x: duplicate key \"a\"");
}

TEST_CASE("type errors point at the value and keep the default", "[base][yaml]") {
  Fixture f;
  MapReader m(f.Load("count: [1]\nratio: 1.5\nflag: yes\nwindow: 5\n"), "r", f.ctx);
  int64_t count = 7;
  double ratio = 0.5;
  bool flag = false;
  std::chrono::milliseconds window{1000};
  CHECK_FALSE(m.Int("count", &count, 0, 10));
  CHECK_FALSE(m.Double("ratio", &ratio, 0, 1));
  CHECK_FALSE(m.Bool("flag", &flag));
  CHECK_FALSE(m.Duration("window", &window));
  CHECK(count == 7);
  CHECK(ratio == 0.5);
  CHECK(window.count() == 1000);
  REQUIRE(f.diags.size() == 4);
  CHECK(f.diags.items()[0].ToString() ==
        "t.yaml:1:8: r.count: expected an integer, got a sequence");
  CHECK(f.diags.items()[1].ToString() == "t.yaml:2:8: r.ratio: 1.5 is out of range 0..1");
  CHECK(f.diags.items()[2].ToString() == "t.yaml:3:7: r.flag: expected true or false, got \"yes\"");
  CHECK(f.diags.items()[3].ToString() ==
        "t.yaml:4:9: r.window: duration \"5\" needs a unit (ms, s, m, h, d)");
}

TEST_CASE("enums list the allowed values and suggest the closest", "[base][yaml]") {
  Fixture f;
  MapReader m(f.Load("start_at: begining\n"), "logs[0]", f.ctx);
  std::string v = "end";
  CHECK_FALSE(m.Enum("start_at", {"end", "beginning"}, &v));
  CHECK(v == "end");
  REQUIRE(f.diags.size() == 1);
  CHECK(f.diags.items()[0].ToString() ==
        "t.yaml:1:11: logs[0].start_at: \"begining\" is not one of end, beginning (did you mean "
        "\"beginning\"?)");
}

TEST_CASE("string lists accept a scalar and reject nested values", "[base][yaml]") {
  Fixture f;
  MapReader m(f.Load("one: a\nmany: [a, b]\nbad: [a, {x: 1}]\n"), "m", f.ctx);
  std::vector<std::string> one, many, bad = {"keep"};
  CHECK(m.StringList("one", &one));
  CHECK(m.StringList("many", &many));
  CHECK_FALSE(m.StringList("bad", &bad));
  CHECK(one == std::vector<std::string>{"a"});
  CHECK(many == std::vector<std::string>{"a", "b"});
  CHECK(bad == std::vector<std::string>{"keep"});
  REQUIRE(f.diags.size() == 1);
  CHECK(f.diags.items()[0].line == 3);
  CHECK(f.diags.items()[0].column == 10);
}

TEST_CASE("missing required keys are reported at the mapping", "[base][yaml]") {
  Fixture f;
  MapReader m(f.Load("x: 1\n"), "targets[0]", f.ctx);
  std::string name;
  int64_t x = 0;
  CHECK(m.Int("x", &x, 0, 5));
  CHECK_FALSE(m.String("name", &name, /*required=*/true));
  REQUIRE(f.diags.size() == 1);
  CHECK(f.diags.items()[0].ToString() == "t.yaml:1:1: targets[0]: missing required key \"name\"");
}

}  // namespace cg
