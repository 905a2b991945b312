#include "net/session/json_frame.hpp"

#include <cstring>

namespace chatd {

FrameParser& FrameParser::for_this_thread() {
  thread_local FrameParser parser;
  return parser;
}

simdjson::error_code FrameParser::parse(std::string_view frame, simdjson::ondemand::document& doc) {
  if (buffer_.size() < frame.size() + simdjson::SIMDJSON_PADDING) buffer_.resize(frame.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(buffer_.data(), frame.data(), frame.size());
  std::memset(buffer_.data() + frame.size(), 0, simdjson::SIMDJSON_PADDING);
  return parser_.iterate(buffer_.data(), frame.size(), buffer_.size()).get(doc);
}

}  // namespace chatd
