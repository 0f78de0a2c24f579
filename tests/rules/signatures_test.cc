// Signature mining (rules/signatures): masks, message extraction, grouping, ids and lineage,
// bounds, and hostile input.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "base/utf8.h"
#include "rules/signatures/hash.h"
#include "rules/signatures/mask.h"
#include "rules/signatures/message.h"
#include "rules/signatures/mine_file.h"
#include "rules/signatures/miner.h"

namespace cg {
namespace {

std::unique_ptr<SignatureMiner> NewMiner(SignatureMinerOptions options = {}) {
  auto m = SignatureMiner::Create(options);
  REQUIRE(m.ok());
  return std::move(m.value());
}

const SignatureKey kKey{.log = "wso2carbon", .level = Level::kWarn, .logger = "org.x.Y"};

// Mines `messages` in order; returns the final (resolved) signature id of each.
std::vector<uint64_t> MineAll(SignatureMiner& m, const std::vector<std::string>& messages,
                              const SignatureKey& key = kKey) {
  std::vector<uint64_t> ids;
  for (const std::string& msg : messages) ids.push_back(m.Add(key, msg, WallTime{}).id);
  for (uint64_t& id : ids) id = m.Resolve(key.log, id).value_or(0);
  return ids;
}

std::string TemplateOf(const SignatureMiner& m, uint64_t id, std::string_view log = "wso2carbon") {
  auto s = m.Find(log, id);
  REQUIRE(s.has_value());
  return s->template_text;
}

// A WSO2 4.2 ERROR record as the assembler hands it on (from /work/shared/wso2-sample-lines.txt:
// exception on the first line, frames, two causes, a multi-line cause message, "... N more").
constexpr std::string_view kTenantConfRecord =
    "TID: [] [] [2024-11-16 02:13:19,474] ERROR "
    "{org.wso2.carbon.apimgt.impl.internal.APIManagerComponent} - Error while initializing the "
    "API manager component org.wso2.carbon.apimgt.api.APIManagementException: Error while "
    "saving tenant conf to the registry of tenant carbon.super\n"
    "\tat org.wso2.carbon.apimgt.impl.utils.APIUtil.loadAndSyncTenantConf_aroundBody214("
    "APIUtil.java:3912)\n"
    "\tat org.wso2.carbon.apimgt.impl.utils.APIUtil.loadAndSyncTenantConf(APIUtil.java:1)\n"
    "Caused by: org.wso2.carbon.apimgt.api.APIMgtDAOException: Failed to retrieve TENANT "
    "Configuration for org: carbon.super\n"
    "\tat org.wso2.carbon.apimgt.impl.dao.SystemConfigurationsDAO.getSystemConfig("
    "SystemConfigurationsDAO.java:112)\n"
    "\t... 61 more\n"
    "Caused by: org.postgresql.util.PSQLException: ERROR: relation \"am_system_configs\" does "
    "not exist\n"
    "  Position: 39\n"
    "\tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse("
    "QueryExecutorImpl.java:2676)\n"
    "\t... 62 more";

// The JDBC record whose exception message continues on a second paragraph.
constexpr std::string_view kCommunicationsRecord =
    "TID: [] [] [2024-11-16 02:44:30,118] ERROR {org.wso2.carbon.apimgt.impl.dao.ApiMgtDAO} - "
    "Error while retrieving subscriptions for tenant carbon.super "
    "com.mysql.cj.jdbc.exceptions.CommunicationsException: Communications link failure\n"
    "\n"
    "The last packet successfully received from the server was 95,113 milliseconds ago. The "
    "last packet sent successfully to the server was 95,114 milliseconds ago.\n"
    "\tat com.mysql.cj.jdbc.exceptions.SQLError.createCommunicationsException("
    "SQLError.java:174)\n"
    "Caused by: java.net.SocketTimeoutException: Read timed out\n"
    "\tat java.base/java.net.SocketInputStream.socketRead0(Native Method)\n"
    "\t... 41 more";

Record CarbonRecord(std::string_view text, Level level, std::string logger) {
  Record r;
  r.log = "wso2carbon";
  r.text = std::string(text);
  r.level = level;
  r.logger = std::move(logger);
  r.message_start = static_cast<uint32_t>(r.text.find("} - ") + 4);
  r.recognised = true;
  return r;
}

TEST_CASE("masking replaces each kind of variable with its typed placeholder",
          "[rules][signatures]") {
  auto [input, masked] = GENERATE(table<std::string, std::string>({
      {"retry 42 times", "retry <NUM> times"},
      {"balance -1234.56 now", "balance <NUM> now"},
      {"version 4.2.0 installed", "version <NUM> installed"},
      {"95,113 milliseconds ago", "<DUR> ago"},
      {"flags=0x1f set", "flags=<HEX> set"},
      {"commit 9f4ef63a merged", "commit <HEX> merged"},
      {"trace 113d3a99c3da401fbd62cc2caa5b96d2", "trace <HEX>"},
      {"CORRELATION_ID = 5c0e7b52-1f0a-4a51-9b7e-2d8c6e3f9a10", "CORRELATION_ID = <UUID>"},
      {"req-38101a0b-2096-447d-96ea-a692162415ae done", "req-<UUID> done"},
      {"from 10.20.30.40 denied", "from <IP> denied"},
      {"TARGET = 10.20.31.12:8443,", "TARGET = <IP>:<NUM>,"},
      {"peer fe80::1ff:fe23:4567:890a gone", "peer <IP> gone"},
      {"for : orders-backend.example.internal:8080", "for : <HOST>:<NUM>"},
      {"resolving www.google.com failed", "resolving <HOST> failed"},
      {"class org.apache.synapse.Foo loaded", "class org.apache.synapse.Foo loaded"},
      {"address http://orders-backend.example.internal:8080/orders will", "address <URL> will"},
      {"URL Endpoint/Endpoints [tcp://apim-tm-01.example.internal:9611], will",
       "URL Endpoint/Endpoints [<URL>], will"},
      {"Repository : /opt/wso2/wso2am-4.2.0/repository/deployment/server/", "Repository : <PATH>"},
      {"RESOURCE = /inventory/1.0.0/stock, HEALTH", "RESOURCE = <API>, HEALTH"},
      {"context /pizzashack/1.0.0 deployed", "context <API> deployed"},
      {"core C:\\Windows\\winsxs\\cbscore.dll loaded", "core <PATH> loaded"},
      {"suspend duration is : 30000ms -", "suspend duration is : <DUR> -"},
      {"took 1.5s to start", "took <DUR> to start"},
      {"in 60 seconds, none", "in <DUR>, none"},
      {"heap 512MB free", "heap <SIZE> free"},
      {"sent 403 bytes (1.16 KB) ok", "sent <SIZE> (<SIZE>) ok"},
      {"Executing default 'fault' sequence", "Executing default <QUOTED> sequence"},
      {"relation \"am_system_configs\" does not exist", "relation <QUOTED> does not exist"},
      {"tag=\"View Lock\", name=x", "tag=<QUOTED>, name=x"},
      {"don't stop", "don't stop"},
      {"user admin@carbon.super logged in", "user <USER> logged in"},
      {"tenant [-1234] ready", "tenant [<TENANT>] ready"},
      {"at Sat Nov 16 02:21:11 UTC 2024", "at <DATE> <DATE> <NUM> <NUM>:<NUM>:<NUM> UTC <NUM>"},
      {"May I help", "May I help"},
      {"[https-jsse-nio-9443-exec-47] Timeout", "[https-jsse-nio-<NUM>-exec-<NUM>] Timeout"},
      {"worker dn228 up", "worker <ID> up"},
      {"link en0 up", "link en0 up"},
      {"block blk_-6952295868487656571 done", "block blk_<NUM> done"},
      {"  spaced\tand\r\nwrapped  ", "spaced and wrapped"},
  }));
  CAPTURE(input);
  CHECK(MaskedText(input) == masked);
}

TEST_CASE("token flags tell words from variables and find key=value keys", "[rules][signatures]") {
  MaskedMessage m;
  MaskMessage("name=android uid=1000 <ok> blk_123 42", MaskOptions{}, &m);
  REQUIRE(m.tokens.size() == 5);
  CHECK(m.tokens[0].key == Fnv1a64("name="));
  CHECK_FALSE(m.tokens[0].variable);
  CHECK(m.tokens[1].key == Fnv1a64("uid="));
  CHECK(m.tokens[1].masked);
  CHECK(m.tokens[3].masked);
  CHECK_FALSE(m.tokens[3].variable);
  CHECK(m.tokens[4].variable);
  CHECK(m.tokens[4].key == 0);
  // Placeholders of two types have one shape.
  MaskedMessage a, b;
  MaskMessage("iar 00106570", MaskOptions{}, &a);
  MaskMessage("iar 0245a1c8", MaskOptions{}, &b);
  CHECK(a.Token(1) == "<NUM>");
  CHECK(b.Token(1) == "<HEX>");
  CHECK(a.tokens[1].shape == b.tokens[1].shape);
  CHECK(a.tokens[1].hash != b.tokens[1].hash);
}

TEST_CASE("two messages with the same mask key mask identically", "[rules][signatures]") {
  // The memo in front of masking trusts MaskKey: check it against the masks on messages that
  // differ only in their digits, including the cases where digits decide a mask.
  std::mt19937 rng(7);
  const std::vector<std::string> shapes = {
      "connect to #.#.#.# port # failed",
      "user# logged in from host-#.example.com:#",
      "took # ms, # bytes (#.# KB) id=# eth# blk_-#",
      "[#-#-#] #:#:#,# x#y 0x#f ver #.#.# #,### ok",
  };
  // Two messages of one shape whose digit runs have the same lengths and other values.
  auto fill_pair = [&](const std::string& shape, std::string* a, std::string* b) {
    a->clear();
    b->clear();
    for (char c : shape) {
      if (c != '#') {
        a->push_back(c);
        b->push_back(c);
        continue;
      }
      const int digits = 1 + static_cast<int>(rng() % 4);
      for (int i = 0; i < digits; ++i) {
        a->push_back(static_cast<char>('0' + rng() % 10));
        b->push_back(static_cast<char>('0' + rng() % 10));
      }
    }
  };
  std::string a, b, ka, kb;
  int equal_keys = 0;
  for (int round = 0; round < 4000; ++round) {
    fill_pair(shapes[static_cast<size_t>(round) % shapes.size()], &a, &b);
    MaskKey(a, &ka);
    MaskKey(b, &kb);
    if (ka != kb) continue;
    ++equal_keys;
    CAPTURE(a, b);
    REQUIRE(MaskedText(a) == MaskedText(b));
  }
  CHECK(equal_keys > 100);
  // An octet above 255 is no address: the key tells them apart.
  MaskKey("from 10.0.0.255 x", &ka);
  MaskKey("from 10.0.0.256 x", &kb);
  CHECK(ka != kb);
  // A single digit stays (it can stay in the masked text).
  MaskKey("link en0", &ka);
  MaskKey("link en1", &kb);
  CHECK(ka != kb);
}

TEST_CASE("messages of one statement share a signature and other statements do not",
          "[rules][signatures]") {
  auto m = NewMiner();
  const std::vector<uint64_t> ids = MineAll(
      *m,
      {
          "Connection refused or failed for : orders.example.internal/10.20.30.40:8080",
          "Connection refused or failed for : billing.example.internal/10.20.31.12:8443",
          "Failed retrieving throttling data from remote endpoint. Retrying after 15 seconds...",
          "Failed retrieving throttling data from remote endpoint. Retrying after 4 seconds...",
          "Invalid user webmaster from 173.234.31.186",
          "Invalid user test9 from 52.80.34.196",
          "Invalid user oracle from 103.99.0.122",
          "session opened for user root by (uid=0)",
          "session closed for user root",
      });
  CHECK(ids[0] == ids[1]);
  CHECK(ids[2] == ids[3]);
  CHECK(ids[4] == ids[5]);
  CHECK(ids[5] == ids[6]);
  CHECK(std::set<uint64_t>{ids[0], ids[2], ids[4], ids[7], ids[8]}.size() == 5);
  CHECK(TemplateOf(*m, ids[4]) == "Invalid user <*> from <IP>");
  CHECK(TemplateOf(*m, ids[2]) ==
        "Failed retrieving throttling data from remote endpoint. Retrying after <DUR>...");
  CHECK(m->stats().signatures == 5);
}

TEST_CASE("statements that differ in a leading word stay apart", "[rules][signatures]") {
  auto m = NewMiner();
  const std::vector<uint64_t> ids = MineAll(
      *m, {
              "10.11.10.1 \"GET /v2/servers/detail HTTP/1.1\" status: 200 len: 1893 time: 0.26",
              "10.11.10.1 \"POST /v2/servers/detail HTTP/1.1\" status: 202 len: 733 time: 0.51",
              "10.11.10.2 \"GET /v2/flavors/detail HTTP/1.1\" status: 200 len: 1583 time: 0.19",
          });
  CHECK(ids[0] == ids[2]);
  CHECK(ids[0] != ids[1]);
}

TEST_CASE("a varying compound name in front does not split a statement", "[rules][signatures]") {
  auto m = NewMiner();
  const std::vector<uint64_t> ids = MineAll(
      *m,
      {
          "com.apple.CacheDelete.daily: scheduler_evaluate_activity told me to run this job; "
          "however, but the start time isn't for 439034 seconds.  Ignoring.",
          "com.apple.Safari.SafeBrowsing.Update: scheduler_evaluate_activity told me to run this "
          "job; however, but the start time isn't for 2450 seconds.  Ignoring.",
      });
  CHECK(ids[0] == ids[1]);
}

TEST_CASE("a key=value routing token that generalised takes other values of its key",
          "[rules][signatures]") {
  auto m = NewMiner();
  const std::vector<uint64_t> ids =
      MineAll(*m, {
                      "getRecentTasks: topActivity=ComponentInfo{com.tencent.mobileqq/com.tencent."
                      "mobileqq.activity.SplashActivity}",
                      "getRecentTasks: topActivity=ComponentInfo{com.android.systemui/com.android."
                      "systemui.recents.RecentsActivity}",
                      // The template holds "topActivity=<*>" now: a third value joins it too.
                      "getRecentTasks: topActivity=ComponentInfo{com.example.android.notepad/com."
                      "example.android.notepad.NoteEditor}",
                      "getRecentTasks: baseActivity=ComponentInfo{com.example.android.notepad/com."
                      "example.android.notepad.NoteEditor}",
                  });
  CHECK(ids[0] == ids[1]);
  CHECK(ids[0] == ids[2]);
  CHECK(ids[3] != ids[0]);  // Another key.
  CHECK(TemplateOf(*m, ids[0]) == "getRecentTasks: topActivity=<*>");
}

TEST_CASE("the same words with more variable tokens join one flexible signature",
          "[rules][signatures]") {
  auto m = NewMiner();
  const std::vector<uint64_t> ids = MineAll(
      *m,
      {
          "proxy.cse.cuhk.edu.hk:5070 close, 451 bytes sent, 353 bytes received, lifetime 00:02",
          "proxy.cse.cuhk.edu.hk:5070 close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) "
          "received, lifetime <1 sec",
          "www.google.com:443 close, 403 bytes (403 bytes) sent, 426 bytes received, lifetime "
          "00:07",
          "proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS",
      });
  CHECK(ids[0] == ids[1]);
  CHECK(ids[0] == ids[2]);
  CHECK(ids[0] != ids[3]);
  CHECK(TemplateOf(*m, ids[0]) == "<HOST>:<NUM> close, <*> sent, <*> received, lifetime <*>");
  // Messages without a word at all are one statement whatever their length.
  const std::vector<uint64_t> numbers = MineAll(*m, {"12345", "12 34 56", "0x1f 7"});
  CHECK(numbers[0] == numbers[1]);
  CHECK(numbers[0] == numbers[2]);
  CHECK(TemplateOf(*m, numbers[0]) == "<*>");
}

TEST_CASE("a word constant over constant_after messages keeps a new word apart",
          "[rules][signatures]") {
  SignatureMinerOptions o;
  o.constant_after = 10;
  auto m = NewMiner(o);
  std::vector<std::string> msgs(10,
                                "Session: 30546173_4261722401 initialized by client "
                                "WindowsUpdateAgent.");
  msgs.push_back("Session: 30546174_4261722402 initialized by client SPP.");
  const std::vector<uint64_t> settled = MineAll(*m, msgs);
  CHECK(settled[0] == settled[9]);
  CHECK(settled[10] != settled[0]);
  // Before it settles, the same difference is a variable.
  auto fresh = NewMiner(o);
  const std::vector<uint64_t> early = MineAll(*fresh, {msgs[0], msgs[10]});
  CHECK(early[0] == early[1]);
  CHECK(TemplateOf(*fresh, early[0]) == "Session: <NUM>_<NUM> initialized by client <*>");
}

TEST_CASE("keys keep signatures apart by level and logger", "[rules][signatures]") {
  auto m = NewMiner();
  const std::string msg = "Connection refused";
  const SignatureKey warn{.log = "carbon", .level = Level::kWarn, .logger = "a.B"};
  const SignatureKey error{.log = "carbon", .level = Level::kError, .logger = "a.B"};
  const SignatureKey other{.log = "carbon", .level = Level::kWarn, .logger = "c.D"};
  const SignatureKey other_log{.log = "errors", .level = Level::kWarn, .logger = "a.B"};
  const uint64_t a = m->Add(warn, msg, WallTime{}).id;
  const uint64_t b = m->Add(error, msg, WallTime{}).id;
  const uint64_t c = m->Add(other, msg, WallTime{}).id;
  const uint64_t d = m->Add(other_log, msg, WallTime{}).id;
  CHECK(std::set<uint64_t>{a, b, c}.size() == 3);
  CHECK(d == a);  // The log is not part of the id: the same statement in another file.
  CHECK(m->stats().signatures == 4);
  CHECK(a == SignatureId(Level::kWarn, "a.B", "Connection refused"));
  CHECK(HexId(a).size() == 16);
  uint64_t parsed = 0;
  CHECK(ParseHexId(HexId(a), &parsed));
  CHECK(parsed == a);
}

TEST_CASE("a signature id is the same in two miners and does not depend on input order",
          "[rules][signatures]") {
  std::vector<std::string> msgs = {
      "Failed password for invalid user admin from 5.188.10.180 port 48958 ssh2",
      "Failed password for invalid user support from 103.99.0.122 port 5442 ssh2",
      "Failed password for invalid user test from 187.141.143.180 port 40626 ssh2",
      "Failed password for invalid user 0 from 112.95.230.3 port 51744 ssh2",
  };
  auto a = NewMiner();
  const uint64_t forward = MineAll(*a, msgs).back();
  std::reverse(msgs.begin(), msgs.end());
  auto b = NewMiner();
  const std::vector<uint64_t> backward = MineAll(*b, msgs);
  CHECK(std::set<uint64_t>(backward.begin(), backward.end()).size() == 1);
  CHECK(backward.front() == forward);
  CHECK(TemplateOf(*a, forward) ==
        "Failed password for invalid user <*> from <IP> port <NUM> ssh2");
  CHECK(forward == SignatureId(kKey.level, kKey.logger,
                               "Failed password for invalid user <*> from <IP> port <NUM> ssh2"));
  // A third miner that only ever saw one message has the specific template's id.
  auto c = NewMiner();
  const uint64_t single = c->Add(kKey, msgs[0], WallTime{}).id;
  CHECK(single != forward);
  CHECK(TemplateOf(*c, single) ==
        "Failed password for invalid user <NUM> from <IP> port <NUM> ssh2");
}

TEST_CASE("generalising a template records the ids it replaced", "[rules][signatures]") {
  auto m = NewMiner();
  const MineResult first =
      m->Add(kKey, "API authentication failure due to Invalid Credentials", WallTime{});
  CHECK(first.created);
  const MineResult second =
      m->Add(kKey, "API authentication failure due to Expired Credentials", WallTime{});
  CHECK(second.generalised);
  CHECK_FALSE(second.created);
  CHECK(second.id != first.id);
  const auto sig = m->Find(kKey.log, second.id);
  REQUIRE(sig.has_value());
  CHECK(sig->template_text == "API authentication failure due to <*> Credentials");
  CHECK(sig->parents == std::vector<uint64_t>{first.id});
  CHECK(sig->count == 2);
  // The former id still leads to the signature.
  CHECK(m->Resolve(kKey.log, first.id) == second.id);
  CHECK(m->Find(kKey.log, first.id)->id == second.id);
  CHECK(m->stats().generalised == 1);
}

TEST_CASE("a signature keeps its counts times and a capped example", "[rules][signatures]") {
  SignatureMinerOptions o;
  o.max_example_bytes = 16;
  auto m = NewMiner(o);
  const WallTime t0 = WallTime{} + std::chrono::hours(1000);
  m->Add(kKey, "Reconnection attempt : 1 for Siddhi-JMS-Consumer", t0 + std::chrono::seconds(5));
  const uint64_t id = m->Add(kKey, "Reconnection attempt : 2 for Siddhi-JMS-Consumer", t0).id;
  const auto sig = m->Find(kKey.log, id);
  REQUIRE(sig.has_value());
  CHECK(sig->count == 2);
  CHECK(sig->first_seen == t0);
  CHECK(sig->last_seen == t0 + std::chrono::seconds(5));
  CHECK(sig->example == "Reconnection att");
  CHECK(sig->level == Level::kWarn);
  CHECK(sig->logger == "org.x.Y");
  CHECK(sig->log == "wso2carbon");
  CHECK(sig->template_text == "Reconnection attempt : <NUM> for Siddhi-JMS-Consumer");
}

TEST_CASE("the per-log cap evicts the least recently seen rare signature and counts it",
          "[rules][signatures]") {
  SignatureMinerOptions o;
  o.max_signatures_per_log = 3;
  auto m = NewMiner(o);
  const SignatureKey other{.log = "other", .level = Level::kWarn, .logger = "org.x.Y"};
  const uint64_t steady = m->Add(kKey, "alpha beta gamma", WallTime{}).id;
  m->Add(kKey, "alpha beta gamma", WallTime{});
  const uint64_t rare = m->Add(kKey, "delta epsilon zeta", WallTime{}).id;
  const uint64_t recent = m->Add(kKey, "eta theta iota", WallTime{}).id;
  const uint64_t elsewhere = m->Add(other, "kappa lambda mu", WallTime{}).id;
  // Touch the steady one so that "rare" is the least recently seen.
  m->Add(kKey, "alpha beta gamma", WallTime{});
  const uint64_t newest = m->Add(kKey, "nu xi omicron", WallTime{}).id;
  CHECK(m->stats().evicted == 1);
  CHECK(m->stats().signatures == 4);
  CHECK_FALSE(m->Find(kKey.log, rare).has_value());
  CHECK(m->Find(kKey.log, steady).has_value());
  CHECK(m->Find(kKey.log, recent).has_value());
  CHECK(m->Find(kKey.log, newest).has_value());
  CHECK(m->Find("other", elsewhere).has_value());  // The cap is per log.
  // Among the least recently seen, the one with the fewest messages goes first.
  m->Add(kKey, "pi rho sigma", WallTime{});
  CHECK(m->stats().evicted == 2);
  CHECK(m->Find(kKey.log, steady).has_value());
  CHECK_FALSE(m->Find(kKey.log, recent).has_value());
  // An evicted statement that comes back starts again, with its old id.
  CHECK(m->Add(kKey, "delta epsilon zeta", WallTime{}).id == rare);
}

TEST_CASE("a WSO2 record's message leaves out frames and keeps the first cause's class",
          "[rules][signatures]") {
  const Record rec = CarbonRecord(kTenantConfRecord, Level::kError,
                                  "org.wso2.carbon.apimgt.impl.internal.APIManagerComponent");
  std::string msg;
  ExtractMessage(rec, &msg);
  CHECK(msg ==
        "Error while initializing the API manager component "
        "org.wso2.carbon.apimgt.api.APIManagementException: Error while saving tenant conf to "
        "the registry of tenant carbon.super Caused by: "
        "org.wso2.carbon.apimgt.api.APIMgtDAOException");
  // The continuation of a multi-line message stays, blank lines and frames do not.
  const Record jdbc = CarbonRecord(kCommunicationsRecord, Level::kError,
                                   "org.wso2.carbon.apimgt.impl.dao.ApiMgtDAO");
  ExtractMessage(jdbc, &msg);
  CHECK(msg ==
        "Error while retrieving subscriptions for tenant carbon.super "
        "com.mysql.cj.jdbc.exceptions.CommunicationsException: Communications link failure\n"
        "The last packet successfully received from the server was 95,113 milliseconds ago. The "
        "last packet sent successfully to the server was 95,114 milliseconds ago. Caused by: "
        "java.net.SocketTimeoutException");
  CHECK(IsStackFrameLine("\tat a.B.c(B.java:1)"));
  CHECK(IsStackFrameLine("\t... 61 more"));
  CHECK_FALSE(IsStackFrameLine("at the start"));
  CHECK_FALSE(IsStackFrameLine("  Position: 39"));

  // Mined: the same failure with other numbers and another stack is the same signature; another
  // cause is another signature.
  auto m = NewMiner();
  const MineResult a = m->AddRecord(jdbc);
  std::string again(kCommunicationsRecord);
  again.replace(again.find("95,113"), 6, "12,345");
  again.replace(again.find("SQLError.java:174"), 17, "SQLError.java:999");
  const MineResult b = m->AddRecord(CarbonRecord(again, Level::kError, jdbc.logger));
  std::string other_cause(kCommunicationsRecord);
  other_cause.replace(other_cause.find("java.net.SocketTimeoutException"), 31,
                      "java.net.ConnectException: Connection refused");
  const MineResult c = m->AddRecord(CarbonRecord(other_cause, Level::kError, jdbc.logger));
  CHECK(m->Resolve("wso2carbon", a.id) == b.id);
  CHECK(c.id != b.id);
  const auto sig = m->Find("wso2carbon", b.id);
  REQUIRE(sig.has_value());
  CHECK(sig->template_text ==
        "Error while retrieving subscriptions for tenant carbon.super "
        "com.mysql.cj.jdbc.exceptions.CommunicationsException: Communications link failure The "
        "last packet successfully received from the server was <DUR> ago. The last packet sent "
        "successfully to the server was <DUR> ago. Caused by: java.net.SocketTimeoutException");
  CHECK(sig->level == Level::kError);
  CHECK(sig->logger == "org.wso2.carbon.apimgt.impl.dao.ApiMgtDAO");
}

TEST_CASE("WSO2 sample lines mine into the expected templates", "[rules][signatures]") {
  auto m = NewMiner();
  const SignatureKey key{.log = "wso2carbon",
                         .level = Level::kWarn,
                         .logger = "org.apache.synapse.endpoints.EndpointContext"};
  const uint64_t a = m->Add(key,
                            "Suspending endpoint : admin--OrdersAPI_APIproductionEndpoint with "
                            "address http://orders-backend.example.internal:8080/orders - current "
                            "suspend duration is : 30000ms - Next retry after : Sat Nov 16 "
                            "02:21:11 UTC 2024",
                            WallTime{})
                         .id;
  CHECK(TemplateOf(*m, a) ==
        "Suspending endpoint : admin--OrdersAPI_APIproductionEndpoint with address <URL> - "
        "current suspend duration is : <DUR> - Next retry after : <DATE> <DATE> <NUM> "
        "<NUM>:<NUM>:<NUM> UTC <NUM>");
  const uint64_t b = m->Add(key,
                            "Suspending endpoint : admin--BillingAPI_APIproductionEndpoint with "
                            "address https://billing.example.internal:8443/billing/v2 - current "
                            "suspend duration is : 60000ms - Next retry after : Sat Nov 16 "
                            "02:25:41 UTC 2024",
                            WallTime{})
                         .id;
  CHECK(m->Resolve(key.log, a) == b);
  CHECK(TemplateOf(*m, b) ==
        "Suspending endpoint : <*> with address <URL> - current suspend duration is : <DUR> - "
        "Next retry after : <DATE> <DATE> <NUM> <NUM>:<NUM>:<NUM> UTC <NUM>");
}

TEST_CASE("hostile messages are mined in bounded time and memory", "[rules][signatures]") {
  auto m = NewMiner();
  const SignatureMinerOptions& o = m->options();
  const auto t0 = std::chrono::steady_clock::now();
  SECTION("a 1 MiB message without a space") {
    const std::string huge(1 << 20, 'x');
    const MineResult r = m->Add(kKey, huge, WallTime{});
    const auto sig = m->Find(kKey.log, r.id);
    REQUIRE(sig.has_value());
    CHECK(sig->template_text == "<LONG>");
    CHECK(sig->example.size() <= o.max_example_bytes);
    CHECK(m->stats().truncated == 1);
  }
  SECTION("a 1 MiB message of words") {
    std::string huge;
    while (huge.size() < (1 << 20)) huge += "word" + std::to_string(huge.size() % 7) + " ";
    const MineResult r = m->Add(kKey, huge, WallTime{});
    const auto sig = m->Find(kKey.log, r.id);
    REQUIRE(sig.has_value());
    CHECK(sig->template_text.size() <= o.mask.max_bytes * 2);
  }
  SECTION("100,000 tokens") {
    std::string many;
    for (int i = 0; i < 100000; ++i) many += "a ";
    MaskOptions wide;
    wide.max_bytes = many.size();
    MaskedMessage masked;
    MaskMessage(many, wide, &masked);
    CHECK(masked.tokens.size() == wide.max_tokens);
    CHECK(masked.Token(masked.tokens.size() - 1) == "<...>");
    CHECK(masked.truncated);
    const MineResult r = m->Add(kKey, many, WallTime{});
    CHECK(m->Find(kKey.log, r.id).has_value());
  }
  SECTION("invalid UTF-8 and NUL bytes") {
    constexpr char kBad[] = "bad \xff\xfe bytes\0with NUL \xc3\x28 tail";
    const std::string bad(kBad, sizeof kBad - 1);
    const MineResult r = m->Add(kKey, bad, WallTime{});
    const auto sig = m->Find(kKey.log, r.id);
    REQUIRE(sig.has_value());
    CHECK(IsValidUtf8(sig->template_text));
    CHECK(IsValidUtf8(sig->example));
    CHECK(sig->template_text.find('\0') == std::string::npos);
    // NUL is whitespace to the masks: the same statement with a space there.
    const std::string spaced = "bad \xff\xfe bytes with NUL \xc3\x28 tail";
    CHECK(m->Add(kKey, spaced, WallTime{}).id == r.id);
  }
  SECTION("a record of a million blank lines") {
    Record r;
    r.log = "wso2carbon";
    r.level = Level::kError;
    r.text = "TID: [] [] [2024-11-16 02:13:19,474] ERROR {a.B} - boom";
    r.message_start = static_cast<uint32_t>(r.text.find("} - ") + 4);
    r.text.append(1000000, '\n');
    r.text += "Caused by: x.Y: late";
    std::string msg;
    ExtractMessage(r, &msg);
    CHECK(msg == "boom");  // The cause is past the bound: not looked for.
    CHECK(m->AddRecord(r).created);
  }
  SECTION("a million distinct short messages stay under the cap") {
    SignatureMinerOptions small;
    small.max_signatures_per_log = 100;
    auto capped = NewMiner(small);
    std::mt19937_64 rng(1);
    for (int i = 0; i < 20000; ++i) {
      std::string msg;
      for (int w = 0; w < 3; ++w) {
        msg += static_cast<char>('a' + rng() % 26);
        msg += static_cast<char>('a' + rng() % 26);
        msg += static_cast<char>('a' + rng() % 26);
        msg += ' ';
      }
      capped->Add(kKey, msg, WallTime{});
    }
    CHECK(capped->stats().signatures <= 100);
    CHECK(capped->stats().evicted > 0);
    CHECK(capped->Signatures().size() == capped->stats().signatures);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(seconds < 10.0);  // Generous for sanitizer builds; each takes milliseconds plain.
}

TEST_CASE("random bytes stay within the masker's output bound and mine", "[rules][signatures]") {
  // Under ASan this is the check on the scanner's raw output buffer: every mask on random mixes
  // of the characters that start one, with small and default caps.
  std::mt19937_64 rng(42);
  const std::string alphabet =
      "0123456789abcdefxX .:/-_@=[]()'\"\\,;<>\t\n\x01\xc3\xff"
      "KBMsm";
  auto m = NewMiner();
  MaskOptions tight;
  tight.max_bytes = 64;
  tight.max_tokens = 5;
  tight.max_token_bytes = 12;
  MaskedMessage masked;
  for (int i = 0; i < 3000; ++i) {
    std::string msg;
    const size_t len = rng() % 300;
    for (size_t k = 0; k < len; ++k) msg.push_back(alphabet[rng() % alphabet.size()]);
    for (const MaskOptions& o : {MaskOptions{}, tight}) {
      MaskMessage(msg, o, &masked);
      REQUIRE(masked.tokens.size() <= o.max_tokens);
      REQUIRE(masked.text.size() <= std::min(msg.size(), o.max_bytes) * 8 + 16);
      for (const MaskedToken& t : masked.tokens) REQUIRE(t.begin + t.size <= masked.text.size());
    }
    const MineResult r = m->Add(kKey, msg, WallTime{});
    const auto sig = m->Find(kKey.log, r.id);
    REQUIRE(sig.has_value());
    REQUIRE(IsValidUtf8(sig->template_text));
  }
}

TEST_CASE("invalid miner options are refused", "[rules][signatures]") {
  SignatureMinerOptions o;
  o.max_signatures_per_log = 0;
  CHECK_FALSE(SignatureMiner::Create(o).ok());
  o = SignatureMinerOptions{};
  o.similarity = 0;
  CHECK_FALSE(SignatureMiner::Create(o).ok());
  o.similarity = 1.5;
  CHECK_FALSE(SignatureMiner::Create(o).ok());
  o = SignatureMinerOptions{};
  o.mask.max_tokens = 0;
  auto r = SignatureMiner::Create(o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message() == "the message byte and token caps must be at least 1");
}

TEST_CASE("mining a file gives every line its final signature", "[rules][signatures]") {
  char tmpl[] = "/tmp/cg-signatures-XXXXXX";
  const int fd = mkstemp(tmpl);
  REQUIRE(fd >= 0);
  close(fd);
  const std::filesystem::path path = tmpl;
  {
    std::ofstream out(path, std::ios::binary);
    out << "Invalid user admin from 10.0.0.1\r\n"
           "Accepted password for root from 10.0.0.2 port 22 ssh2\n"
           "Invalid user guest from 10.0.0.3\n"
           "Invalid user oracle from 10.0.0.4";  // No final newline.
  }
  auto report = MineFile(path, MineFileOptions{.per_record = true});
  std::filesystem::remove(path);
  REQUIRE(report.ok());
  CHECK(report->records == 4);
  REQUIRE(report->record_ids.size() == 4);
  CHECK(report->record_ids[0] == report->record_ids[2]);
  CHECK(report->record_ids[0] == report->record_ids[3]);
  CHECK(report->record_ids[0] != report->record_ids[1]);
  REQUIRE(report->signatures.size() == 2);
  CHECK(report->signatures[0].template_text == "Invalid user <*> from <IP>");
  CHECK(report->signatures[0].count == 3);
  CHECK(report->signatures[0].id == report->record_ids[0]);

  auto missing = MineFile("/nonexistent/cg-signatures", MineFileOptions{});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message().find("/nonexistent/cg-signatures") != std::string::npos);
}

TEST_CASE("mining records takes their level logger and message", "[rules][signatures]") {
  const std::vector<Record> records = {
      CarbonRecord(kTenantConfRecord, Level::kError,
                   "org.wso2.carbon.apimgt.impl.internal.APIManagerComponent"),
      CarbonRecord(kCommunicationsRecord, Level::kError,
                   "org.wso2.carbon.apimgt.impl.dao.ApiMgtDAO"),
  };
  auto report = MineRecords(
      [&](const RecordVisitor& visit) {
        for (const Record& r : records) visit(r);
        return Status::Ok();
      },
      MineFileOptions{.per_record = true});
  REQUIRE(report.ok());
  CHECK(report->records == 2);
  REQUIRE(report->signatures.size() == 2);
  CHECK(report->record_ids[0] != report->record_ids[1]);
  for (const Signature& s : report->signatures) CHECK(s.level == Level::kError);

  auto failed = MineRecords([](const RecordVisitor&) { return Status::Error("disk gone"); },
                            MineFileOptions{});
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().message() == "disk gone");
}

}  // namespace
}  // namespace cg
