// LedgerState: what the ledger must remember to validate the next event
// against everything stored before it (DOMAIN.md §4): job timelines, register
// periods, employers, and which seqs are retracted.
//
// Validating one event costs O(events of its job, person or employer), never
// O(log). The state is memory; the EventLog saves it with EncodeTo() at
// checkpoints (ledger/internal/storage_format.h) and replays only the events
// after the latest on open.
//
// Batches are atomic: BeginBatch() starts recording how to undo every change;
// RollbackBatch() restores the state as it was, CommitBatch() keeps it.
//
// Not thread-safe: the EventLog calls it from one committing thread at a time.
#ifndef BANEN_LEDGER_LEDGER_STATE_H_
#define BANEN_LEDGER_LEDGER_STATE_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ledger/compact_string_map.h"
#include "ledger/compact_vector.h"
#include "ledger/event.h"

namespace google::protobuf::io {
class CodedInputStream;
}  // namespace google::protobuf::io

namespace banen {

class StateBody;  // ledger/internal/state_body.h

// The events a state read by LedgerState::Decode() takes in right after,
// beside the `saved` events it holds: an open applies the deltas and
// replays the events after the checkpoint. Its maps get room for the jobs
// and persons those add, at the rate the saved events added theirs, where
// a map that grew on the way placed every entry again (0.15 s each for the
// jobs and the persons of a start after a crash at 12.8 M events).
struct LoadGrowth {
  uint64_t saved = 0;
  uint64_t to_come = 0;
};

class LedgerState {
 public:
  // Checks `event`, which will be stored as `seq` (greater than every seq
  // applied so far), against the state, and applies it if it is valid; a
  // `seq` past kMaxSeq (ledger/event.h) is RESOURCE_EXHAUSTED. A
  // rejected event may leave changes that only RollbackBatch() undoes, so an
  // error inside a batch must end in RollbackBatch().
  // `index` is its place in the batch, for errors. For an EventRetracted,
  // `retraction_target` is the stored event at target_seq (the caller resolves
  // it and answers NOT_FOUND for a seq that does not exist); otherwise null.
  absl::Status Apply(const Event& event, uint64_t seq, int index,
                     const Event* retraction_target);
  // Fetches the memory Apply(event) will look up first, its job's and its
  // person's places in their maps: called some events ahead, so that a
  // store of millions does not stall on them one by one.
  void Prefetch(const Event& event) const;

  // The seq of the last event that touched `job_id` (including a retraction
  // of one of its events); 0 if the job does not exist.
  uint64_t LastJobSeq(std::string_view job_id) const;
  // The employer (the hirer) of `job_id`; nullopt if the job does not exist.
  // Valid until the next change to the state.
  std::optional<std::string_view> JobEmployer(std::string_view job_id) const;

  // The registered persons and the jobs (erased ones' keys in the bytes).
  IdsAndBytes person_refs() const {
    return {persons_.size(), persons_.key_bytes()};
  }
  IdsAndBytes job_ids() const { return {jobs_.size(), jobs_.key_bytes()}; }

  // A batch's events are applied between BeginBatch() and CommitBatch();
  // RollbackBatch() undoes them all and leaves nothing of the jobs, persons
  // and employers they made, not even their ids' bytes.
  void BeginBatch();
  void CommitBatch();
  void RollbackBatch();

  // Appends the state to `out` (outside a batch), in the layout the
  // storage grammar names ledger_state_2.
  void EncodeTo(std::string& out) const;

  // Tracks changes from now on (outside a batch), forgetting earlier ones.
  void TrackChanges();
  // Appends what changed since TrackChanges() or the last call (outside a
  // batch), a state delta's ledger_delta (storage_format.h): in O(changes),
  // never O(state).
  void TakeChanges(std::string& out);
  // Applies the ledger_delta `bytes` (outside a batch), or changes nothing
  // and returns false if they are not one.
  bool ApplyChanges(std::string_view bytes);
  // Reads a state from `body` at `offset` and advances `offset` past it:
  // in the layout of a state checkpoint of `version` (storage_format.h),
  // ledger_state for 1, ledger_state_2 (what EncodeTo() writes) for 2 and 3,
  // whose jobs it reads on a second thread. DATA_LOSS if they are not one.
  static absl::StatusOr<LedgerState> Decode(uint32_t version,
                                            const StateBody& body,
                                            uint64_t& offset,
                                            LoadGrowth growth = {});
  // The same from the front of `bytes`, advancing it.
  static absl::StatusOr<LedgerState> Decode(uint32_t version,
                                            std::string_view& bytes,
                                            LoadGrowth growth = {});

  // The slots of the jobs' and the persons' indexes, which grow once 7/8
  // of them are taken.
  size_t job_index_capacity() const { return jobs_.capacity(); }
  size_t person_index_capacity() const { return persons_.capacity(); }
  // Their room for keys' bytes before the keys move.
  size_t job_key_capacity() const { return jobs_.key_capacity(); }
  size_t person_key_capacity() const { return persons_.key_capacity(); }

 private:
  // Entries are 8 bytes: a date's days in kPackedDateBits (ledger/event.h)
  // and a seq (<= kMaxSeq) in 32. A job keeps its first three in place, in
  // the bytes that held two of 12 bytes (issue 15: 1.2 M timelines spilled
  // to the heap at 10 M events before), and a person its first one (see
  // Person). A job is 36 bytes, a person 12: CompactVectors, whose 4-byte
  // sizes and 4-byte alignment took 4 bytes off each where
  // absl::InlinedVectors had them; its map keeps no more beside it than its
  // key (in an IdList) and an erased bit.
  struct JobEntry {
    JobEntry() = default;
    JobEntry(Date date, EventKind kind, ContractForm form, uint32_t seq)
        : days(date.days), kind(kind), form(form), seq(seq) {}
    int32_t days : kPackedDateBits;
    EventKind kind : 4;
    ContractForm form : 4;  // JobStarted: its form; JobConverted: to_form
    uint32_t seq;
    Date date() const { return Date{days}; }
  };
  struct Job {
    uint32_t employer = 0;  // the hirer, of its JobStarted: in employer_ids_
    uint32_t last_touch_seq = 0;
    CompactVector<JobEntry, 3> entries;  // live events, by (date, seq)
  };
  struct RegisterEntry {
    RegisterEntry() = default;
    RegisterEntry(Date date, bool registered, uint32_t seq)
        : days(date.days), registered(registered), seq(seq) {}
    int32_t days : kPackedDateBits;
    bool registered : 1;
    uint32_t seq;
    Date date() const { return Date{days}; }
  };
  struct Person {
    // Live events, by (date, seq). One in place: at 10 M events 81 % of the
    // persons hold one and the rest two (bench/state_census), whose 16-byte
    // heap blocks cost less than 8 bytes more in every person.
    CompactVector<RegisterEntry, 1> entries;
  };
  static_assert(sizeof(JobEntry) == 8 && sizeof(RegisterEntry) == 8);
  static_assert(kEventKindCount <= 16 && kContractFormCount <= 8);
  static_assert(sizeof(Job) == 36 && sizeof(Person) == 12);
  struct Employer {
    // Live events that name this employer: its jobs (as employer or
    // commissioning employer), its reclassifications, its child employers.
    // It can only be retracted when nothing refers to it.
    int64_t references = 0;
  };

  // How to restore one entry of a map that the batch found: its value
  // before the batch changed it, and its number, if the batch erased it.
  // (The entries a batch makes are dropped whole: CompactStringMap's
  // DropSince.)
  template <typename T>
  struct Saved {
    std::string key;
    T before;
    std::optional<uint32_t> erased;
  };
  // The maps' marks (CompactStringMap::Mark) at the batch's beginning.
  struct BatchMarks {
    size_t jobs = 0;
    size_t persons = 0;
    size_t employers = 0;
    uint32_t employer_ids = 0;  // EmployerIds::size()
  };
  using Undo = std::variant<Saved<Job>, Saved<Person>, Saved<Employer>,
                            uint64_t /*retracted seq*/>;

  // The parts of ledger_state: the jobs (ledger_state_2's, after the
  // employer ids they name by number, if `numbered_employers`), and the
  // persons, employers and retracted seqs, each from a section of at most
  // `most` bytes (which bounds its counts). false if unreadable.
  bool DecodeJobs(google::protobuf::io::CodedInputStream& in, uint64_t most,
                  bool numbered_employers, LoadGrowth growth);
  bool DecodeTheRest(google::protobuf::io::CodedInputStream& in, uint64_t most,
                     LoadGrowth growth);
  // `count` loaded entries and those `growth` will add.
  static uint64_t WithGrowth(uint64_t count, LoadGrowth growth);
  // Room for the keys of a section of `most` bytes, which holds them, and
  // for those `growth` will add at the saved rate.
  static uint64_t KeyBytesWithGrowth(uint64_t most, LoadGrowth growth);
  // ledger_delta (storage_format.h) into this state if `apply`; else only
  // read, to check it, and nothing changed.
  bool DecodeChanges(google::protobuf::io::CodedInputStream& in, uint64_t most,
                     bool apply);
  // One job, person or employer, and the retracted seqs (read only unless
  // `apply`); `key` and `employer_id` are scratch.
  bool DecodeJob(google::protobuf::io::CodedInputStream& in, uint64_t most,
                 bool numbered_employers, std::string& key,
                 std::string& employer_id);
  bool DecodePerson(google::protobuf::io::CodedInputStream& in, uint64_t most,
                    std::string& key);
  bool DecodeEmployer(google::protobuf::io::CodedInputStream& in,
                      std::string& key);
  bool DecodeRetracted(google::protobuf::io::CodedInputStream& in,
                       uint64_t most, bool apply);
  // What follows a job's key and employer, and a person's key, into `job`
  // and `person`.
  static bool ReadJobTail(google::protobuf::io::CodedInputStream& in,
                          uint64_t most, Job& job);
  static bool ReadPersonEntries(google::protobuf::io::CodedInputStream& in,
                                uint64_t most, Person& person);

  absl::Status ApplyJobEvent(const Event& event, uint32_t seq, int index);
  absl::Status ApplyRegisterEvent(const Event& event, uint32_t seq, int index);
  absl::Status ApplyEmployerEvent(const Event& event, int index);
  absl::Status ApplyRetraction(const EventRetracted& retraction, uint32_t seq,
                               int index, const Event& target);

  // Adds `delta` references to a registered employer.
  void Reference(absl::string_view employer_id, int64_t delta);
  // Every entity about to change is saved first, so RollbackBatch can restore.
  template <typename T>
  T& Mutable(CompactStringMap<T>& map, absl::string_view key);
  template <typename T>
  void Erase(CompactStringMap<T>& map, absl::string_view key);

  // The employer ids jobs name, each kept once: a job holds a number where
  // a std::string took 32 bytes. Shrinks only when a batch is rolled back,
  // to its size at the batch's beginning: the values restored name only
  // ids interned before.
  class EmployerIds {
   public:
    uint32_t Intern(absl::string_view employer_id);
    std::string_view Get(uint32_t number) const { return ids_[number]; }
    uint32_t size() const { return static_cast<uint32_t>(ids_.size()); }
    // Forgets the ids from number `size` on.
    void TruncateTo(uint32_t size);

   private:
    // Each id twice, which costs little: looked up in the map, whose slots
    // hold the short ids' bytes (one cache miss, not two), and kept in
    // place for Get() in the deque.
    absl::flat_hash_map<std::string, uint32_t> numbers_;
    std::deque<std::string> ids_;
  };

  // Millions of jobs and persons: in CompactStringMaps, at some 40 % of the
  // memory of flat_hash_maps.
  CompactStringMap<Job> jobs_;
  CompactStringMap<Person> persons_;
  CompactStringMap<Employer> employers_;
  EmployerIds employer_ids_;  // touched only with jobs_ (see DecodeJobs)
  absl::flat_hash_set<uint64_t> retracted_;
  // Tracking changes: the seqs retracted since TrackChanges() or the last
  // TakeChanges(), with some a rolled back batch retracted.
  bool tracking_ = false;
  std::vector<uint64_t> retracted_since_;
  std::vector<Undo> undo_;
  BatchMarks batch_marks_;
  bool in_batch_ = false;
};

}  // namespace banen

#endif  // BANEN_LEDGER_LEDGER_STATE_H_
