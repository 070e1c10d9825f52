// Signed notes (C2SP signed-note, https://c2sp.org/signed-note) with Ed25519
// keys, and the ledger's checkpoint body (C2SP tlog-checkpoint,
// https://c2sp.org/tlog-checkpoint), byte for byte as Go's
// golang.org/x/mod/sumdb/note writes and reads them, so that tools written
// for the Go checksum database and for tlog witnesses read our signed heads.
// Pure functions: no I/O (key generation reads the system's entropy).
//
// Keys, in the note text formats:
//   signer key    PRIVATE+KEY+<name>+<key id>+<base64(0x01 || seed)>
//   verifier key  <name>+<key id>+<base64(0x01 || public key)>
// <name> is non-empty UTF-8 without spaces (Unicode White_Space) and '+';
// <key id> is 8 lowercase hex digits: the first 4 bytes, big-endian, of
// SHA-256(name || "\n" || 0x01 || public key). 0x01 names Ed25519.
//
// A signed note is its text (ending in "\n"), a blank line, and signature
// lines "— <name> <base64(key id (4 bytes, big-endian) || signature)>\n",
// where the Ed25519 signature covers the text including its final newline.
//
// The checkpoint body (tlog-checkpoint with two extension lines):
//   <origin>\n                       the log's origin: the signer key's name
//   <tree size>\n                    decimal, no sign, no leading zeros
//   <base64 Merkle root>\n           RFC 9162 root of seqs 1..tree size
//   chain-hash <base64 hash>\n       the hash chain at seq tree size
//   recorded-at <RFC 3339 time>\n    when seq tree size was recorded, UTC,
//                                    microseconds: 2024-01-31T09:00:00.000001Z
// base64 is RFC 4648 §4, padded.
//
// Errors: INVALID_ARGUMENT for a malformed key, note or body, naming what is
// wrong (never quoting a signer key); NOT_FOUND when a note carries no
// signature by the verifier's key (unknown key); DATA_LOSS when it does and
// the signature does not verify (the text or the signature was altered).
#ifndef BANEN_LEDGER_SIGNED_NOTE_H_
#define BANEN_LEDGER_SIGNED_NOTE_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/event.h"

namespace banen {

// Signs notes with one Ed25519 key. Holds the secret key, which it wipes on
// destruction; copyable so a server can hand it to the services that sign.
class NoteSigner {
 public:
  // A new random key named `name`. INVALID_ARGUMENT for an invalid name.
  static absl::StatusOr<NoteSigner> Generate(std::string_view name);
  // From an encoded signer key. INVALID_ARGUMENT when it is malformed, of
  // another algorithm, or its key id does not match its key.
  static absl::StatusOr<NoteSigner> FromKey(std::string_view signer_key);

  NoteSigner(const NoteSigner& other) = default;
  NoteSigner& operator=(const NoteSigner& other) = default;
  ~NoteSigner();

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  // The encoded signer key (secret) and verifier key (public).
  std::string SignerKey() const;
  std::string VerifierKey() const;

  // `text` followed by a blank line and this key's signature line.
  // INVALID_ARGUMENT when `text` is not a note text: empty, not ending in a
  // newline, not UTF-8, or with control characters other than newline.
  absl::StatusOr<std::string> Sign(std::string_view text) const;

 private:
  NoteSigner() = default;

  std::string name_;
  uint32_t key_id_ = 0;
  std::array<uint8_t, 64> secret_key_{};  // libsodium's: seed || public key
  std::array<uint8_t, 32> public_key_{};
};

// Verifies notes against one Ed25519 verifier key.
class NoteVerifier {
 public:
  // From an encoded verifier key. INVALID_ARGUMENT when it is malformed, of
  // another algorithm, or its key id does not match its key.
  static absl::StatusOr<NoteVerifier> FromKey(std::string_view verifier_key);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }

  // The text of `note` (up to and including its final newline, without the
  // blank line) when it is well formed and signed by this key. Signature
  // lines of other keys are skipped, as Go's note.Open does, but must be
  // well formed. Errors as in the file comment.
  absl::StatusOr<std::string> Open(std::string_view note) const;

 private:
  NoteVerifier() = default;

  std::string name_;
  uint32_t key_id_ = 0;
  std::array<uint8_t, 32> public_key_{};
};

// A signed head's contents: the checkpoint body of the file comment.
struct Checkpoint {
  std::string origin;
  uint64_t tree_size = 0;
  Hash root{};
  Hash chain_hash{};
  absl::Time recorded_at = absl::UnixEpoch();
  bool operator==(const Checkpoint&) const = default;
};

// The body. INVALID_ARGUMENT when the origin is not a valid key name.
absl::StatusOr<std::string> CheckpointBody(const Checkpoint& checkpoint);
// The inverse: INVALID_ARGUMENT, naming the line, unless `body` is exactly
// what CheckpointBody writes for some checkpoint.
absl::StatusOr<Checkpoint> ParseCheckpointBody(std::string_view body);

// Signs the checkpoint's body; the origin must be the signer's name
// (INVALID_ARGUMENT otherwise).
absl::StatusOr<std::string> SignCheckpoint(const Checkpoint& checkpoint,
                                           const NoteSigner& signer);
// Opens a signed checkpoint with `verifier` and parses its body, whose origin
// must be the verifier's name (INVALID_ARGUMENT otherwise).
absl::StatusOr<Checkpoint> OpenCheckpoint(std::string_view note,
                                          const NoteVerifier& verifier);

}  // namespace banen

#endif  // BANEN_LEDGER_SIGNED_NOTE_H_
