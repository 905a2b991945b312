// Status: the result of an operation that can fail on the data path (log I/O, decoding).
// Errors are values, not exceptions, so every caller sees and handles them (after LevelDB's Status).
// Thread-safety: a Status is a value; distinct objects may be used from distinct threads.
#pragma once

#include <string>
#include <utility>

namespace chatd {

class Status {
 public:
  enum class Code { kOk, kNotFound, kCorruption, kIoError, kInvalidArgument, kUnsupported, kOutOfRange };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status IoError(std::string msg) { return Status(Code::kIoError, std::move(msg)); }
  static Status InvalidArgument(std::string msg) { return Status(Code::kInvalidArgument, std::move(msg)); }
  static Status Unsupported(std::string msg) { return Status(Code::kUnsupported, std::move(msg)); }
  // A position (seq or time) outside what exists, e.g. a time before the first event.
  static Status OutOfRange(std::string msg) { return Status(Code::kOutOfRange, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

inline std::string Status::ToString() const {
  switch (code_) {
    case Code::kOk: return "OK";
    case Code::kNotFound: return "not found: " + message_;
    case Code::kCorruption: return "corruption: " + message_;
    case Code::kIoError: return "I/O error: " + message_;
    case Code::kInvalidArgument: return "invalid argument: " + message_;
    case Code::kUnsupported: return "unsupported: " + message_;
    case Code::kOutOfRange: return "out of range: " + message_;
  }
  return message_;
}

}  // namespace chatd
