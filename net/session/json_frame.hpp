// FrameParser: parses a client frame with one reused simdjson ondemand parser per thread, copying
// the frame into a reused padded buffer (a parser made per message is up to twice as slow).
// Thread-safety: use for_this_thread(); a document lives until the next parse on the same thread.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

namespace chatd {

class FrameParser {
 public:
  static FrameParser& for_this_thread();

  simdjson::error_code parse(std::string_view frame, simdjson::ondemand::document& doc);

 private:
  simdjson::ondemand::parser parser_;
  std::string buffer_;
};

}  // namespace chatd
