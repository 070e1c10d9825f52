// A Projector over a real EventLog in a fresh temp dir, with a test clock.
// The fixture owns the log, as the server does; the projector borrows it.
#ifndef BANEN_TESTS_PROJECTIONS_PROJECTOR_TEST_UTIL_H_
#define BANEN_TESTS_PROJECTIONS_PROJECTOR_TEST_UTIL_H_

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "projections/projector.h"
#include "projections/state_checkpoint.h"
#include "tests/projections/random_history.h"

namespace banen::test {

class ProjectorFixture {
 public:
  ProjectorFixture() {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::path(testing::TempDir()) /
           ("projector-" + std::to_string(::getpid()) + "-" +
            std::to_string(counter++));
    std::filesystem::remove_all(dir_);
  }
  ~ProjectorFixture() {
    projector_.reset();
    log_.reset();
    std::filesystem::remove_all(dir_);
  }

  // (Re)opens the log and the projector over the same directory.
  Projector& Open(uint64_t checkpoint_interval = 50'000) {
    ProjectorOptions options;
    options.checkpoint_interval = checkpoint_interval;
    return Open(std::move(options));
  }
  Projector& Open(ProjectorOptions options) {
    OpenLog(nullptr);
    return OpenProjector(std::move(options));
  }
  // The same as a server opens them: the projector's saved state read while
  // the log opens (EventLogOptions::while_opening).
  Projector& OpenAsAServer(ProjectorOptions options) {
    std::optional<absl::StatusOr<SavedProjection>> saved;
    OpenLog([&saved](const EventLog& log) {
      saved = Projector::ReadSavedState(log);
    });
    EXPECT_TRUE(saved.has_value() && saved->ok());
    return OpenProjector(std::move(options), **std::move(saved));
  }
  // (Re)opens the projector alone over the open log.
  Projector& OpenProjector(ProjectorOptions options,
                           std::optional<SavedProjection> saved = {}) {
    projector_.reset();
    absl::StatusOr<std::unique_ptr<Projector>> opened =
        Projector::Open(*log_, std::move(options), std::move(saved));
    EXPECT_TRUE(opened.ok()) << opened.status();
    projector_ = *std::move(opened);
    return *projector_;
  }
  // Destroys the projector (a clean close); the log stays open.
  void CloseProjector() { projector_.reset(); }

  Projector& projector() { return *projector_; }
  EventLog& log() { return *log_; }

  // Appends one event as its own batch; returns its seq, 0 if rejected.
  uint64_t Append(Event event) {
    absl::StatusOr<AppendResult> result = log_->Append(AppendBatch{
        .events = {std::move(event)}, .expected_job_seq = {}, .authority = {}});
    return result.ok() ? result->last_seq : 0;
  }

  uint64_t MustAppend(Event event) {
    const std::string id = event.event_id;
    const uint64_t seq = Append(std::move(event));
    EXPECT_NE(seq, 0u) << "rejected: " << id;
    return seq;
  }

 private:
  void OpenLog(std::function<void(const EventLog&)> while_opening) {
    projector_.reset();
    log_.reset();
    EventLogOptions log_options;
    log_options.sync = false;
    // Commits one second apart from 2026-11-01 on.
    log_options.clock = [this] {
      return absl::FromUnixSeconds(1793491200) + absl::Seconds(++ticks_);
    };
    log_options.while_opening = std::move(while_opening);
    absl::StatusOr<std::unique_ptr<EventLog>> log =
        EventLog::Open(dir_.string(), std::move(log_options));
    EXPECT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
  }

  std::filesystem::path dir_;
  std::atomic<int64_t> ticks_{0};
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<Projector> projector_;
};

// The log's events up to `upto` (0: all) folded from seq 1: the rebuild a
// projector must equal.
inline ProjectionState Rebuild(const EventLog& log, uint64_t upto = 0) {
  ProjectionState state;
  EXPECT_TRUE(log.Scan(1, upto,
                       [&](const StoredEvent& stored) {
                         state.Apply(stored);
                         return true;
                       })
                  .ok());
  return state;
}

// Stores `encoded` as the state checkpoint after `seq`, in `space`.
inline void PutState(EventLog& log, uint64_t seq, const EncodedState& encoded,
                     std::string_view space = StateCheckpointSpace()) {
  for (uint32_t part = 0; part < encoded.parts.size(); ++part) {
    ASSERT_TRUE(log.records()
                    .Put(space, StatePartKey(seq, part), encoded.parts[part])
                    .ok());
  }
  ASSERT_TRUE(
      log.records()
          .Put(space, StateHeaderKey(seq), EncodeStateHeader(encoded.header))
          .ok());
}

// `parts` of this layout as an earlier `layout` wrote them: layout 2 its
// sections 1 to 8, layout 3 to 10 (each section after 8 is in parts of its
// own at the end).
inline std::vector<std::string> PartsOfLayout(std::vector<std::string> parts,
                                              uint32_t layout) {
  const int last_section = layout == 2   ? 8
                           : layout == 3 ? 10
                           : layout == 4 ? 11
                                         : 12;
  std::erase_if(parts, [last_section](const std::string& part) {
    return !part.empty() && part[0] > last_section;
  });
  return parts;
}

// Stores the log's state after `seq` as a checkpoint of `layout` (2 to 4),
// as the version that wrote that layout did.
inline void PutStateOfLayout(EventLog& log, uint64_t seq, uint32_t layout) {
  const ProjectionState state = Rebuild(log, seq);
  EncodedState encoded =
      EncodeState(state, BuildKeptSums(state), log.GetBySeq(seq)->hash, {});
  encoded.parts = PartsOfLayout(std::move(encoded.parts), layout);
  encoded.header.layout = layout;
  encoded.header.parts = static_cast<uint32_t>(encoded.parts.size());
  encoded.header.body_size = 0;
  for (const std::string& part : encoded.parts) {
    encoded.header.body_size += part.size();
  }
  PutState(log, seq, encoded, StateCheckpointSpace(layout));
}

// Appends `count` events of `random` that the ledger accepts, each as its
// own batch.
inline void AppendRandom(ProjectorFixture& fixture, RandomHistory& random,
                         int count) {
  for (int stored = 0; stored < count;) {
    const uint64_t seq = fixture.Append(random.Propose());
    if (seq == 0) continue;
    random.Accepted(seq);
    ++stored;
  }
}

}  // namespace banen::test

#endif  // BANEN_TESTS_PROJECTIONS_PROJECTOR_TEST_UTIL_H_
