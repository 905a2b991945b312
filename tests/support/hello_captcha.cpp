#include "tests/support/hello_captcha.hpp"

#include <stdexcept>

#include "core/session/captcha.hpp"

namespace chatd::testing {

std::string solve_hello_captcha(const std::string& hello, const std::string& request_id) {
  auto field = [&](const std::string& key) {
    auto at = hello.find("\"" + key + "\":");
    if (at == std::string::npos) throw std::runtime_error("hello has no " + key + ": " + hello);
    at += key.size() + 3;
    if (hello[at] == '"') {
      ++at;
      return hello.substr(at, hello.find('"', at) - at);
    }
    return hello.substr(at, hello.find_first_of(",}", at) - at);
  };
  captcha::Challenge ch;
  ch.challenge = field("challenge");
  ch.salt = field("salt");
  ch.signature = field("signature");
  ch.maxnumber = std::stoull(field("maxnumber"));
  auto number = captcha::solve(ch);
  if (!number) throw std::runtime_error("captcha has no solution");
  return "{\"op\":\"captcha\",\"id\":" + request_id + ",\"solution\":" +
         captcha::solution_json(captcha::make_solution(ch, *number)) + "}";
}

}  // namespace chatd::testing
