// Durability: an acknowledged append survives SIGKILL of the process.
//
// A forked child appends batches one at a time and, after each OK, writes the
// acknowledged last seq to a pipe; the parent kills it with SIGKILL, then
// reopens the log, in another child, and checks every acknowledged seq. The
// parent never starts a thread, so every fork takes all of it along.
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/event.h"
#include "ledger/event_log.h"
#include "tests/ledger/test_events.h"
#include "tests/ledger/test_util.h"

namespace banen {
namespace {

// The event the child stores at `seq`: its id names the seq.
Event EventForSeq(uint64_t seq) {
  return test::TargetSetEvent(absl::StrCat("ev-", seq), "2024-01-01",
                              Sector::kMarkt, 2013 + seq % 88, seq);
}

// The child: appends batches of two events until killed. Never returns.
[[noreturn]] void RunAppender(const std::string& dir, int ack_fd) {
  EventLogOptions options;
  options.sync = true;
  absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(dir, options);
  if (!log.ok()) _exit(2);
  for (uint64_t next = (*log)->GetHead().seq + 1;; next += 2) {
    absl::StatusOr<AppendResult> result =
        (*log)->Append(test::Batch({EventForSeq(next), EventForSeq(next + 1)}));
    if (!result.ok() || result->first_seq != next ||
        result->last_seq != next + 1) {
      _exit(3);
    }
    const uint64_t acked = result->last_seq;
    if (write(ack_fd, &acked, sizeof acked) != sizeof acked) _exit(4);
  }
}

// Reads one ack; false at end of file.
bool ReadAck(int fd, uint64_t* seq) {
  char* out = reinterpret_cast<char*>(seq);
  size_t done = 0;
  while (done < sizeof *seq) {
    const ssize_t n = read(fd, out + done, sizeof *seq - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Kills and reaps the child if the test leaves early.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  ~Child() {
    if (pid_ > 0) KillAndWait();
  }
  // SIGKILLs the child and returns its wait status.
  int KillAndWait() {
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_;
};

class DurabilityTest : public test::TempDirTest {
 protected:
  // Runs one child until it acknowledged `acks` batches, kills it, and
  // returns the highest seq it acknowledged (including acks still in the
  // pipe when it died), or 0 on failure.
  uint64_t RunAndKill(int acks) {
    int fds[2];
    if (pipe(fds) != 0) {
      ADD_FAILURE() << "pipe failed";
      return 0;
    }
    const pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      RunAppender(log_dir(), fds[1]);
    }
    close(fds[1]);
    if (pid < 0) {
      ADD_FAILURE() << "fork failed";
      close(fds[0]);
      return 0;
    }
    Child child(pid);
    uint64_t acked = 0;
    for (int i = 0; i < acks; ++i) {
      uint64_t seq = 0;
      if (!ReadAck(fds[0], &seq)) {
        ADD_FAILURE() << "child stopped after " << i << " acks";
        break;
      }
      EXPECT_EQ(seq, acked == 0 ? seq : acked + 2) << "acks not consecutive";
      acked = seq;
    }
    const int status = child.KillAndWait();
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "child exited on its own with status " << status;
    for (uint64_t seq = 0; ReadAck(fds[0], &seq);) acked = seq;
    close(fds[0]);
    return acked;
  }

  // Reopens the log and checks that every seq up to `acked` is there with
  // its event, and that the chain verifies: in a child of its own, so that
  // this process never starts RocksDB's threads, which a later fork would
  // not take along (its child's first flush would then wait for ever: the
  // tests of this file run in one process when the binary runs alone).
  void ExpectAcknowledgedSeqsPresent(uint64_t acked) {
    const pid_t pid = fork();
    if (pid == 0) {
      CheckAcknowledgedSeqs(acked);
      _exit(::testing::Test::HasFailure() ? 1 : 0);
    }
    ASSERT_GT(pid, 0) << "fork failed";
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "the check failed (its messages above); wait status " << status;
  }

 private:
  void CheckAcknowledgedSeqs(uint64_t acked) {
    ASSERT_GT(acked, 0u);
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log,
                         EventLog::Open(log_dir()));
    const Head head = log->GetHead();
    EXPECT_GE(head.seq, acked);
    for (uint64_t seq = 1; seq <= acked; ++seq) {
      ASSERT_OK_AND_ASSIGN(const StoredEvent stored, log->GetBySeq(seq));
      EXPECT_EQ(stored.event.event_id, absl::StrCat("ev-", seq));
      EXPECT_EQ(stored.event, EventForSeq(seq));
    }
    ASSERT_OK_AND_ASSIGN(const ChainVerification chain, log->VerifyChain(1, 0));
    EXPECT_TRUE(chain.ok) << chain.first_bad_seq << ": " << chain.reason;
    EXPECT_EQ(chain.events_checked, head.seq);
  }
};

TEST_F(DurabilityTest, EveryAcknowledgedSeqSurvivesSigkill) {
  const uint64_t acked = RunAndKill(/*acks=*/20);
  ExpectAcknowledgedSeqsPresent(acked);
}

TEST_F(DurabilityTest, AppendsContinueAfterRecoveringFromSigkill) {
  const uint64_t first = RunAndKill(/*acks=*/10);
  ASSERT_GE(first, 20u);
  // The second child reopens the killed store and continues its seqs.
  const uint64_t second = RunAndKill(/*acks=*/10);
  EXPECT_GE(second, first + 20);
  ExpectAcknowledgedSeqsPresent(second);
}

}  // namespace
}  // namespace banen
