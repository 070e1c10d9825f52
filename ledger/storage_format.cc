#include "ledger/internal/storage_format.h"

#include <cstring>

#include "ledger/codec.h"

namespace banen::storage {

std::string EventKey(uint64_t seq) {
  std::string key(kEventKeySize, '\0');
  key[0] = kEventTag;
  for (int i = 0; i < 8; ++i) {
    key[1 + i] = static_cast<char>(seq >> (56 - 8 * i));
  }
  return key;
}

std::optional<uint64_t> SeqOfEventKey(std::string_view key) {
  if (key.size() != kEventKeySize || key[0] != kEventTag) return std::nullopt;
  uint64_t seq = 0;
  for (int i = 0; i < 8; ++i) {
    seq = (seq << 8) | static_cast<uint8_t>(key[1 + i]);
  }
  return seq;
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
  return options;
}

}  // namespace banen::storage
