// The events' memtable (ledger/internal/append_memtable.h), read through
// RocksDB and compared with a store of the same writes in RocksDB's own
// skiplist memtable: the model.
#include "ledger/internal/append_memtable.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "ledger/internal/storage_format.h"
#include "rocksdb/db.h"
#include "rocksdb/memtablerep.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"
#include "tests/ledger/test_util.h"

namespace banen {
namespace {

std::string KeyOf(uint64_t n) {
  std::string key(1, 'E');
  for (int shift = 56; shift >= 0; shift -= 8) {
    key.push_back(static_cast<char>(n >> shift));
  }
  return key;
}

uint64_t NumberOf(const std::string& key) {
  uint64_t n = 0;
  for (size_t i = 1; i < key.size(); ++i) {
    n = (n << 8) | static_cast<uint8_t>(key[i]);
  }
  return n;
}

class AppendMemTableTest : public test::TempDirTest {
 protected:
  // A store whose writes stay in its memtable, of `factory`'s kind.
  std::unique_ptr<rocksdb::DB> Open(
      const std::string& name,
      std::shared_ptr<rocksdb::MemTableRepFactory> factory) {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.write_buffer_size = 256 << 20;
    options.allow_concurrent_memtable_write = false;
    options.memtable_factory = std::move(factory);
    rocksdb::DB* db = nullptr;
    EXPECT_TRUE(rocksdb::DB::Open(options, dir_ + "/" + name, &db).ok());
    return std::unique_ptr<rocksdb::DB>(db);
  }
  static rocksdb::WriteOptions NoWal() {
    rocksdb::WriteOptions options;
    options.disableWAL = true;
    return options;
  }
};

TEST_F(AppendMemTableTest, StoreOptionsAppendTheEventsToIt) {
  storage::Store store;
  ASSERT_TRUE(
      storage::OpenStore(storage::StoreOptions(), dir_ + "/store", store).ok());
  EXPECT_STREQ(store.db->GetOptions().memtable_factory->Name(),
               storage::NewAppendMemTableRepFactory()->Name());
  EXPECT_STREQ(store.db->GetOptions(store.tree.get()).memtable_factory->Name(),
               rocksdb::SkipListFactory().Name());
}

TEST_F(AppendMemTableTest, ReadsAppendedKeysInOrderBothWays) {
  const std::unique_ptr<rocksdb::DB> db =
      Open("append", storage::NewAppendMemTableRepFactory());
  constexpr uint64_t kKeys = 5000;
  for (uint64_t n = 1; n <= kKeys; ++n) {
    ASSERT_TRUE(db->Put(NoWal(), KeyOf(n), std::to_string(n)).ok());
  }
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator({}));
  uint64_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ASSERT_EQ(it->key().ToString(), KeyOf(++n));
  }
  EXPECT_EQ(n, kKeys);
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    ASSERT_EQ(it->value().ToString(), std::to_string(n--));
  }
  EXPECT_EQ(n, 0u);
  std::string value;
  ASSERT_TRUE(db->Get({}, KeyOf(1234), &value).ok());
  EXPECT_EQ(value, "1234");
  EXPECT_TRUE(db->Get({}, KeyOf(kKeys + 1), &value).IsNotFound());
}

// Writes mostly each above the last, as appends are, but also below it,
// over a key held (a newer version sorts before the older one) and
// deletions, then reads both stores by every kind of seek and step, and
// once more after a flush has read the memtables into tables.
TEST_F(AppendMemTableTest, MergesKeysOutOfOrderAsTheSkiplistDoes) {
  const std::unique_ptr<rocksdb::DB> db =
      Open("append", storage::NewAppendMemTableRepFactory());
  const std::unique_ptr<rocksdb::DB> model =
      Open("model", std::make_shared<rocksdb::SkipListFactory>());
  std::mt19937_64 random(15);
  uint64_t next = 1000;
  for (int batch = 0; batch < 300; ++batch) {
    rocksdb::WriteBatch writes;
    const int size = 1 + random() % 20;
    for (int i = 0; i < size; ++i) {
      const int kind = random() % 100;
      uint64_t n = next;
      if (kind < 80) {
        next += 1 + random() % 3;
      } else {
        n = random() % (next + 10);  // anywhere, also above the last
      }
      if (kind >= 95) {
        writes.Delete(KeyOf(n));
      } else {
        writes.Put(KeyOf(n),
                   "v" + std::to_string(batch) + "." + std::to_string(i));
      }
    }
    rocksdb::WriteBatch copy = writes;
    ASSERT_TRUE(db->Write(NoWal(), &writes).ok());
    ASSERT_TRUE(model->Write(NoWal(), &copy).ok());
  }

  const auto same = [](rocksdb::Iterator& got, rocksdb::Iterator& want) {
    ASSERT_EQ(got.Valid(), want.Valid());
    if (!want.Valid()) return;
    ASSERT_EQ(got.key().ToString(), want.key().ToString());
    ASSERT_EQ(got.value().ToString(), want.value().ToString());
  };
  for (int round = 0; round < 2; ++round) {
    std::unique_ptr<rocksdb::Iterator> got(db->NewIterator({}));
    std::unique_ptr<rocksdb::Iterator> want(model->NewIterator({}));
    for (int op = 0; op < 3000; ++op) {
      const std::string target = KeyOf(random() % (next + 10));
      switch (random() % 6) {
        case 0:
          got->Seek(target);
          want->Seek(target);
          break;
        case 1:
          got->SeekForPrev(target);
          want->SeekForPrev(target);
          break;
        case 2:
          got->SeekToFirst();
          want->SeekToFirst();
          break;
        case 3:
          got->SeekToLast();
          want->SeekToLast();
          break;
        default:
          // A walk, turning at random.
          for (int step = 0; step < 20 && want->Valid(); ++step) {
            if (random() % 3 == 0) {
              got->Prev();
              want->Prev();
            } else {
              got->Next();
              want->Next();
            }
            ASSERT_NO_FATAL_FAILURE(same(*got, *want));
          }
      }
      ASSERT_NO_FATAL_FAILURE(same(*got, *want)) << "op " << op;
      std::string got_value;
      std::string want_value;
      const rocksdb::Status got_status = db->Get({}, target, &got_value);
      const rocksdb::Status want_status = model->Get({}, target, &want_value);
      ASSERT_EQ(got_status.code(), want_status.code());
      ASSERT_EQ(got_value, want_value);
    }
    got.reset();
    want.reset();
    ASSERT_TRUE(db->Flush({}).ok());
    ASSERT_TRUE(model->Flush({}).ok());
  }
}

// Entries as a memtable holds them: a one-byte length, then the key.
std::string EntryOf(const std::string& key) {
  return std::string(1, static_cast<char>(key.size())) + key;
}

class EntryCompare final : public rocksdb::MemTableRep::KeyComparator {
 public:
  int operator()(const char* a, const char* b) const override {
    return decode_key(a).compare(decode_key(b));
  }
  int operator()(const char* a, const rocksdb::Slice& key) const override {
    return decode_key(a).compare(key);
  }
};

// The side skiplist's part: an iterator over sorted entries.
class VectorIterator final : public rocksdb::MemTableRep::Iterator {
 public:
  VectorIterator(const std::vector<const char*>& entries,
                 const EntryCompare& compare)
      : entries_(entries), compare_(compare) {}
  bool Valid() const override { return at_ >= 0 && at_ < Size(); }
  const char* key() const override { return entries_[at_]; }
  void Next() override { ++at_; }
  void Prev() override { --at_; }
  void Seek(const rocksdb::Slice& key, const char* entry) override {
    at_ = 0;
    while (at_ < Size() && Order(at_, key, entry) < 0) ++at_;
  }
  void SeekForPrev(const rocksdb::Slice& key, const char* entry) override {
    at_ = Size() - 1;
    while (at_ >= 0 && Order(at_, key, entry) > 0) --at_;
  }
  void SeekToFirst() override { at_ = 0; }
  void SeekToLast() override { at_ = Size() - 1; }

 private:
  int Size() const { return static_cast<int>(entries_.size()); }
  int Order(int i, const rocksdb::Slice& key, const char* entry) const {
    return entry != nullptr ? compare_(entries_[i], entry)
                            : compare_(entries_[i], key);
  }
  const std::vector<const char*>& entries_;
  const EntryCompare& compare_;
  int at_ = -1;
};

// The merge itself, against the sorted union of its two sources, by every
// move a memtable iterator makes, turning at random: RocksDB's own
// iterators above a memtable's correct some misreads (a turn that left the
// other source's cursor ahead), so the test above cannot see them.
TEST(AppendMemTableMerge, ReadsTheUnionOfBothSourcesInOrder) {
  const EntryCompare compare;
  std::mt19937_64 random(38);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string> appended_entries;
    std::vector<std::string> side_entries;
    std::vector<std::string> all;
    for (int n = 0; n < 60; n += 1 + random() % 3) {
      const std::string entry = EntryOf(KeyOf(2 * n));  // odd keys: absent
      (random() % 4 == 0 ? side_entries : appended_entries).push_back(entry);
      all.push_back(entry);
    }
    const auto pointers = [](const std::vector<std::string>& entries) {
      std::vector<const char*> out;
      for (const std::string& entry : entries) out.push_back(entry.data());
      return out;
    };
    const std::vector<const char*> appended = pointers(appended_entries);
    const std::vector<const char*> side = pointers(side_entries);
    std::unique_ptr<rocksdb::MemTableRep::Iterator> merged =
        storage::NewMergedIteratorForTest(
            compare, appended,
            side.empty() ? nullptr
                         : std::make_unique<VectorIterator>(side, compare));
    int at = -1;  // the model's position in `all`; -1 or all.size(): none
    const int size = static_cast<int>(all.size());
    for (int op = 0; op < 200; ++op) {
      const std::string target = KeyOf(random() % 125);
      const std::string target_entry = EntryOf(target);
      const bool by_entry = random() % 2 == 0;
      switch (random() % 6) {
        case 0:
          merged->Seek(target, by_entry ? target_entry.data() : nullptr);
          at = 0;
          while (at < size && compare(all[at].data(), target) < 0) ++at;
          break;
        case 1:
          merged->SeekForPrev(target, by_entry ? target_entry.data() : nullptr);
          at = size - 1;
          while (at >= 0 && compare(all[at].data(), target) > 0) --at;
          break;
        case 2:
          merged->SeekToFirst();
          at = 0;
          break;
        case 3:
          merged->SeekToLast();
          at = size - 1;
          break;
        default:
          if (at < 0 || at >= size) break;
          if (random() % 2 == 0) {
            merged->Next();
            ++at;
          } else {
            merged->Prev();
            --at;
          }
      }
      const bool valid = at >= 0 && at < size;
      ASSERT_EQ(merged->Valid(), valid) << "round " << round << " op " << op;
      if (valid) {
        ASSERT_EQ(std::string(merged->key(), 1 + merged->key()[0]), all[at])
            << "round " << round << " op " << op;
      }
    }
  }
}

// One thread appends while others read: each reader sees the keys in order
// and none missing up to the last it sees, and gets it (run under TSan
// too; ASan's leak check covers the iterators RocksDB does not free).
TEST_F(AppendMemTableTest, ServesReadersWhileAppending) {
  const std::unique_ptr<rocksdb::DB> db =
      Open("append", storage::NewAppendMemTableRepFactory());
  constexpr uint64_t kKeys = 20000;
  std::atomic<bool> done = false;
  std::thread writer([&] {
    for (uint64_t n = 1; n <= kKeys; n += 10) {
      rocksdb::WriteBatch batch;
      for (uint64_t k = n; k < n + 10; ++k) batch.Put(KeyOf(k), "v");
      ASSERT_TRUE(db->Write(NoWal(), &batch).ok());
    }
    done = true;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (!done) {
        std::unique_ptr<rocksdb::Iterator> it(db->NewIterator({}));
        it->SeekToLast();
        if (!it->Valid()) continue;
        const uint64_t last = NumberOf(it->key().ToString());
        std::string value;
        ASSERT_TRUE(db->Get({}, KeyOf(last), &value).ok());
        ASSERT_EQ(value, "v");
        for (uint64_t n = last; n >= 1; --n, it->Prev()) {
          ASSERT_TRUE(it->Valid());
          ASSERT_EQ(it->key().ToString(), KeyOf(n));
        }
        ASSERT_FALSE(it->Valid());
        uint64_t n = 0;
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
          ASSERT_EQ(it->key().ToString(), KeyOf(++n));
        }
        ASSERT_GE(n, last);
      }
    });
  }
  writer.join();
  for (std::thread& reader : readers) reader.join();
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator({}));
  uint64_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  EXPECT_EQ(n, kKeys);
}

}  // namespace
}  // namespace banen
