// The stranger domain's moderation audits over a log: a pair's transcript (also in lowf's chat-log
// text format), a report with its context (also in lowf's report JSON), and a client's history.
// Each reads only what it needs: a raw scan picks candidate events by their stored bytes and only
// those are decoded; the World around them comes from History (snapshots + replay).
// Thread-safety: reentrant functions; a History is used by one thread at a time.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.hpp"
#include "events/log.hpp"
#include "replay/audits.hpp"
#include "replay/history.hpp"
#include "replay/views.hpp"

namespace chatd::replay {

struct TranscriptLine {
  enum class Kind { kMessage, kNameChange };
  Kind kind = Kind::kMessage;
  Seq seq = 0;
  TimeMs time = 0;
  ClientId client = kNoClient;
  std::string name;  // kMessage: the sender's name then; kNameChange: the old name
  std::string text;  // kMessage: the message; kNameChange: the new name
};

struct Transcript {
  PairId pair;
  Seq start_seq = 0;
  TimeMs start_time = 0;
  // As at pairing. user1 is the client who was waiting, user2 the one whose search made the pair
  // (lowf's user1 is likewise the one paired "from" the waiting list).
  Party user1, user2;
  std::vector<TranscriptLine> lines;
  std::size_t omitted_lines = 0;  // dropped from the front by a `last` limit
  Seq end_seq = 0;                // 0: the pair was still on at the end of the range
  TimeMs end_time = 0;
  std::string end;                // how it ended, readable
};

// The pair's transcript from its start up to its end (or `to`). NotFound if no pair with that id
// starts in [from, to]; OutOfRange if the range is outside the log.
Status build_transcript(History& history, const events::EventLog& log, const PairId& pair, Seq from, Seq to,
                        Transcript& out);

// lowf's chat-log file, byte for byte: "<site> conversation\n\nThis is a conversation between
// <user1> and <user2>.\n\n" then "<name>: <message>\n" per message and lowf's own line per rename.
std::string lowf_chat_log(const Transcript& transcript, std::string_view site);
std::string transcript_text(const Transcript& transcript);

struct ReportContext {
  Seq seq = 0;
  TimeMs time = 0;
  Party reporter, reported;  // as at the report (the last names they had, if they had left)
  std::string reason;
  Transcript transcript;     // the reported pair, limited to its last N lines
};

// The seqs of the reports in [from, to], ascending.
Status find_reports(const events::EventLog& log, Seq from, Seq to, std::vector<Seq>& out);

// The report at `seq` with its context: the pair's last `last_lines` lines before it.
// NotFound if the event at `seq` is not a report, OutOfRange if there is no such seq.
Status build_report(History& history, const events::EventLog& log, Seq seq, std::size_t last_lines,
                    ReportContext& out);

// lowf's report file, byte for byte (ids are chatd's client ids, as strings, as lowf's were).
std::string lowf_report_json(const ReportContext& report);
std::string report_text(const ReportContext& report);

struct ClientHistory {
  Party client;  // as it connected
  Seq connected_seq = 0;
  TimeMs connected_time = 0;
  std::vector<std::string> lines;  // "#seq time what", in log order
  Seq end_seq = 0;                 // 0: still connected at the end of the range
};

// Everything client `id` did and met from its connection to its end (or `to`): names, searches,
// pairs, messages sent per pair, reports made and received, how it ended; and the captcha failures
// and rejections of its address in the `captcha_window_ms` before it connected.
Status build_client_history(History& history, const events::EventLog& log, ClientId id, Seq to,
                            TimeMs captcha_window_ms, ClientHistory& out);

// `chatreplay audit pair|report|client`, for the command line (replay/domains.cpp).
std::vector<Audit> stranger_audits();

}  // namespace chatd::replay
