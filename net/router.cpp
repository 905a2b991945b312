#include "net/router.hpp"

namespace chatd {

void Router::deliver(std::vector<Submission>& items, Engine::BatchResult& result) {
  // Two passes: first find the session of every reply and push (and how many each session gets),
  // then build each session's items in place, so no vector grows item by item.
  constexpr std::uint32_t kNobody = UINT32_MAX;
  mails_.clear();
  mail_index_.clear();
  targets_.clear();
  auto mail_of = [&](const std::shared_ptr<SessionPort>& port) {
    auto [it, added] = mail_index_.try_emplace(port.get(), static_cast<std::uint32_t>(mails_.size()));
    if (added) mails_.push_back(Mail{port, {}, 0});
    ++mails_[it->second].count;
    return it->second;
  };
  std::size_t push_begin = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Reply& reply = result.replies[i];
    if (std::holds_alternative<Connect>(items[i].command) && reply.ok() && items[i].from)
      routes_[reply.client] = items[i].from;
    targets_.push_back(items[i].from ? mail_of(items[i].from) : kNobody);
    for (std::size_t p = push_begin; p < result.push_end[i]; ++p) {
      auto route = routes_.find(result.pushes[p].to);
      std::shared_ptr<SessionPort> port = route == routes_.end() ? nullptr : route->second.lock();
      targets_.push_back(port ? mail_of(port) : kNobody);
    }
    push_begin = result.push_end[i];
  }
  for (Mail& m : mails_) m.items.reserve(m.count);

  std::size_t t = 0;
  push_begin = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (std::uint32_t to = targets_[t++]; to != kNobody) {
      Outbound& out = mails_[to].items.emplace_back();
      out.kind = Outbound::Kind::kReply;
      out.command_index = items[i].command.index();
      out.request_id = std::move(items[i].request_id);
      out.reply = std::move(result.replies[i]);
    }
    for (std::size_t p = push_begin; p < result.push_end[i]; ++p) {
      if (std::uint32_t to = targets_[t++]; to != kNobody) {
        Outbound& out = mails_[to].items.emplace_back();
        out.kind = Outbound::Kind::kPush;
        out.push = std::move(result.pushes[p]);
      }
    }
    push_begin = result.push_end[i];
  }
  for (ClientId gone : result.disconnected) routes_.erase(gone);
  for (Mail& m : mails_) m.port->deliver(std::move(m.items));
  mails_.clear();  // drop the references to the sessions now
}

}  // namespace chatd
