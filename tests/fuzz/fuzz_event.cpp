// Fuzz target: stored event bytes (a damaged or hostile data folder). Decoding returns a Status and
// never crashes; what decodes re-encodes to bytes that decode to the same event.
#include "events/codec.hpp"
#include "tests/fuzz/fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static chatd::events::EventDecoder decoder;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  chatd::events::Event event;
  if (!decoder.decode_stored(1, bytes, event).ok()) return 0;
  const std::string again = chatd::events::encode(event);
  chatd::events::Event round_trip;
  FUZZ_CHECK(decoder.decode_stored(1, again, round_trip).ok());
  FUZZ_CHECK(round_trip == event);
  return 0;
}
