// PaletteDialect: chatsock's command palette over a telnet-friendly TCP line stream (docs/palette.md):
// a banner and a username prompt (unique among those online, at most `name_limit` bytes), the
// prompts `> ` and `[room/NAME]> `, the commands :help :rooms :join :list :listall :chat :close :dm
// :quit, and the ANSI chat view, with chatsock's strings byte for byte. It translates, never
// decides: each command becomes the native one (core/rooms, core/stranger) and each reply a text.
// A palette user is in one room or one DM at a time (chatsock's :join kept the old room too: a bug).
// What a session shows depends on its state (which prompt, which room, the chat view), so each
// session has a PaletteSession (open_session()); a room message is rendered once for all palette
// recipients as its chat-view line, and each session paints it into its own view.
// Thread-safety: the dialect is immutable once built and shared; a PaletteSession is its session's.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "net/session/dialect.hpp"
#include "net/session/push_table.hpp"

namespace chatd {

struct PaletteOptions {
  std::string welcome = "WELCOME!";  // chatsock's welcomeMessage; empty: its plain welcome
  std::size_t name_limit = 10;       // chatsock's usernameLimit, in bytes
  std::size_t chatview_max = 20;     // chatsock's chatviewMax: the view's lines
  std::size_t message_limit = 0;     // characters a chat-view line may have; 0: the server's message limit
};

class PaletteDialect final : public WireDialect {
 public:
  explicit PaletteDialect(PaletteOptions options = {});

  events::Dialect kind() const override { return events::Dialect::kPalette; }
  std::unique_ptr<DialectSession> open_session() const override;
  // A stateless use (without a session) is a bug: these refuse.
  void decode(std::string_view frame, Decoded& out) const override;
  bool hello(const HelloInfo& info, std::string& out) const override;
  bool render_reply(const Outbound& item, std::string& out) const override;
  bool gate_reply(const std::string& id, ErrorCode error, std::string_view message, std::string& out) const override;
  bool render_push(const projections::Push& push, bool own, std::string& out) const override {
    return pushes_.render(push, own, out);
  }
  const PushTable& pushes() const { return pushes_; }
  const PaletteOptions& options() const { return options_; }

  // The chat-view line of a message from `name`: "[alice     ]: hello", the name padded to the
  // username limit and every control character of either shown escaped (a native user's text
  // must not move a telnet user's cursor).
  static std::string chat_line(std::string_view name, std::string_view text, std::size_t name_limit);

 private:
  PaletteOptions options_;
  PushTable pushes_;
};

}  // namespace chatd
