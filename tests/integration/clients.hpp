// Helpers shared by the integration tests: reading a data folder, connecting native clients.
// They assert with Catch as they go, so a broken step fails the test where it happens.
#pragma once

#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "events/lmdb_log.hpp"
#include "tests/support/domains.hpp"
#include "tests/integration/harness.hpp"

namespace chatd::testing {

inline const std::vector<std::string> kNoCaptcha = {"--captcha-difficulty", "0"};

// The token an operator sends, and `args` plus the flag that makes chatd accept it (its file is
// written into `dir`).
inline const std::string kOperatorToken = "operator-token-of-the-tests-42";
inline std::vector<std::string> with_operator(const std::string& dir, std::vector<std::string> args) {
  const std::string file = dir + "/operator-tokens";
  std::ofstream(file) << "# the tests' operator\n" << kOperatorToken << "\n";
  args.insert(args.end(), {"--operator-token-file", file});
  return args;
}
inline std::string info_frame(const std::string& id) {
  return R"({"op":"info","id":")" + id + R"(","token":")" + kOperatorToken + "\"}";
}

// Every event of a data folder (read-only, as a tool would while chatd runs or after it stopped).
inline std::vector<events::Event> read_log(const std::string& dir) {
  events::LmdbLog::Options options;
  options.read_only = true;
  std::unique_ptr<events::LmdbLog> log;
  Status s = events::LmdbLog::open(dir, options, &log);
  REQUIRE(s.ok());
  std::vector<events::Event> all;
  REQUIRE(log->scan(1, [&](const events::Event& e) { all.push_back(e); return true; }).ok());
  return all;
}

template <typename T>
std::vector<T> events_of(const std::vector<events::Event>& all) {
  std::vector<T> out;
  for (const auto& e : all)
    if (auto* p = e.payload.get_if<T>()) out.push_back(*p);
  return out;
}

// The reasons of the log's client_disconnected events, in log order.
inline std::vector<events::DisconnectReason> disconnect_reasons(const std::string& dir) {
  std::vector<events::DisconnectReason> out;
  for (const auto& d : events_of<events::ClientDisconnected>(read_log(dir))) out.push_back(d.reason);
  return out;
}

// Connects a native client with the captcha off and a name; returns after its name is set.
inline std::unique_ptr<WsClient> native_client(std::uint16_t port, const std::string& name) {
  auto c = std::make_unique<WsClient>(port, "/");
  auto hello = c->recv();
  REQUIRE(hello);
  REQUIRE(hello->find("\"type\":\"hello\"") != std::string::npos);
  REQUIRE(hello->find("\"captcha\":null") != std::string::npos);
  c->send(R"({"op":"name","id":"n","name":")" + name + R"("})");
  REQUIRE(c->recv() == std::optional<std::string>(R"({"type":"reply","id":"n","ok":true})"));
  return c;
}

// Two native clients, A and B, paired with each other.
inline std::pair<std::unique_ptr<WsClient>, std::unique_ptr<WsClient>> paired_natives(std::uint16_t port) {
  auto a = native_client(port, "A");
  auto b = native_client(port, "B");
  a->send(R"({"op":"search"})");
  REQUIRE(a->recv_until("looking"));
  b->send(R"({"op":"search"})");
  REQUIRE(b->recv_until("paired"));
  return {std::move(a), std::move(b)};
}

inline std::string field(const std::string& frame, const std::string& key) {
  auto at = frame.find("\"" + key + "\":\"");
  REQUIRE(at != std::string::npos);
  at += key.size() + 4;
  return frame.substr(at, frame.find('"', at) - at);
}

// A number's digits ("" if the frame has no such member).
inline std::string number_field(const std::string& frame, const std::string& key) {
  auto at = frame.find("\"" + key + "\":");
  if (at == std::string::npos) return "";
  at += key.size() + 3;
  return frame.substr(at, frame.find_first_not_of("-0123456789", at) - at);
}

// Sends `frame` (whose "id" is `id`) and returns the reply with that id; pushes before it are skipped.
inline std::string ask(WsClient& c, const std::string& id, const std::string& frame) {
  c.send(frame);
  auto reply = c.recv_until("\"type\":\"reply\",\"id\":\"" + id + "\"");
  REQUIRE(reply);
  return *reply;
}

inline bool ok(const std::string& reply) { return reply.find("\"ok\":true") != std::string::npos; }

// A failed reply's error code ("" for a success).
inline std::string error_of(const std::string& reply) {
  auto at = reply.find("\"error\":\"");
  if (at == std::string::npos) return "";
  at += 9;
  return reply.substr(at, reply.find('"', at) - at);
}

}  // namespace chatd::testing
