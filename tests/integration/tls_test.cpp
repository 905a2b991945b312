// TLS on chatd's ports (--tls-cert, --tls-key, --palette-tls) and SIGHUP's reload, through real
// TLS clients (OpenSSL's, through Asio) against the real chatd.
#include <openssl/ssl.h>
#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/integration/clients.hpp"

using namespace chatd::testing;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> tls_args(const TestCertificate& cert, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--captcha-difficulty", "0", "--tls-cert", cert.cert_file, "--tls-key", cert.key_file};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// A native client over wss:// with its name set.
std::unique_ptr<WsClient> wss_client(std::uint16_t port, const std::string& name, const TlsClient& tls) {
  auto c = std::make_unique<WsClient>(port, "/", 0, &tls);
  auto hello = c->recv();
  REQUIRE(hello);
  REQUIRE(hello->find("\"type\":\"hello\"") != std::string::npos);
  c->send(R"({"op":"name","id":"n","name":")" + name + R"("})");
  REQUIRE(c->recv() == std::optional<std::string>(R"({"type":"reply","id":"n","ok":true})"));
  return c;
}

void pair_up(WsClient& a, WsClient& b) {
  a.send(R"({"op":"search"})");
  REQUIRE(a.recv_until("looking"));
  b.send(R"({"op":"search"})");
  REQUIRE(b.recv_until("paired"));
  REQUIRE(a.recv_until("paired"));
}

// `from` says `text`; `to` must hear it.
void relays(WsClient& from, WsClient& to, const std::string& text) {
  from.send(R"({"op":"send","text":")" + text + R"("})");
  auto heard = to.recv_until("\"" + text + "\"");
  REQUIRE(heard);
}

void copy_file(const std::string& from, const std::string& to) {
  std::ifstream in(from, std::ios::binary);
  std::ofstream out(to + ".tmp", std::ios::binary);
  out << in.rdbuf();
  out.close();
  std::filesystem::rename(to + ".tmp", to);  // as certbot does: the new file whole, or the old one
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("tls: wss clients pair and chat over a certificate they verify - https answers and plain HTTP gets nothing",
          "[integration][tls]") {
  TempDir data;
  const TestCertificate cert = write_test_certificate(data.path(), "server");
  ChatdProcess chatd(data.path() + "/db", tls_args(cert, {"--log-level", "debug"}));
  CHECK(chatd.wait_for_log(cert.fingerprint));  // the listening line names the certificate
  const TlsClient verified{0, 0, false, cert.cert_file};

  auto a = wss_client(chatd.port(), "A", verified);
  auto b = wss_client(chatd.port(), "B", verified);
  CHECK(a->peer_fingerprint() == cert.fingerprint);
  pair_up(*a, *b);
  relays(*a, *b, "hello over tls");
  relays(*b, *a, "and back");

  HttpRequest health;
  health.path = "/health";
  health.tls = &verified;
  const HttpAnswer answer = http_get(chatd.port(), health);
  CHECK(answer.status == 200);
  CHECK(answer.body == "{\"status\":\"ok\"}\n");
  // Plain HTTP on the TLS port: no answer in plain text, and the handshake's failure logged (debug).
  CHECK(http_status(chatd.port(), "/health", false) == 0);
  CHECK(chatd.wait_for_log("tls_handshake_failed"));
  // A client that does not trust this certificate refuses the server.
  const TestCertificate other = write_test_certificate(data.path(), "other");
  CHECK_FALSE(tls_handshake(chatd.port(), TlsClient{0, 0, false, other.cert_file}).ok);
  relays(*a, *b, "still here");
}

TEST_CASE("tls: TLS 1.1 and older are refused with a protocol alert - 1.2 and 1.3 are accepted", "[integration][tls]") {
  TempDir data;
  const TestCertificate cert = write_test_certificate(data.path(), "server");
  ChatdProcess chatd(data.path() + "/db", tls_args(cert));
  for (int old : {TLS1_VERSION, TLS1_1_VERSION}) {
    // The legacy client can offer 1.0 and 1.1 (security level 0): the refusal is the server's alert.
    const TlsHandshake refused = tls_handshake(chatd.port(), TlsClient{old, old, true, ""});
    CHECK_FALSE(refused.ok);
    CHECK(refused.error.find("protocol version") != std::string::npos);
  }
  const TlsHandshake v12 = tls_handshake(chatd.port(), TlsClient{TLS1_2_VERSION, TLS1_2_VERSION, false, ""});
  CHECK(v12.ok);
  CHECK(v12.version == "TLSv1.2");
  const TlsHandshake v13 = tls_handshake(chatd.port(), TlsClient{});
  CHECK(v13.ok);
  CHECK(v13.version == "TLSv1.3");
  CHECK(v13.fingerprint == cert.fingerprint);
}

TEST_CASE("tls: the palette over TLS greets - takes a name - and chats in a room", "[integration][tls][palette]") {
  TempDir data;
  const TestCertificate cert = write_test_certificate(data.path(), "server");
  ChatdProcess chatd(data.path() + "/db",
                     tls_args(cert, {"--palette-listen", "127.0.0.1:0", "--palette-tls", "on", "--room", "general"}));
  const TlsClient verified{0, 0, false, cert.cert_file};
  TlsLineClient alice(chatd.palette_port(), verified);
  TlsLineClient bob(chatd.palette_port(), verified);
  for (auto [c, name] : {std::pair<TlsLineClient*, std::string>{&alice, "alice"}, {&bob, "bob"}}) {
    REQUIRE(c->until("Enter a username: ").find("WELCOME!") != std::string::npos);
    c->send(name + "\r\n");
    REQUIRE(c->until("execute :help\r\n> ") != "");
    c->send(":join general\r\n");
    REQUIRE(c->until("[room/general]> ") != "");
    c->send(":chat\r\n");
    REQUIRE(c->until("[room/general]\r\n> ") != "");
  }
  alice.send("hi bob, over tls\r\n");
  CHECK(bob.until("hi bob, over tls") != "");
  alice.send(":q\r\n:quit\r\ny\r\n");
  CHECK(alice.until("Goodbye!\r\n") != "");
  CHECK(alice.closed());
}

TEST_CASE("tls: SIGHUP presents a renewed certificate to new connections while open ones chat on through it",
          "[integration][tls][reload]") {
  TempDir data;
  const TestCertificate first = write_test_certificate(data.path(), "first");
  const TestCertificate second = write_test_certificate(data.path(), "second");
  TestCertificate live{data.path() + "/live.crt", data.path() + "/live.key", first.fingerprint};
  copy_file(first.cert_file, live.cert_file);
  copy_file(first.key_file, live.key_file);
  ChatdProcess chatd(data.path() + "/db", with_operator(data.path(), tls_args(live)));
  const TlsClient any{};

  constexpr int kPairs = 8;
  std::vector<std::unique_ptr<WsClient>> clients;
  for (int i = 0; i < kPairs; ++i) {
    clients.push_back(wss_client(chatd.port(), "a" + std::to_string(i), any));
    clients.push_back(wss_client(chatd.port(), "b" + std::to_string(i), any));
    pair_up(*clients[2 * i], *clients[2 * i + 1]);
  }
  // Traffic on every pair before, across and after the reload: nothing is lost, nobody is dropped.
  copy_file(second.cert_file, live.cert_file);
  copy_file(second.key_file, live.key_file);
  for (int round = 0; round < 20; ++round) {
    if (round == 10) REQUIRE(kill(chatd.pid(), SIGHUP) == 0);
    for (int i = 0; i < kPairs; ++i) relays(*clients[2 * i], *clients[2 * i + 1], "m" + std::to_string(round) + "-" + std::to_string(i));
  }
  REQUIRE(chatd.wait_for_log("config_reloaded"));
  CHECK(chatd.log_text().find("certificate_changed=true") != std::string::npos);
  CHECK(chatd.log_text().find(second.fingerprint) != std::string::npos);
  CHECK(tls_handshake(chatd.port(), any).fingerprint == second.fingerprint);
  for (auto& c : clients) {
    CHECK_FALSE(c->closed());
    CHECK(c->peer_fingerprint() == first.fingerprint);  // the old ones keep what they shook hands with
  }
  auto late = wss_client(chatd.port(), "late", any);
  CHECK(late->peer_fingerprint() == second.fingerprint);

  // A broken renewal (a key that is not the certificate's): nothing changes.
  copy_file(first.key_file, live.key_file);
  REQUIRE(kill(chatd.pid(), SIGHUP) == 0);
  REQUIRE(chatd.wait_for_log("reload_failed"));
  CHECK(chatd.log_text().find("is not the key of the certificate") != std::string::npos);
  CHECK(tls_handshake(chatd.port(), any).fingerprint == second.fingerprint);
  relays(*clients[0], *clients[1], "after the failed reload");
  CHECK(chatd.stop() == 0);
}

TEST_CASE("reload: SIGHUP rotates the operator tokens and names the options that need a restart",
          "[integration][reload]") {
  TempDir data;
  const std::string conf = data.path() + "/chatd.conf";
  const std::string tokens = data.path() + "/tokens";
  const std::string first_token = "first-operator-token-0001", second_token = "second-operator-token-0002";
  std::ofstream(tokens) << first_token << "\n";
  std::ofstream(conf) << "captcha-difficulty = 0\nrate = 20\noperator-token-file = " << tokens << "\n";
  ChatdProcess chatd(data.path() + "/db", {"--config", conf});
  auto scrape = [&](const std::string& token) {
    HttpRequest request;
    request.path = "/metrics";
    request.headers = {{"Authorization", "Bearer " + token}};
    return http_get(chatd.port(), request).status;
  };
  CHECK(scrape(first_token) == 200);
  CHECK(scrape(second_token) == 401);
  auto before = native_client(chatd.port(), "before");

  std::ofstream(tokens) << second_token << "\n";
  std::ofstream(conf) << "captcha-difficulty = 0\nrate = 5\noperator-token-file = " << tokens << "\n";
  REQUIRE(kill(chatd.pid(), SIGHUP) == 0);
  REQUIRE(chatd.wait_for_log("config_reloaded"));
  CHECK(chatd.log_text().find("operator_tokens=1") != std::string::npos);
  CHECK(chatd.log_text().find("restart_needed=rate") != std::string::npos);
  CHECK(scrape(first_token) == 401);
  CHECK(scrape(second_token) == 200);

  // A file with a problem: the log says which, and the running tokens stay.
  std::ofstream(tokens) << "short\n";
  REQUIRE(kill(chatd.pid(), SIGHUP) == 0);
  REQUIRE(chatd.wait_for_log("reload_failed"));
  CHECK(scrape(second_token) == 200);
  const HttpAnswer page = [&] {
    HttpRequest request;
    request.path = "/metrics";
    request.headers = {{"Authorization", "Bearer " + second_token}};
    return http_get(chatd.port(), request);
  }();
  CHECK(page.body.find("chatd_config_reloads_total{outcome=\"ok\"} 1") != std::string::npos);
  CHECK(page.body.find("chatd_config_reloads_total{outcome=\"failed\"} 1") != std::string::npos);
  // The client connected before both reloads was never disturbed.
  before->send(R"({"op":"search","id":"s"})");
  CHECK(before->recv_until("looking"));
  CHECK(count_of(chatd.log_text(), "config_reloaded") == 1);
}

TEST_CASE("tls: --check-config names each TLS problem", "[integration][tls]") {
  TempDir data;
  const TestCertificate cert = write_test_certificate(data.path(), "server");
  const TestCertificate other = write_test_certificate(data.path(), "other");
  auto check = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {CHATD_BINARY, "--check-config", "--data", data.path() + "/db"});
    return run_command(args);
  };
  CHECK(check({"--tls-cert", cert.cert_file, "--tls-key", cert.key_file}).code == 0);
  CommandResult r = check({"--tls-cert", cert.cert_file});
  CHECK(r.code == 1);
  CHECK(r.out.find("--tls-cert needs --tls-key") != std::string::npos);
  r = check({"--tls-cert", cert.cert_file, "--tls-key", other.key_file});
  CHECK(r.out.find("is not the key of the certificate") != std::string::npos);
  r = check({"--tls-cert", data.path() + "/missing.crt", "--tls-key", cert.key_file});
  CHECK(r.out.find("--tls-cert: cannot read") != std::string::npos);
  r = check({"--tls-cert", cert.key_file, "--tls-key", cert.key_file});
  CHECK(r.out.find("is not a PEM certificate chain") != std::string::npos);
  r = check({"--palette-tls", "on"});
  CHECK(r.out.find("--palette-tls needs --tls-cert") != std::string::npos);
}
