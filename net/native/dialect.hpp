// NativeDialect: chatd's own JSON protocol (docs/protocol.md). Requests carry an "op" and an
// optional "id"; every request with an id gets exactly one reply with that id. The dialect is a
// table, filled by each domain's file (net/native/<domain>.cpp):
//  - ops: the op's name, the fields it takes (a field has one JSON type in every op, and a field of
//    the wrong type is refused whatever the op), and how its request is built;
//  - the rendering of replies, by command type (what a success says beyond "ok");
//  - the rendering of pushes, by push type (projections/push.hpp).
// Thread-safety: built in its constructor (or by a test adding a domain before use), then
// immutable; see WireDialect.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "net/session/dialect.hpp"
#include "net/session/push_table.hpp"

namespace chatd {

class NativeDialect final : public WireDialect {
 public:
  enum class FieldType : std::uint8_t { kString, kUint, kBool, kObject };
  struct FieldSpec {
    std::string_view name;
    FieldType type = FieldType::kString;
    bool required = false;
    // kObject: whether the object's raw JSON has the right shape (a wrong one is a wrong type).
    bool (*valid)(std::string_view raw_json) = nullptr;
  };

  // The fields of one request, as the op's builder reads them.
  class Fields {
   public:
    bool has(std::string_view name) const { return slot(name) != nullptr; }
    // A kString field's text (the builder may move it out), or null if absent.
    std::string* text(std::string_view name);
    std::optional<std::uint64_t> number(std::string_view name) const;
    std::optional<bool> boolean(std::string_view name) const;  // a kBool field's value
    std::string_view raw(std::string_view name) const;  // a kObject field's JSON, or "" if absent

   private:
    friend class NativeDialect;
    struct Slot {
      bool present = false;
      std::string text;  // kString; kObject: the raw JSON
      std::uint64_t number = 0;
    };
    const Slot* slot(std::string_view name) const;
    const NativeDialect* dialect_ = nullptr;
    std::vector<Slot> slots_;  // by the dialect's field index
  };

  // Builds the request of an op into `out` (out.request.kind and command), or rejects it.
  using BuildFn = void (*)(Fields& fields, Decoded& out);
  // Appends what a success says beyond "ok" (",\"client\":9"); called only for successes.
  using ReplyFn = void (*)(const Reply& reply, std::string& out);

  NativeDialect();  // with the production domains

  void add_op(std::string_view op, std::initializer_list<FieldSpec> fields, BuildFn build);
  template <class C>
  void add_reply(ReplyFn fn) {
    replies_[&CommandType::of<C>()] = fn;
  }
  // For the few refusals that say more than their code (a login by email's accounts to choose
  // from): appends the body's fields after "message"; called only for failures of the command.
  template <class C>
  void add_failure_reply(ReplyFn fn) {
    failure_replies_[&CommandType::of<C>()] = fn;
  }
  PushTable& pushes() { return pushes_; }
  const PushTable& pushes() const { return pushes_; }

  events::Dialect kind() const override { return events::Dialect::kNative; }
  void decode(std::string_view frame, Decoded& out) const override;
  bool hello(const HelloInfo& info, std::string& out) const override;
  bool render_reply(const Outbound& item, std::string& out) const override;
  bool gate_reply(const std::string& id, ErrorCode error, std::string_view message, std::string& out) const override;
  bool render_push(const projections::Push& push, bool own, std::string& out) const override {
    return pushes_.render(push, own, out);
  }

  // Decoding helpers for builders.
  static void reject(Decoded& out, ErrorCode error, std::string message);

 private:
  struct Op {
    std::vector<std::size_t> required;  // field indexes
    BuildFn build;
  };
  std::size_t field_index(std::string_view name) const;  // SIZE_MAX if unknown

  std::vector<FieldSpec> fields_;  // every field of every op
  std::unordered_map<std::string_view, std::size_t> field_by_name_;
  std::unordered_map<std::string_view, Op> ops_;
  std::unordered_map<const CommandType*, ReplyFn> replies_;
  std::unordered_map<const CommandType*, ReplyFn> failure_replies_;
  PushTable pushes_;
};

struct AccountCard;
// How the native dialect names an account, everywhere (net/native/social.cpp):
// `"account":1,"username":...,"display_name":...`; a card adds `,"profile":{...}`, and
// append_account_card wraps it in braces, as every list shows an account.
void append_account_names(std::uint64_t account, const std::string& username, const std::string& display_name, std::string& out);
void append_account_card_fields(const AccountCard& card, std::string& out);
void append_account_card(const AccountCard& card, std::string& out);

// The domains' parts of the native dialect (net/native/<domain>.cpp).
void add_native_session(NativeDialect& d);
void add_native_stranger(NativeDialect& d);
void add_native_rooms(NativeDialect& d);
void add_native_dms(NativeDialect& d);
void add_native_accounts(NativeDialect& d);
void add_native_social(NativeDialect& d);

}  // namespace chatd
