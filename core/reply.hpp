// Reply: what the requester of a command is told once the command's batch is durable. An envelope
// (an error code and message, or success) around an optional per-domain body.
// Thread-safety: plain values.
#pragma once

#include <string>
#include <utility>

#include "core/base/erased.hpp"
#include "core/base/errors.hpp"
#include "core/base/ids.hpp"

namespace chatd {

struct Reply {
  ErrorCode error;
  std::string message;          // human-readable detail of an error
  ClientId binds_client = kNoClient;  // the requester became this client: its session gets the client's pushes
  AnyValue body;                // what a success says beyond "ok" (the command's dialect renderer knows its type)

  bool ok() const { return error.ok(); }
  static Reply failure(ErrorCode code, std::string message) {
    Reply r;
    r.error = code;
    r.message = std::move(message);
    return r;
  }
};

// Every domain's answer to a command whose actor is not (or no longer) a connected client.
inline Reply not_connected() { return Reply::failure(errors::kNotConnected, "the session is not a connected client"); }

}  // namespace chatd
