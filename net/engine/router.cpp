#include "net/engine/router.hpp"

namespace chatd {

const Frame& Router::frame_for(const projections::Push& push, const PushRenderer& renderer, bool own) {
  for (const Rendered& r : rendered_)
    if (r.renderer == &renderer && r.own == own) return r.frame;
  scratch_.clear();
  Frame frame = renderer.render_push(push, own, scratch_) ? Frame::copy_of(scratch_) : Frame();
  rendered_.push_back(Rendered{&renderer, own, std::move(frame)});
  return rendered_.back().frame;
}

std::size_t Router::deliver(std::vector<Submission>& items, Engine::BatchResult& result) {
  // Two passes: first find the session of every reply and push recipient (and how many each
  // session gets), then build each session's items in place, so no vector grows item by item.
  constexpr std::uint32_t kNobody = UINT32_MAX;
  mails_.clear();
  mail_index_.clear();
  targets_.clear();
  auto mail_of = [&](const std::shared_ptr<SessionPort>& port) {
    auto [it, added] = mail_index_.try_emplace(port.get(), static_cast<std::uint32_t>(mails_.size()));
    if (added) mails_.push_back(Mail{port, {}, 0, port->wants_bodies()});
    ++mails_[it->second].count;
    return it->second;
  };
  std::size_t push_begin = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Reply& reply = result.replies[i];
    if (reply.binds_client != kNoClient && items[i].from) routes_[reply.binds_client] = items[i].from;
    targets_.push_back(items[i].from ? mail_of(items[i].from) : kNobody);
    for (std::size_t p = push_begin; p < result.push_end[i]; ++p) {
      const Engine::PushOut& out = result.pushes[p];
      for (std::uint32_t r = out.first; r < out.first + out.count; ++r) {
        auto route = routes_.find(result.recipients[r].client);
        std::shared_ptr<SessionPort> port = route == routes_.end() ? nullptr : route->second.lock();
        targets_.push_back(port ? mail_of(port) : kNobody);
      }
    }
    push_begin = result.push_end[i];
  }
  for (Mail& m : mails_) m.items.reserve(m.count);

  std::size_t t = 0;
  std::size_t pushes = 0;
  push_begin = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (std::uint32_t to = targets_[t++]; to != kNobody) {
      Outbound& out = mails_[to].items.emplace_back();
      out.kind = Outbound::Kind::kReply;
      out.command = items[i].command.body.type();  // null only for an (answered) empty command
      out.request_id = std::move(items[i].request_id);
      out.reply = std::move(result.replies[i]);
    }
    for (std::size_t p = push_begin; p < result.push_end[i]; ++p) {
      const Engine::PushOut& push = result.pushes[p];
      rendered_.clear();
      for (std::uint32_t r = push.first; r < push.first + push.count; ++r) {
        if (std::uint32_t to = targets_[t++]; to != kNobody) {
          Mail& mail = mails_[to];
          Outbound& out = mail.items.emplace_back();
          ++pushes;
          out.kind = Outbound::Kind::kPush;
          out.own = result.recipients[r].own;
          out.idle = push.push->idle;
          out.ends_client = push.push->ends_client;
          out.frame = frame_for(*push.push, mail.port->renderer(), out.own);
          if (mail.wants_bodies) out.push = push.push;
        }
      }
    }
    push_begin = result.push_end[i];
  }
  for (const Engine::PushOut& push : result.pushes)
    if (push.push->ends_client)
      for (std::uint32_t r = push.first; r < push.first + push.count; ++r) routes_.erase(result.recipients[r].client);
  for (Mail& m : mails_) m.port->deliver(std::move(m.items));
  mails_.clear();  // drop the references to the sessions now
  rendered_.clear();
  return pushes;
}

}  // namespace chatd
