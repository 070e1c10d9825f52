#include "ledger/internal/storage_format.h"

#include <cstring>
#include <memory>
#include <vector>

#include "ledger/codec.h"
#include "ledger/internal/append_memtable.h"
#include "ledger/internal/sha256.h"
#include "rocksdb/convenience.h"
#include "rocksdb/sst_file_writer.h"

namespace banen::storage {

namespace {

void AppendBigEndian(uint64_t value, int bytes, std::string& out) {
  for (int i = bytes - 1; i >= 0; --i) {
    out.push_back(static_cast<char>(value >> (8 * i)));
  }
}

uint64_t ReadBigEndian(std::string_view bytes) {
  uint64_t value = 0;
  for (const char byte : bytes)
    value = (value << 8) | static_cast<uint8_t>(byte);
  return value;
}

constexpr size_t kNodeKeySize = 10;

// tag seq:fixed64be: the event keys and the state headers' keys.
std::string SeqKey(char tag, uint64_t seq) {
  std::string key(1, tag);
  AppendBigEndian(seq, 8, key);
  return key;
}

// tag seq:fixed64be part:fixed32be: the parts of state checkpoints and
// deltas.
std::string PartKey(char tag, uint64_t seq, uint32_t part) {
  std::string key = SeqKey(tag, seq);
  AppendBigEndian(part, 4, key);
  return key;
}

std::optional<uint64_t> SeqOfKey(char tag, std::string_view key) {
  if (key.size() != kEventKeySize || key[0] != tag) return std::nullopt;
  return ReadBigEndian(key.substr(1));
}

}  // namespace

std::string EventKey(uint64_t seq) { return SeqKey(kEventTag, seq); }

std::string NodeKey(int level, uint64_t index) {
  std::string key(1, kNodeTag);
  AppendBigEndian(static_cast<uint64_t>(level), 1, key);
  AppendBigEndian(index, 8, key);
  return key;
}

std::optional<NodeId> NodeOfKey(std::string_view key) {
  if (key.size() != kNodeKeySize || key[0] != kNodeTag) return std::nullopt;
  return NodeId{static_cast<uint8_t>(key[1]), ReadBigEndian(key.substr(2))};
}

std::string StateHeaderKey(uint64_t seq) {
  return SeqKey(kStateHeaderTag, seq);
}

std::string StatePartKey(uint64_t seq, uint32_t part) {
  return PartKey(kStatePartTag, seq, part);
}

std::optional<uint64_t> SeqOfStateHeaderKey(std::string_view key) {
  return SeqOfKey(kStateHeaderTag, key);
}

std::string EncodeStateHeader(const StateHeader& header) {
  std::string value;
  AppendBigEndian(header.version, 4, value);
  value.append(HashBytes(header.hash));
  AppendBigEndian(header.parts, 4, value);
  AppendBigEndian(header.body_size, 8, value);
  return value;
}

std::optional<StateHeader> DecodeStateHeader(std::string_view value) {
  constexpr size_t kSize = 4 + kHashSize + 4 + 8;
  if (value.size() != kSize) return std::nullopt;
  StateHeader header;
  header.version = static_cast<uint32_t>(ReadBigEndian(value.substr(0, 4)));
  std::memcpy(header.hash.data(), value.data() + 4, kHashSize);
  header.parts =
      static_cast<uint32_t>(ReadBigEndian(value.substr(4 + kHashSize, 4)));
  header.body_size = ReadBigEndian(value.substr(8 + kHashSize, 8));
  return header;
}

std::string DeltaHeaderKey(uint64_t seq) {
  return SeqKey(kDeltaHeaderTag, seq);
}

std::string DeltaPartKey(uint64_t seq, uint32_t part) {
  return PartKey(kDeltaPartTag, seq, part);
}

std::optional<uint64_t> SeqOfDeltaHeaderKey(std::string_view key) {
  return SeqOfKey(kDeltaHeaderTag, key);
}

std::string EncodeDeltaHeader(const DeltaHeader& header) {
  std::string value;
  AppendBigEndian(header.version, 4, value);
  AppendBigEndian(header.follows, 8, value);
  value.append(HashBytes(header.hash));
  AppendBigEndian(header.parts, 4, value);
  AppendBigEndian(header.body_size, 8, value);
  value.append(HashBytes(header.body_hash));
  return value;
}

std::optional<DeltaHeader> DecodeDeltaHeader(std::string_view value) {
  constexpr size_t kSize = 4 + 8 + kHashSize + 4 + 8 + kHashSize;
  if (value.size() != kSize) return std::nullopt;
  DeltaHeader header;
  header.version = static_cast<uint32_t>(ReadBigEndian(value.substr(0, 4)));
  if (header.version != kDeltaVersion) return std::nullopt;
  header.follows = ReadBigEndian(value.substr(4, 8));
  std::memcpy(header.hash.data(), value.data() + 12, kHashSize);
  header.parts =
      static_cast<uint32_t>(ReadBigEndian(value.substr(12 + kHashSize, 4)));
  header.body_size = ReadBigEndian(value.substr(16 + kHashSize, 8));
  std::memcpy(header.body_hash.data(), value.data() + 24 + kHashSize,
              kHashSize);
  return header;
}

std::string FormatKey() { return std::string(1, kFormatTag); }

std::string EncodeFormatVersion(uint32_t version) {
  std::string value;
  AppendBigEndian(version, 4, value);
  return value;
}

std::optional<uint32_t> DecodeFormatVersion(std::string_view value) {
  if (value.size() != 4) return std::nullopt;
  return static_cast<uint32_t>(ReadBigEndian(value));
}

std::optional<uint64_t> SeqOfEventKey(std::string_view key) {
  return SeqOfKey(kEventTag, key);
}

std::string EncodeEventValue(const Hash& prev_hash, const Hash& hash,
                             std::string_view canonical) {
  std::string value;
  value.reserve(2 * kHashSize + canonical.size());
  value.append(reinterpret_cast<const char*>(hash.data()), kHashSize);
  value.append(reinterpret_cast<const char*>(prev_hash.data()), kHashSize);
  value.append(canonical);
  return value;
}

Hash EncodeChainedEvent(const Hash& prev_hash, uint64_t seq,
                        absl::Time recorded_at, const Event& event,
                        std::string_view recorded_by, std::string& value) {
  value.assign(kHashSize, '\0');
  value.append(reinterpret_cast<const char*>(prev_hash.data()), kHashSize);
  AppendCanonicalBytes(seq, recorded_at, event, recorded_by, value);
  const Hash hash = ChainHashOfValue(value);
  std::memcpy(value.data(), hash.data(), kHashSize);
  return hash;
}

Hash ChainHashOfValue(std::string_view value) {
  Hash prev_hash;
  std::memcpy(prev_hash.data(), value.data() + kHashSize, kHashSize);
  return ChainHash(prev_hash, value.substr(2 * kHashSize));
}

std::optional<EventValue> DecodeEventValue(std::string_view value) {
  if (value.size() < 2 * kHashSize) return std::nullopt;
  EventValue decoded;
  std::memcpy(decoded.hash.data(), value.data(), kHashSize);
  std::memcpy(decoded.prev_hash.data(), value.data() + kHashSize, kHashSize);
  decoded.canonical = value.substr(2 * kHashSize);
  return decoded;
}

std::string RecordPrefix(std::string_view space) {
  std::string prefix(1, kRecordTag);
  prefix.append(space);
  prefix.push_back('\0');
  return prefix;
}

rocksdb::Options StoreOptions() {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.IncreaseParallelism(2);
  options.compression = rocksdb::kLZ4Compression;
  options.write_buffer_size = 64 << 20;
  // Each open starts a new info log (LOG) and keeps the one before as
  // LOG.old.*: a server restarted daily, or in a crash loop, would gather
  // RocksDB's default of 1,000 in the store's directory.
  options.keep_log_file_num = 10;
  // The WAL replayed after a crash stays under two memtables of events.
  options.max_total_wal_size = 128 << 20;
  // The write group's leader inserts every batch of the group into the
  // memtable itself. Concurrent inserts pay off for many writers of similar
  // batches; here a group is mostly one large batch of events that the tree
  // thread's small node batch joins now and then, and that turned the
  // events' inserts into the slower concurrent kind (callgrind: 2,100
  // instructions an event more at batches of 100).
  options.allow_concurrent_memtable_write = false;
  // The default family's keys are the events', each above the last
  // (append_memtable.h). No merge operator and no in-place updates: their
  // reads would delete an iterator that memtable keeps.
  options.memtable_factory = NewAppendMemTableRepFactory();
  return options;
}

rocksdb::Status OpenStore(const rocksdb::Options& options,
                          const std::string& dir, Store& store) {
  rocksdb::ColumnFamilyOptions small_options(options);
  // About 8 bytes of nodes an event: 4 MiB flushes every half a million
  // events. max_total_wal_size (StoreOptions) flushes a family sooner when
  // its memtable alone keeps old WAL files alive.
  small_options.write_buffer_size = 4 << 20;
  // Their keys come in no order.
  small_options.memtable_factory = std::make_shared<rocksdb::SkipListFactory>();
  const std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, options},
      {kTreeColumnFamily, small_options},
      {kRecordsColumnFamily, small_options},
      {kStateColumnFamily, small_options}};
  rocksdb::DBOptions db_options(options);
  db_options.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status status =
      rocksdb::DB::Open(db_options, dir, families, &handles, &db);
  if (!status.ok()) return status;
  store.db.reset(db);
  // The default family is reached through db->DefaultColumnFamily().
  delete handles[0];
  store.tree.reset(handles[1]);
  store.records.reset(handles[2]);
  store.state.reset(handles[3]);
  return status;
}

TableIngest::TableIngest(rocksdb::DB& db, rocksdb::ColumnFamilyHandle& family,
                         std::string_view file_name, bool compressed)
    : db_(db),
      family_(family),
      path_(db.GetName() + "/" + std::string(file_name)),
      compressed_(compressed) {}

// A writer that did not finish (a failed write) leaves its file to the next
// one of its name.
TableIngest::~TableIngest() = default;

rocksdb::Status TableIngest::Open() {
  // The ingestion links the file into the store and then unlinks this
  // name; a crash in between leaves the name a link to a live table, which
  // writing here would truncate. Unlinked first, it is never written over.
  rocksdb::Env& env = *db_.GetEnv();
  if (env.FileExists(path_).ok()) {
    rocksdb::Status unlinked = env.DeleteFile(path_);
    if (!unlinked.ok()) return unlinked;
  }
  rocksdb::Options options = db_.GetOptions(&family_);
  if (!compressed_) options.compression = rocksdb::kNoCompression;
  writer_ = std::make_unique<rocksdb::SstFileWriter>(rocksdb::EnvOptions(),
                                                     options, &family_);
  return writer_->Open(path_);
}

rocksdb::Status TableIngest::Put(const rocksdb::Slice& key,
                                 const rocksdb::Slice& value) {
  if (writer_ == nullptr) {
    rocksdb::Status opened = Open();
    if (!opened.ok()) return opened;
  }
  return writer_->Put(key, value);
}

rocksdb::Status TableIngest::Finish() {
  if (writer_ == nullptr) return rocksdb::Status::OK();
  // Finish() syncs the file; the ingestion links it into the store.
  rocksdb::Status status = writer_->Finish();
  writer_.reset();
  if (!status.ok()) return status;
  rocksdb::IngestExternalFileOptions ingest;
  ingest.move_files = true;
  return db_.IngestExternalFile(&family_, {path_}, ingest);
}

rocksdb::Status IngestRecords(
    rocksdb::DB& db, rocksdb::ColumnFamilyHandle& family,
    std::string_view file_name, size_t count,
    absl::FunctionRef<std::pair<std::string, rocksdb::Slice>(size_t)> record) {
  TableIngest table(db, family, file_name, /*compressed=*/true);
  for (size_t i = 0; i < count; ++i) {
    const auto [key, value] = record(i);
    rocksdb::Status status = table.Put(key, value);
    if (!status.ok()) return status;
  }
  return table.Finish();
}

rocksdb::Status DropFilesInRanges(rocksdb::DB& db,
                                  rocksdb::ColumnFamilyHandle& family,
                                  absl::Span<const KeyRange> ranges) {
  // A synced write of nothing rather than SyncWAL(): after a failed write
  // RocksDB refuses writes with its background error, while SyncWAL() syncs
  // the failed WAL file again, where Debian's RocksDB 7.8 stops the process
  // on an assertion (power_loss_test, when a save drops its files as the
  // disk fails).
  rocksdb::WriteOptions synced;
  synced.sync = true;
  rocksdb::WriteBatch nothing;
  rocksdb::Status status = db.Write(synced, &nothing);
  if (!status.ok()) return status;
  std::vector<rocksdb::Slice> bounds;
  bounds.reserve(2 * ranges.size());
  std::vector<rocksdb::RangePtr> pointers;
  for (const KeyRange& range : ranges) {
    bounds.emplace_back(range.from);
    bounds.emplace_back(range.to);
    pointers.emplace_back(&bounds[bounds.size() - 2], &bounds.back());
  }
  return rocksdb::DeleteFilesInRanges(&db, &family, pointers.data(),
                                      pointers.size(), /*include_end=*/false);
}

}  // namespace banen::storage
