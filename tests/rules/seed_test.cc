// Signature mining from a baseline (rules/signatures): masking a masked text changes nothing,
// SignatureMiner::Seed() rebuilds the signatures another miner printed, and signatures carry
// the caller's marks and a stable serial.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "rules/signatures/mask.h"
#include "rules/signatures/miner.h"

// Its own namespace: the test executable is built as one unit with signatures_test.cc.
namespace cg::seed_test {
namespace {

std::unique_ptr<SignatureMiner> MakeMiner(SignatureMinerOptions options = {}) {
  auto m = SignatureMiner::Create(options);
  REQUIRE(m.ok());
  return std::move(m.value());
}

const SignatureKey kSeedKey{
    .log = "wso2carbon", .level = Level::kError, .logger = "org.wso2.carbon.apimgt.Seeded"};
const WallTime kT0 = WallTime{} + std::chrono::hours(480000);

// Lines as they appear in WSO2 API Manager logs (whole lines, headers and all, and the
// messages alone) and Loghub-like lines of other systems.
const std::vector<std::string> kMaskCorpus = {
    "TID: [] [] [2024-11-16 02:12:58,334]  INFO {org.wso2.carbon.core.internal."
    "CarbonCoreActivator} - Operating System : Linux 5.15.0-122-generic, amd64",
    "Java VM          : OpenJDK 64-Bit Server VM 11.0.24+8,Eclipse Adoptium",
    "Repository       : /opt/wso2/wso2am-4.2.0/repository/deployment/server/",
    "Pass-through HTTPS Listener started on 0.0.0.0:8243",
    "Started to listen on destination : throttleData of type topic for listener "
    "Siddhi-JMS-Consumer#throttleData",
    "JMX Service URL  : service:jmx:rmi://localhost:11111/jndi/rmi://localhost:9999/jmxrmi",
    "WSO2 Carbon started in 41 sec",
    "Mgt Console URL  : https://apim-cp-01.example.internal:9443/carbon/",
    "Connection refused or failed for : orders-backend.example.internal/10.20.30.40:8080",
    "Suspending endpoint : admin--OrdersAPI_APIproductionEndpoint with address "
    "http://orders-backend.example.internal:8080/orders - current suspend duration is : 30000ms "
    "- Next retry after : Sat Nov 16 02:21:11 UTC 2024",
    "{api:admin--OrdersAPI:v1.0.0} STATUS = Executing default 'fault' sequence, ERROR_CODE = "
    "303001, ERROR_MESSAGE = Currently , Address endpoint : [ Name : "
    "admin--OrdersAPI_APIproductionEndpoint ] [ State : SUSPENDED ]",
    "ERROR_CODE = 101504, STATE_DESCRIPTION = Socket Timeout occurred after Server written the "
    "request headers and the request body to the backend, INTERNAL_STATE = REQUEST_DONE, "
    "DIRECTION = REQUEST, TARGET_HOST = 10.20.31.12, TARGET_PORT = 8443, TARGET_CONTEXT = "
    "https://billing.example.internal:8443/billing/v2/invoices, HTTP_METHOD = GET, "
    "TRIGGER_NAME = admin--BillingAPI:v2.0.0, REMOTE_ADDRESS = "
    "billing.example.internal/10.20.31.12:8443, CONNECTION = http-outgoing-17, SOCKET_TIMEOUT "
    "= 180000, CORRELATION_ID = 5c0e7b52-1f0a-4a51-9b7e-2d8c6e3f9a10",
    "STATUS = Message dispatched to the main sequence. Invalid URL., RESOURCE = "
    "/inventory/1.0.0/stock, HEALTH CHECK URL = /inventory/1.0.0/stock",
    "Error while retrieving subscriptions for tenant carbon.super "
    "com.mysql.cj.jdbc.exceptions.CommunicationsException: Communications link failure\n"
    "The last packet successfully received from the server was 95,113 milliseconds ago. Caused "
    "by: java.net.SocketTimeoutException",
    "Initiator : admin@carbon.super | Action : Update Roles of User | Target : ops-bot | Data : "
    "{ Roles : [Internal/subscriber] } | Result : Success",
    "Failed to start new registry transaction. org.apache.tomcat.jdbc.pool."
    "PoolExhaustedException: [https-jsse-nio-9443-exec-47] Timeout: Pool empty. Unable to fetch "
    "a connection in 60 seconds, none available[size:50; busy:50; idle:0; lastwait:60000].",
    "{\"performedBy\":\"admin\",\"action\":\"updated\",\"typ\":\"API\",\"info\":"
    "\"{\\\"provider\\\":\\\"admin\\\",\\\"context\\\":\\\"\\\\/orders\\\\/1.0.0\\\"}\"}",
    "I/O error: PKIX path building failed: sun.security.provider.certpath."
    "SunCertPathBuilderException: unable to find valid certification pathCORRELATION_ID = "
    "0d7c2f44-8e35-4b8c-a1c9-77b0e5a3d2f1 javax.net.ssl.SSLHandshakeException: PKIX",
    "10.40.2.17 - - [16/Nov/2024:02:16:02 +0000] GET /api/am/publisher/v4/apis?limit=25&offset=0 "
    "HTTP/1.1 200 48211 https://apim.example.com/publisher/apis Mozilla/5.0 (Windows NT 10.0; "
    "Win64; x64) Chrome/130.0.0.0 Safari/537.36 1",
    "2024-11-16 02:24:05,341|6f3b0d2e-9a41-4c55-8e0b-1c2d3e4f5a6b|PassThroughMessageProcessor-22|"
    "27|HTTP|admin--InventoryAPI:v1.0.0|GET|/inventory/1.0.0/stock|null|0|512|200|"
    "Xk2m9PqL0aBcDeFgHiJkLmNoPq4a|29",
    "apimMetrics: apim:response, properties :{\"apiName\":\"InventoryAPI\",\"destination\":"
    "\"https://inventory.example.internal:8443/stock\",\"backendLatency\":25}",
    "tenant [-1234] user admin@carbon.super logged in from fe80::1ff:fe23:4567:890a",
    // Loghub-like.
    "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block "
    "blk_38865049064139660 terminating",
    "Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010",
    "Failed password for invalid user admin from 5.188.10.180 port 48958 ssh2",
    "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
    "rhost=183.62.140.253  user=root",
    "proxy.cse.cuhk.edu.hk:5070 close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) received, "
    "lifetime <1 sec",
    "chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS",
    "nova.osapi_compute.wsgi.server [req-38101a0b-2096-447d-96ea-a692162415ae 113d3a99c3da401fbd62"
    "cc2caa5b96d2 54fadb412c4e40cdbaed9335e4c35a9e - - -] 10.11.10.1 \"GET /v2/54fadb412c4e40cd"
    "baed9335e4c35a9e/servers/detail HTTP/1.1\" status: 200 len: 1893 time: 0.2477829",
    "instruction cache parity error corrected",
    "ciod: Error loading /p/gb1/stella/RAPTOR/2183/raptor: invalid or missing program image, "
    "Exec format error",
    "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created "
    "MRAppMaster for application appattempt_1445144423722_0020_000001",
    "CBS    Loaded Servicing Stack v6.1.7601.23505 with Core: "
    "C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35\\cbscore.dll",
    "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0",
    "Jul  1 09:00:55 calvisitor-10-105-160-95 kernel[0]: IOThunderboltSwitch<0>(0x0)::"
    "listenerCallback - Thunderbolt HPD packet for route = 0x0 port = 11 unplug = 0",
    "onStandStepChanged 3579|setTodayTotalDetailSteps=1514736000000##7007##548365##8661##12361##"
    "27173954",
    "Connection broken for id 188978561024, my id = 1, error = java.net.SocketException: ",
    "took 12ms, moved 451 bytes (64KB) from 0x7fff5fbff8a0 to dn228 at en0 via node-12.local",
    "values '<NUM>' \"<HEX>\" x=<ID> /a/<NUM>/b [<TENANT>] <...> <*> <FOO> <NUM <>",
};

// Every field of every token, and the message hash.
void CheckSameMask(const MaskedMessage& a, const MaskedMessage& b) {
  CHECK(a.text == b.text);
  CHECK(a.hash == b.hash);
  REQUIRE(a.tokens.size() == b.tokens.size());
  for (size_t i = 0; i < a.tokens.size(); ++i) {
    CAPTURE(i, a.Token(i));
    CHECK(a.tokens[i].begin == b.tokens[i].begin);
    CHECK(a.tokens[i].size == b.tokens[i].size);
    CHECK(a.tokens[i].hash == b.tokens[i].hash);
    CHECK(a.tokens[i].shape == b.tokens[i].shape);
    CHECK(a.tokens[i].key == b.tokens[i].key);
    CHECK(a.tokens[i].variable == b.tokens[i].variable);
    CHECK(a.tokens[i].masked == b.tokens[i].masked);
    CHECK(a.tokens[i].exception == b.tokens[i].exception);
  }
}

TEST_CASE("masking a masked text gives it back with the same token hashes shapes and flags",
          "[rules][signatures][seed]") {
  MaskedMessage once, twice;
  for (const std::string& message : kMaskCorpus) {
    CAPTURE(message);
    MaskMessage(message, MaskOptions{}, &once);
    MaskMessage(once.text, MaskOptions{}, &twice);
    CheckSameMask(once, twice);
    CHECK(MaskedText(MaskedText(message)) == MaskedText(message));
  }
}

TEST_CASE("each placeholder masks like a value of its type", "[rules][signatures][seed]") {
  // A value, and the same text with the placeholder it masks to written in its place.
  auto [value, placeholder] = GENERATE(table<std::string, std::string>({
      {"retry 42 times", "retry <NUM> times"},
      {"flags=0x1f set", "flags=<HEX> set"},
      {"id 5c0e7b52-1f0a-4a51-9b7e-2d8c6e3f9a10 done", "id <UUID> done"},
      {"from 10.20.30.40 denied", "from <IP> denied"},
      {"resolving www.google.com failed", "resolving <HOST> failed"},
      {"address http://h.example.com:8080/x will", "address <URL> will"},
      {"Repository : /opt/wso2/repository/x", "Repository : <PATH>"},
      {"context /pizzashack/1.0.0/menu deployed", "context <API> deployed"},
      {"took 1.5s to start", "took <DUR> to start"},
      {"heap 512MB free", "heap <SIZE> free"},
      {"default 'fault' sequence", "default <QUOTED> sequence"},
      {"user admin@carbon.super in", "user <USER> in"},
      {"tenant [-1234] ready", "tenant [<TENANT>] ready"},
      {"at Sat Nov 16 02:21:11", "at <DATE> <DATE> <NUM> <NUM>:<NUM>:<NUM>"},
      {"worker dn228 up", "worker <ID> up"},
      {"block blk_-6952295868487656571 done", "block blk_<NUM> done"},
      {"peer (10.1.2.3), gone", "peer (<IP>), gone"},
      {"uid=1000 ok", "uid=<NUM> ok"},
      {"at 10.0.0.1/ab/cd", "at <IP>/ab/cd"},  // What follows a value stays glued to it.
      {"[https-jsse-nio-9443-exec-47] Timeout", "[https-jsse-nio-<NUM>-exec-<NUM>] Timeout"},
  }));
  CAPTURE(value, placeholder);
  MaskedMessage from_value, from_placeholder;
  MaskMessage(value, MaskOptions{}, &from_value);
  MaskMessage(placeholder, MaskOptions{}, &from_placeholder);
  CHECK(from_value.text == placeholder);
  CheckSameMask(from_value, from_placeholder);
}

TEST_CASE("the cut and long-token markers pass through masking too", "[rules][signatures][seed]") {
  MaskOptions small;
  small.max_tokens = 3;
  small.max_token_bytes = 8;
  MaskedMessage once, twice;
  MaskMessage("abcdefghijklmnop b c d e", small, &once);
  CHECK(once.text == "<LONG> b <...>");
  CHECK(once.truncated);
  MaskMessage(once.text, small, &twice);
  CheckSameMask(once, twice);
  CHECK(twice.tokens[0].masked);
  CHECK(twice.tokens[2].variable);
}

TEST_CASE("the miner's wildcard and unknown names stay literal text", "[rules][signatures][seed]") {
  MaskedMessage m;
  MaskMessage("a <*> user=<*> <FOO> <NUM b", MaskOptions{}, &m);
  CHECK(m.text == "a <*> user=<*> <FOO> <NUM b");
  REQUIRE(m.tokens.size() == 6);
  CHECK_FALSE(m.tokens[1].masked);
  CHECK(m.tokens[1].variable);  // No letter.
  CHECK_FALSE(m.tokens[2].masked);
  CHECK(m.tokens[2].key != 0);
  CHECK_FALSE(m.tokens[3].masked);
  CHECK_FALSE(m.tokens[4].masked);
}

// WSO2 ERROR messages of a few statements, with the parts that vary between two occurrences:
// numbers, ids, hosts, API contexts, user and API names (words), key=value tokens, and the
// exception classes that must keep statements apart.
std::vector<std::pair<SignatureKey, std::string>> Wso2Corpus() {
  static const std::string kLoggers[] = {
      "org.apache.synapse.transport.passthru.ConnectCallback",
      "org.wso2.carbon.apimgt.gateway.handlers.security.APIAuthenticationHandler",
      "org.wso2.carbon.apimgt.impl.dao.ApiMgtDAO",
      "org.apache.synapse.endpoints.EndpointContext",
  };
  const std::vector<std::string> users = {"alice", "bob", "carol", "dave", "erin"};
  const std::vector<std::string> apis = {"OrdersAPI", "BillingAPI", "InventoryAPI", "PizzaShack"};
  const std::vector<std::string> contexts = {"/orders/1.0.0/items", "/billing/v2/invoices",
                                             "/pizzashack/1.0.0/menu", "/inventory/1.0.0/stock"};
  const std::vector<std::string> hosts = {"orders-backend.example.internal",
                                          "billing.example.internal", "db-01.prod.example.com"};
  const std::vector<std::string> tiers = {"Gold", "Silver", "Unlimited", "Bronze"};
  const std::vector<std::string> causes = {"java.net.SocketTimeoutException",
                                           "java.net.ConnectException"};
  std::mt19937 rng(20241116);
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  auto num = [&](int digits) {
    std::string s(1, static_cast<char>('1' + rng() % 9));
    for (int i = 1; i < digits; ++i) s.push_back(static_cast<char>('0' + rng() % 10));
    return s;
  };
  auto hex = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back("0123456789abcdef"[rng() % 16]);
    return s;
  };
  auto uuid = [&] { return hex(8) + "-" + hex(4) + "-" + hex(4) + "-" + hex(4) + "-" + hex(12); };
  std::vector<std::pair<SignatureKey, std::string>> out;
  auto add = [&](int logger, std::string message) {
    out.emplace_back(
        SignatureKey{.log = "wso2carbon", .level = Level::kError, .logger = kLoggers[logger]},
        std::move(message));
  };
  for (int i = 0; i < 60; ++i) {
    add(0, "Connection refused or failed for : " + pick(hosts) + "/10.20." + num(2) + "." + num(2) +
               ":" + num(4));
    add(1, "API authentication failure for user " + pick(users) + " on " + pick(contexts) +
               " due to Invalid Credentials from " + num(2) + ".0.0." + num(1));
    add(1, "Throttle limit exceeded tier=" + pick(tiers) + " app=" + pick(apis) +
               " requests=" + num(3) + " window=" + num(2) + "000ms");
    add(1, "user=" + pick(users) +
               " action=token result=failed reason=invalid_grant client=" + hex(24));
    add(2,
        "Error while retrieving subscriptions for tenant carbon.super "
        "com.mysql.cj.jdbc.exceptions.CommunicationsException: Communications link failure\n"
        "The last packet successfully received from the server was " +
            num(2) + "," + num(3) + " milliseconds ago. Caused by: " + pick(causes));
    add(2, "Failed to dispatch message " + uuid() + " to endpoint admin--" + pick(apis) +
               "_APIproductionEndpoint after " + num(1) + " retries CORRELATION_ID = " + uuid());
    add(3, "Suspending endpoint : admin--" + pick(apis) +
               "_APIproductionEndpoint with address https://" + pick(hosts) + ":" + num(4) +
               pick(contexts) + " - current suspend duration is : " + num(5) +
               "ms - Next retry after : Sat Nov 16 02:" + num(2) + ":" + num(2) + " UTC 2024");
    add(3, "Unable to fetch a connection in " + num(2) + " seconds, none available[size:" + num(2) +
               "; busy:" + num(2) + "; idle:" + num(1) + "; lastwait:" + num(5) + "].");
  }
  return out;
}

// Loghub-like lines, one key: users that vary (a word), blocks, addresses, and a statement
// whose messages have more variable tokens at times (a flexible template).
std::vector<std::pair<SignatureKey, std::string>> LoghubCorpus() {
  const SignatureKey key{.log = "loghub", .level = Level::kInfo, .logger = ""};
  std::vector<std::pair<SignatureKey, std::string>> out;
  for (const char* m : {
           "Failed password for invalid user admin from 5.188.10.180 port 48958 ssh2",
           "Failed password for invalid user support from 103.99.0.122 port 5442 ssh2",
           "Failed password for invalid user test from 187.141.143.180 port 40626 ssh2",
           "Invalid user webmaster from 173.234.31.186",
           "Invalid user test9 from 52.80.34.196",
           "Invalid user oracle from 103.99.0.122",
           "PacketResponder 1 for block blk_38865049064139660 terminating",
           "PacketResponder 0 for block blk_-6952295868487656571 terminating",
           "Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: "
           "/10.250.19.102:50010",
           "Receiving block blk_7503483334202473044 src: /10.251.215.16:55695 dest: "
           "/10.251.215.16:50010",
           "proxy.cse.cuhk.edu.hk:5070 close, 451 bytes sent, 353 bytes received, lifetime 00:02",
           "proxy.cse.cuhk.edu.hk:5070 close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) "
           "received, lifetime <1 sec",
           "www.google.com:443 close, 403 bytes (403 bytes) sent, 426 bytes received, lifetime "
           "00:07",
           "proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS",
           "session opened for user root by (uid=0)",
           "session opened for user cyrus by (uid=0)",
           "session closed for user root",
       }) {
    out.emplace_back(key, m);
  }
  return out;
}

// Mines `corpus` with one miner, seeds a second with every signature of the first, then
// feeds the second the corpus again: every message must join the seeded signature that holds
// it in the first miner, unchanged.
void CheckRoundTrip(const std::vector<std::pair<SignatureKey, std::string>>& corpus) {
  auto a = MakeMiner();
  std::vector<uint64_t> a_ids;
  WallTime t = kT0;
  for (const auto& [key, message] : corpus) {
    a_ids.push_back(a->Add(key, message, t).id);
    t += std::chrono::seconds(1);
  }
  for (size_t i = 0; i < corpus.size(); ++i) {
    a_ids[i] = a->Resolve(corpus[i].first.log, a_ids[i]).value_or(0);
  }
  const std::vector<Signature> signatures = a->Signatures();
  REQUIRE(signatures.size() > 3);

  auto b = MakeMiner();
  std::set<uint64_t> serials;
  for (const Signature& s : signatures) {
    CAPTURE(s.template_text);
    const SignatureKey key{.log = s.log, .level = s.level, .logger = s.logger};
    auto r = b->Seed(key, s.template_text, s.count, s.first_seen, s.last_seen, 1);
    REQUIRE(r.ok());
    CHECK(r->created);
    CHECK(r->id == s.id);
    CHECK(r->id == SignatureId(s.level, s.logger, s.template_text));
    CHECK(r->marks == 1);
    CHECK(r->previous_id == 0);
    serials.insert(r->serial);
    const auto seeded = b->Find(s.log, s.id);
    REQUIRE(seeded.has_value());
    CHECK(seeded->template_text == s.template_text);
    CHECK(seeded->count == s.count);
    CHECK(seeded->first_seen == s.first_seen);
    CHECK(seeded->last_seen == s.last_seen);
  }
  CHECK(serials.size() == signatures.size());
  CHECK(b->stats().seeded == signatures.size());
  CHECK(b->stats().created == 0);

  for (size_t i = 0; i < corpus.size(); ++i) {
    const auto& [key, message] = corpus[i];
    CAPTURE(message);
    const MineResult r = b->Add(key, message, t);
    CHECK_FALSE(r.created);
    CHECK_FALSE(r.generalised);
    CHECK(r.marks == 1);
    CHECK(r.id == a_ids[i]);
    CHECK(r.previous_id == r.id);
  }
  CHECK(b->stats().created == 0);
  CHECK(b->stats().generalised == 0);
  CHECK(b->stats().signatures == signatures.size());
}

TEST_CASE("a miner seeded with another's signatures puts every message where the other did",
          "[rules][signatures][seed]") {
  SECTION("WSO2 errors") {
    const auto corpus = Wso2Corpus();
    // The corpus exercises what it should: words, key=value tokens and causes generalise or
    // stay apart in the first miner.
    auto probe = MakeMiner();
    for (const auto& [key, message] : corpus) probe->Add(key, message, kT0);
    std::set<std::string> templates;
    for (const Signature& s : probe->Signatures()) templates.insert(s.template_text);
    CHECK(templates.count(
        "API authentication failure for user <*> on <API> due to Invalid Credentials from <IP>"));
    CHECK(templates.count("Throttle limit exceeded tier=<*> app=<*> requests=<NUM> window=<DUR>"));
    CHECK(std::count_if(templates.begin(), templates.end(), [](const std::string& t) {
            return t.find("Caused by: java.net.") != std::string::npos;
          }) == 2);
    CheckRoundTrip(corpus);
  }
  SECTION("Loghub-like lines with a flexible template") { CheckRoundTrip(LoghubCorpus()); }
}

TEST_CASE("a message of another statement starts a new unmarked signature next to seeds",
          "[rules][signatures][seed]") {
  auto m = MakeMiner();
  REQUIRE(m->Seed(kSeedKey, "Connection refused or failed for : <HOST>/<IP>:<NUM>", 40, kT0, kT0, 1)
              .ok());
  REQUIRE(m->Seed(kSeedKey, "API authentication failure for user <*> due to Invalid Credentials", 3,
                  kT0, kT0, 1)
              .ok());
  const MineResult known =
      m->Add(kSeedKey, "API authentication failure for user bob due to Invalid Credentials", kT0);
  CHECK_FALSE(known.created);
  CHECK(known.marks == 1);
  const MineResult other = m->Add(
      kSeedKey, "Keystore password is incorrect for keystore wso2carbon.jks at startup", kT0);
  CHECK(other.created);
  CHECK(other.marks == 0);
  CHECK(other.previous_id == 0);
  CHECK(m->Find(kSeedKey.log, other.id)->marks == 0);
  CHECK(m->stats().created == 1);
  CHECK(m->stats().seeded == 2);
}

TEST_CASE("a flexible template seeded in token form takes messages of either length",
          "[rules][signatures][seed]") {
  auto m = MakeMiner();
  const std::string tmpl = "<HOST>:<NUM> close, <*> sent, <*> received, lifetime <*>";
  const auto seeded = m->Seed(kSeedKey, tmpl, 3, kT0, kT0, 1);
  REQUIRE(seeded.ok());
  const MineResult same_length = m->Add(
      kSeedKey,
      "proxy.cse.cuhk.edu.hk:5070 close, 451 bytes sent, 353 bytes received, lifetime 00:02", kT0);
  const MineResult longer = m->Add(kSeedKey,
                                   "proxy.cse.cuhk.edu.hk:5070 close, 1190 bytes (1.16 KB) sent, "
                                   "1671 bytes (1.63 KB) received, lifetime <1 sec",
                                   kT0);
  for (const MineResult& r : {same_length, longer}) {
    CHECK_FALSE(r.created);
    CHECK_FALSE(r.generalised);
    CHECK(r.id == seeded->id);
    CHECK(r.serial == seeded->serial);
  }
  CHECK(m->Find(kSeedKey.log, seeded->id)->template_text == tmpl);
  CHECK(m->Find(kSeedKey.log, seeded->id)->count == 5);
}

TEST_CASE("a seeded template keeps its key=value keys and typed placeholders",
          "[rules][signatures][seed]") {
  auto m = MakeMiner();
  const auto r =
      m->Seed(kSeedKey, "Login failed user=<*> tenant=<*> after <DUR> from <IP> id=<UUID>", 1, kT0,
              kT0 + std::chrono::minutes(5), 4);
  REQUIRE(r.ok());
  // Another key in a key=value slot is another statement; the same keys join.
  const MineResult same =
      m->Add(kSeedKey,
             "Login failed user=alice tenant=carbon.super after 30ms from 10.1.2.3 id="
             "5c0e7b52-1f0a-4a51-9b7e-2d8c6e3f9a10",
             kT0);
  CHECK(same.id == r->id);
  CHECK_FALSE(same.generalised);
  // A typed placeholder generalises like a mined one: another type there is a "<*>".
  const MineResult typed = m->Add(
      kSeedKey, "Login failed user=bob tenant=acme.com after 12ms from 10.1.2.4 id=12345", kT0);
  CHECK(typed.generalised);
  CHECK(typed.previous_id == r->id);
  CHECK(typed.serial == r->serial);
  CHECK(typed.marks == 4);
  const auto sig = m->Find(kSeedKey.log, typed.id);
  REQUIRE(sig.has_value());
  CHECK(sig->template_text == "Login failed user=<*> tenant=<*> after <DUR> from <IP> id=<*>");
  CHECK(sig->parents == std::vector<uint64_t>{r->id});
  CHECK(sig->example == "Login failed user=<*> tenant=<*> after <DUR> from <IP> id=<UUID>");
}

TEST_CASE("a message that prints a seeded template exactly joins that seed before a wider one",
          "[rules][signatures][seed]") {
  auto m = MakeMiner();
  // The wider one first: Best() alone would keep it (both score 1.0).
  const auto wide =
      m->Seed(kSeedKey, "sending alarm <*> type <NUM> to <*> listener", 9, kT0, kT0, 1);
  const auto exact = m->Seed(kSeedKey, "sending alarm Alarm{<HEX>} type <NUM> to android listener",
                             2, kT0, kT0, 1);
  REQUIRE(wide.ok());
  REQUIRE(exact.ok());
  const MineResult r =
      m->Add(kSeedKey, "sending alarm Alarm{aa90550} type 3 to android listener", kT0);
  CHECK(r.id == exact->id);
  CHECK_FALSE(r.generalised);
  CHECK(m->stats().cache_hits == 1);
  // Another value goes where the similarity puts it.
  const MineResult other =
      m->Add(kSeedKey, "sending alarm Alarm{aa90550} type 3 to com.android.phone listener", kT0);
  CHECK(other.id == wide->id);
}

TEST_CASE("a seed's count decides whether its words are constants", "[rules][signatures][seed]") {
  SignatureMinerOptions o;
  o.constant_after = 10;
  const std::string tmpl = "Session: <NUM>_<NUM> initialized by client WindowsUpdateAgent.";
  const std::string other = "Session: 30546174_4261722402 initialized by client SPP.";
  SECTION("settled") {
    auto m = MakeMiner(o);
    const auto seeded = m->Seed(kSeedKey, tmpl, 10, kT0, kT0, 1);
    REQUIRE(seeded.ok());
    const MineResult r = m->Add(kSeedKey, other, kT0);
    CHECK(r.created);
    CHECK(r.id != seeded->id);
  }
  SECTION("not yet") {
    auto m = MakeMiner(o);
    const auto seeded = m->Seed(kSeedKey, tmpl, 9, kT0, kT0, 1);
    REQUIRE(seeded.ok());
    const MineResult r = m->Add(kSeedKey, other, kT0);
    CHECK_FALSE(r.created);
    CHECK(r.generalised);
    CHECK(r.previous_id == seeded->id);
    CHECK(m->Find(kSeedKey.log, r.id)->template_text ==
          "Session: <NUM>_<NUM> initialized by client <*>");
  }
}

TEST_CASE("seeding a known template adds to it and an empty one is refused",
          "[rules][signatures][seed]") {
  auto m = MakeMiner();
  const std::string tmpl = "Invalid user <*> from <IP>";
  const auto first = m->Seed(kSeedKey, tmpl, 5, kT0, kT0 + std::chrono::hours(1), 1);
  REQUIRE(first.ok());
  CHECK(first->created);
  const auto again =
      m->Seed(kSeedKey, tmpl, 2, kT0 - std::chrono::hours(1), kT0 + std::chrono::hours(3), 2);
  REQUIRE(again.ok());
  CHECK_FALSE(again->created);
  CHECK(again->id == first->id);
  CHECK(again->previous_id == first->id);
  CHECK(again->serial == first->serial);
  CHECK(again->marks == 3);
  const auto sig = m->Find(kSeedKey.log, first->id);
  REQUIRE(sig.has_value());
  CHECK(sig->count == 7);
  CHECK(sig->first_seen == kT0 - std::chrono::hours(1));
  CHECK(sig->last_seen == kT0 + std::chrono::hours(3));
  CHECK(m->stats().seeded == 1);
  CHECK(m->stats().signatures == 1);
  // Another level or logger is another signature.
  const SignatureKey warn{.log = kSeedKey.log, .level = Level::kWarn, .logger = kSeedKey.logger};
  const auto other_level = m->Seed(warn, tmpl, 1, kT0, kT0, 0);
  REQUIRE(other_level.ok());
  CHECK(other_level->created);
  CHECK(other_level->id == SignatureId(Level::kWarn, kSeedKey.logger, tmpl));

  for (const char* empty : {"", "   ", "\t\n"}) {
    const auto r = m->Seed(kSeedKey, empty, 1, kT0, kT0, 1);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message() == "empty template");
  }
}

TEST_CASE("a template the miner would not print is seeded as masked and found under both ids",
          "[rules][signatures][seed]") {
  auto m = MakeMiner();
  const auto r = m->Seed(kSeedKey, "Retry  after 5 ms for\tjob 42", 1, kT0, kT0, 1);
  REQUIRE(r.ok());
  const uint64_t normalised =
      SignatureId(kSeedKey.level, kSeedKey.logger, "Retry after <DUR> for job <NUM>");
  const uint64_t given =
      SignatureId(kSeedKey.level, kSeedKey.logger, "Retry  after 5 ms for\tjob 42");
  CHECK(r->id == normalised);
  CHECK(m->Resolve(kSeedKey.log, given) == normalised);
  m->Mark(kSeedKey.log, given, 8);
  CHECK(m->Find(kSeedKey.log, normalised)->marks == 9);
  CHECK(m->Add(kSeedKey, "Retry after 7 ms for job 43", kT0).id == normalised);
}

TEST_CASE("seeds obey the per-log cap", "[rules][signatures][seed]") {
  SignatureMinerOptions o;
  o.max_signatures_per_log = 2;
  auto m = MakeMiner(o);
  const auto rare = m->Seed(kSeedKey, "alpha beta gamma <NUM>", 1, kT0, kT0, 1);
  const auto steady = m->Seed(kSeedKey, "delta epsilon zeta <NUM>", 50, kT0, kT0, 1);
  const auto newest = m->Seed(kSeedKey, "eta theta iota <NUM>", 1, kT0, kT0, 1);
  REQUIRE(rare.ok());
  REQUIRE(steady.ok());
  REQUIRE(newest.ok());
  CHECK(m->stats().evicted == 1);
  CHECK(m->stats().signatures == 2);
  CHECK_FALSE(m->Find(kSeedKey.log, rare->id).has_value());
  CHECK(m->Find(kSeedKey.log, steady->id).has_value());
  CHECK(m->Find(kSeedKey.log, newest->id).has_value());
}

TEST_CASE("marks are set by id and reported with every message", "[rules][signatures][seed]") {
  auto m = MakeMiner();
  const MineResult first =
      m->Add(kSeedKey, "API authentication failure due to Invalid Credentials", kT0);
  CHECK(first.marks == 0);
  m->Mark(kSeedKey.log, first.id, 2);
  CHECK(m->Add(kSeedKey, "API authentication failure due to Invalid Credentials", kT0).marks == 2);
  // Generalising keeps them; the former id still marks the signature.
  const MineResult second =
      m->Add(kSeedKey, "API authentication failure due to Expired Credentials", kT0);
  REQUIRE(second.generalised);
  CHECK(second.marks == 2);
  m->Mark(kSeedKey.log, first.id, 1);
  CHECK(m->Find(kSeedKey.log, second.id)->marks == 3);
  // An unknown id marks nothing.
  m->Mark(kSeedKey.log, 12345, 4);
  m->Mark("no-such-log", second.id, 4);
  CHECK(m->Find(kSeedKey.log, second.id)->marks == 3);
  for (const Signature& s : m->Signatures()) CHECK(s.marks == 3);
}

TEST_CASE("merging two signatures keeps the survivor's serial and both marks",
          "[rules][signatures][seed]") {
  auto m = MakeMiner();
  // A mined signature, and a seed of the template it is about to generalise to.
  const MineResult mined = m->Add(kSeedKey, "alpha beta gamma delta 12", kT0);
  m->Mark(kSeedKey.log, mined.id, 2);
  const auto seed = m->Seed(kSeedKey, "alpha beta gamma delta <*>", 10, kT0, kT0, 1);
  REQUIRE(seed.ok());
  REQUIRE(seed->created);
  // "<HEX>" has the shape of "<NUM>": the mined one takes it, generalises, and is the seed.
  const MineResult r = m->Add(kSeedKey, "alpha beta gamma delta 0x1f", kT0);
  CHECK(r.generalised);
  CHECK(r.id == seed->id);
  CHECK(r.previous_id == mined.id);
  CHECK(r.serial == seed->serial);
  CHECK(r.marks == 3);
  CHECK(m->stats().merged == 1);
  CHECK(m->stats().signatures == 1);
  CHECK(m->Resolve(kSeedKey.log, mined.id) == seed->id);
  const auto sig = m->Find(kSeedKey.log, seed->id);
  REQUIRE(sig.has_value());
  CHECK(sig->count == 12);
  CHECK_FALSE(m->FindSerial(kSeedKey.log, mined.serial).has_value());
}

TEST_CASE("serials count up per miner and stay when the id changes", "[rules][signatures][seed]") {
  SignatureMinerOptions o;
  o.max_signatures_per_log = 2;
  auto m = MakeMiner(o);
  const MineResult a =
      m->Add(kSeedKey, "API authentication failure due to Invalid Credentials", kT0);
  CHECK(a.created);
  CHECK(a.serial == 1);
  CHECK(a.previous_id == 0);
  const MineResult again =
      m->Add(kSeedKey, "API authentication failure due to Invalid Credentials", kT0);
  CHECK(again.serial == 1);
  CHECK(again.previous_id == a.id);
  const MineResult g =
      m->Add(kSeedKey, "API authentication failure due to Expired Credentials", kT0);
  CHECK(g.generalised);
  CHECK(g.serial == 1);
  CHECK(g.previous_id == a.id);
  CHECK(g.id != a.id);
  const auto by_serial = m->FindSerial(kSeedKey.log, 1);
  REQUIRE(by_serial.has_value());
  CHECK(by_serial->id == g.id);
  CHECK(by_serial->serial == 1);
  CHECK_FALSE(m->FindSerial("other-log", 1).has_value());
  CHECK_FALSE(m->FindSerial(kSeedKey.log, 99).has_value());

  // Eviction: the marks and the serial go with the signature; a serial is never reused.
  m->Mark(kSeedKey.log, g.id, 1);
  const MineResult b = m->Add(kSeedKey, "delta epsilon zeta", kT0);
  CHECK(b.serial == 2);
  const MineResult c = m->Add(kSeedKey, "eta theta iota", kT0);  // Evicts the rarest: b.
  CHECK(c.serial == 3);
  CHECK(m->stats().evicted == 1);
  CHECK_FALSE(m->FindSerial(kSeedKey.log, 2).has_value());
  for (int i = 0; i < 3; ++i) m->Add(kSeedKey, "eta theta iota", kT0);  // Now above g.
  const MineResult back = m->Add(kSeedKey, "delta epsilon zeta", kT0);  // Evicts g.
  CHECK(back.created);
  CHECK(back.serial == 4);
  CHECK(back.marks == 0);
  CHECK(back.id == b.id);
  const MineResult g_back =
      m->Add(kSeedKey, "API authentication failure due to Expired Credentials", kT0);
  CHECK(g_back.created);
  CHECK(g_back.marks == 0);
  CHECK(g_back.serial == 5);
}

}  // namespace
}  // namespace cg::seed_test
