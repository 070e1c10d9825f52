#!/usr/bin/python3
"""An auditor's verifier that shares no code with the ledger.

Everything that decides whether the server told the truth is written here,
from the texts alone: the hash chain and the Merkle hashing of
docs/CHAIN_FORMAT.md and RFC 9162 §2.1 with `hashlib`, the proofs'
verification algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2, and the C2SP
signed-note and tlog-checkpoint formats with Debian's python3-nacl (Ed25519).
The only things taken from the project are its .proto contract (stubs made
with Debian's protoc), the server under test, and client_test.py's helpers
that start and stop it.

The test makes its own Ed25519 key with nacl and writes it in the note
signer-key format, so the server is also shown to read a key it did not
make. It starts banen-ledgerd on a loopback port in the open mode with that
key, appends a few batches, and then checks, against the running server:
every event's chain hash from its stored canonical bytes, that those bytes
decode to the event shown, the signed heads' signatures and roots, inclusion
proofs of every event in several trees and consistency proofs between every
pair of those trees; and that each check rejects a tampered answer.

Run by ctest: verify_test.py --server=PATH/banen-ledgerd --proto-dir=PATH/proto
"""

import argparse
import base64
import hashlib
import importlib
import os
import subprocess
import sys
import tempfile
import unittest

import nacl.exceptions
import nacl.signing

# Starting and stopping the server under test only: nothing that verifies.
from client_test import free_port, generate_stubs, stop_server

PROTOS = ["banen/v1/events.proto", "banen/v1/ledger.proto",
          "banen/v1/audit.proto"]
ORIGIN = "verify-test.example/banen-ledger"
ZERO_HASH = bytes(32)
BATCH_SIZES = [1, 2, 5, 8, 3, 13, 1, 7]  # 40 events, groups of odd sizes


def sha256(data):
    return hashlib.sha256(data).digest()


# RFC 9162 §2.1.1: the Merkle tree hash.
def leaf_hash(leaf):
    return sha256(b"\x00" + leaf)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def merkle_root(leaves):
    if not leaves:
        return sha256(b"")
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    return node_hash(merkle_root(leaves[:split]), merkle_root(leaves[split:]))


class ProofError(Exception):
    pass


def verify_inclusion(leaf_index, tree_size, leaf, path, root):
    """RFC 9162 §2.1.3.2, step by step."""
    if leaf_index >= tree_size:
        raise ProofError("leaf index outside the tree")
    fn, sn = leaf_index, tree_size - 1
    r = leaf_hash(leaf)
    for p in path:
        if sn == 0:
            raise ProofError("path longer than the tree is high")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("path shorter than the tree is high")
    if r != root:
        raise ProofError("path does not lead to the root")


def verify_consistency(first_size, second_size, first_root, second_root,
                       proof):
    """RFC 9162 §2.1.4.2, step by step."""
    if first_size == 0 or first_size > second_size:
        raise ProofError("sizes cannot be consistent")
    if first_size == second_size:
        if proof:
            raise ProofError("proof between equal trees must be empty")
        if first_root != second_root:
            raise ProofError("equal trees with different roots")
        return
    if not proof:
        raise ProofError("empty proof between different trees")
    if first_size & (first_size - 1) == 0:
        proof = [first_root] + list(proof)
    fn, sn = first_size - 1, second_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            raise ProofError("proof longer than the tree is high")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof shorter than the tree is high")
    if fr != first_root:
        raise ProofError("proof does not lead to the first root")
    if sr != second_root:
        raise ProofError("proof does not lead to the second root")


# C2SP signed-note: key ids, signer and verifier keys, signatures.
def key_id(name, public_key):
    return sha256(name.encode() + b"\n\x01" + public_key)[:4]


def verifier_key_text(name, public_key):
    return "%s+%s+%s" % (name, key_id(name, public_key).hex(),
                         base64.b64encode(b"\x01" + public_key).decode())


def signer_key_text(name, signing_key):
    public_key = bytes(signing_key.verify_key)
    return "PRIVATE+KEY+%s+%s+%s" % (
        name, key_id(name, public_key).hex(),
        base64.b64encode(b"\x01" + bytes(signing_key)).decode())


def open_note(note, verifier_key):
    """The body of `note` if `verifier_key` (note text form) signed it."""
    # The base64 of the key may itself hold '+'.
    name, id_hex, key_b64 = verifier_key.split("+", 2)
    key = base64.b64decode(key_b64)
    if key[0] != 1 or len(key) != 33:
        raise ProofError("not an Ed25519 verifier key")
    separator = note.rfind("\n\n")
    if separator < 0 or not note.endswith("\n"):
        raise ProofError("no signature block")
    body = note[:separator + 1]
    for line in note[separator + 2:-1].split("\n"):
        if not line.startswith("\u2014 "):
            raise ProofError("malformed signature line")
        signer, signature_b64 = line[2:].split(" ")
        signature = base64.b64decode(signature_b64)
        if signer != name or signature[:4].hex() != id_hex:
            continue
        try:
            nacl.signing.VerifyKey(key[1:]).verify(body.encode(),
                                                   signature[4:])
        except nacl.exceptions.BadSignatureError:
            raise ProofError("bad signature")
        return body
    raise ProofError("not signed by the key")


def parse_checkpoint(body):
    """tlog-checkpoint: origin, size, base64 root, extension lines."""
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise ProofError("checkpoint too short")
    return {"origin": lines[0], "size": int(lines[1]),
            "root": base64.b64decode(lines[2]), "extensions": lines[3:]}


class IndependentVerifierTest(unittest.TestCase):
    server_path = None
    proto_dir = None

    @classmethod
    def setUpClass(cls):
        cls.temp = tempfile.TemporaryDirectory(prefix="banen_verify_test_")
        generate_stubs(cls.proto_dir, cls.temp.name, PROTOS)
        global grpc, events_pb2, ledger_pb2, ledger_pb2_grpc
        global audit_pb2, audit_pb2_grpc
        grpc = importlib.import_module("grpc")
        events_pb2 = importlib.import_module("banen.v1.events_pb2")
        ledger_pb2 = importlib.import_module("banen.v1.ledger_pb2")
        ledger_pb2_grpc = importlib.import_module("banen.v1.ledger_pb2_grpc")
        audit_pb2 = importlib.import_module("banen.v1.audit_pb2")
        audit_pb2_grpc = importlib.import_module("banen.v1.audit_pb2_grpc")

        cls.signing_key = nacl.signing.SigningKey.generate()
        cls.verifier_key = verifier_key_text(
            ORIGIN, bytes(cls.signing_key.verify_key))
        key_file = os.path.join(cls.temp.name, "signing.key")
        with open(os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600),
                  "w") as out:
            out.write(signer_key_text(ORIGIN, cls.signing_key) + "\n")

        address = f"127.0.0.1:{free_port()}"
        cls.server = subprocess.Popen(
            [cls.server_path, f"--listen={address}",
             f"--data-dir={os.path.join(cls.temp.name, 'data')}",
             f"--signing-key={key_file}"])
        cls.channel = grpc.insecure_channel(address)
        grpc.channel_ready_future(cls.channel).result(timeout=30)
        cls.ledger = ledger_pb2_grpc.LedgerServiceStub(cls.channel)
        cls.audit = audit_pb2_grpc.AuditServiceStub(cls.channel)
        for ack in cls.ledger.Append(iter(cls.batches())):
            if ack.HasField("error"):
                raise AssertionError(f"batch {ack.batch_id}: {ack.error}")
        cls.events = list(cls.ledger.ReadEvents(ledger_pb2.ReadEventsRequest()))
        cls.leaves = [stored.canonical_bytes for stored in cls.events]
        cls.sizes = [1, 2, 3, 4, 7, 8, 9, 16, 17, 31, len(cls.leaves)]

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        stop_server(cls.server, cls.temp)

    @staticmethod
    def batches():
        """An employer, then persons each hired in the same batch."""
        yield ledger_pb2.AppendRequest(batch_id="employer", events=[
            events_pb2.Event(
                event_id="verify-employer", effective_date="2024-01-01",
                employer_registered=events_pb2.EmployerRegistered(
                    employer_id="emp-verify", name="Gemeente Verify",
                    sector=events_pb2.SECTOR_GEMEENTEN))])
        person = 0
        for batch, size in enumerate(BATCH_SIZES[1:]):
            events = []
            while len(events) < size:
                ref = f"person-verify-{person:04d}"
                events.append(events_pb2.Event(
                    event_id=f"verify-person-{person}",
                    effective_date="2024-01-01",
                    person_registered=events_pb2.PersonRegistered(
                        person_ref=ref)))
                if len(events) < size:
                    events.append(events_pb2.Event(
                        event_id=f"verify-hire-{person}",
                        effective_date="2024-02-01",
                        job_started=events_pb2.JobStarted(
                            job_id=f"job-verify-{person}",
                            employer_id="emp-verify", person_ref=ref,
                            form=events_pb2.CONTRACT_FORM_VAST,
                            hours_per_week_x100=2550 + person)))
                person += 1
            yield ledger_pb2.AppendRequest(batch_id=f"batch-{batch}",
                                           events=events)

    def signed_root(self, tree_size):
        head = self.audit.GetSignedHead(
            audit_pb2.GetSignedHeadRequest(tree_size=tree_size))
        checkpoint = parse_checkpoint(
            open_note(head.checkpoint, self.verifier_key))
        self.assertEqual(checkpoint["origin"], ORIGIN)
        self.assertEqual(checkpoint["size"], tree_size)
        return checkpoint

    def test_chain_recomputed_from_the_stored_canonical_bytes(self):
        self.assertEqual(len(self.events), sum(BATCH_SIZES))
        previous = ZERO_HASH
        for stored in self.events:
            self.assertEqual(stored.prev_hash, previous, f"seq {stored.seq}")
            self.assertEqual(stored.hash,
                             sha256(previous + stored.canonical_bytes),
                             f"seq {stored.seq}")
            previous = stored.hash
        head = self.ledger.GetHead(ledger_pb2.GetHeadRequest())
        self.assertEqual(head.hash, previous)

    def test_canonical_bytes_decode_to_the_event_shown(self):
        for stored in self.events:
            decoded = events_pb2.StoredEvent.FromString(stored.canonical_bytes)
            self.assertEqual(decoded.seq, stored.seq)
            self.assertEqual(decoded.recorded_at, stored.recorded_at)
            self.assertEqual(decoded.event, stored.event)
            self.assertEqual(decoded.recorded_by, stored.recorded_by)
            self.assertEqual(decoded.prev_hash, b"")
            self.assertEqual(decoded.hash, b"")

    def test_signed_heads_carry_the_root_of_the_events(self):
        for size in self.sizes:
            checkpoint = self.signed_root(size)
            self.assertEqual(checkpoint["root"],
                             merkle_root(self.leaves[:size]), f"size {size}")
            chain_hash = base64.b64encode(self.events[size - 1].hash).decode()
            self.assertTrue(
                any(line.endswith(" " + chain_hash)
                    for line in checkpoint["extensions"]),
                f"size {size}: no extension line with the chain hash")

    def test_head_signed_with_another_key_is_rejected(self):
        head = self.audit.GetSignedHead(audit_pb2.GetSignedHeadRequest())
        stranger = nacl.signing.SigningKey.generate()
        with self.assertRaisesRegex(ProofError, "not signed by the key"):
            open_note(head.checkpoint,
                      verifier_key_text(ORIGIN, bytes(stranger.verify_key)))
        # The same name and key id but another key: the signature fails.
        forged = verifier_key_text(ORIGIN, bytes(stranger.verify_key))
        name, _, key = forged.split("+", 2)
        same_id = "+".join([name, key_id(
            ORIGIN, bytes(self.signing_key.verify_key)).hex(), key])
        with self.assertRaisesRegex(ProofError, "bad signature"):
            open_note(head.checkpoint, same_id)

    def test_checkpoint_with_a_changed_root_is_rejected(self):
        head = self.audit.GetSignedHead(audit_pb2.GetSignedHeadRequest())
        lines = head.checkpoint.split("\n")
        lines[2] = base64.b64encode(sha256(b"another root")).decode()
        with self.assertRaisesRegex(ProofError, "bad signature"):
            open_note("\n".join(lines), self.verifier_key)

    def test_every_event_is_included_in_every_tree_that_holds_it(self):
        for size in self.sizes:
            root = self.signed_root(size)["root"]
            for seq in range(1, size + 1):
                proof = self.audit.GetInclusionProof(
                    audit_pb2.GetInclusionProofRequest(seq=seq,
                                                       tree_size=size))
                self.assertEqual(proof.canonical_bytes, self.leaves[seq - 1])
                verify_inclusion(seq - 1, size, proof.canonical_bytes,
                                 list(proof.path), root)

    def test_inclusion_proof_with_a_wrong_sibling_or_leaf_is_rejected(self):
        size = len(self.leaves)
        root = self.signed_root(size)["root"]
        proof = self.audit.GetInclusionProof(
            audit_pb2.GetInclusionProofRequest(seq=5, tree_size=size))
        path = list(proof.path)
        path[1] = sha256(b"wrong sibling")
        with self.assertRaisesRegex(ProofError, "does not lead to the root"):
            verify_inclusion(4, size, proof.canonical_bytes, path, root)
        with self.assertRaisesRegex(ProofError, "does not lead to the root"):
            verify_inclusion(4, size, self.leaves[5], list(proof.path), root)
        with self.assertRaisesRegex(ProofError, "shorter"):
            verify_inclusion(4, size, proof.canonical_bytes,
                             list(proof.path)[:-1], root)

    def test_every_tree_is_consistent_with_every_later_one(self):
        roots = {size: self.signed_root(size)["root"] for size in self.sizes}
        for first in self.sizes:
            for second in self.sizes:
                if first > second:
                    continue
                proof = self.audit.GetConsistencyProof(
                    audit_pb2.GetConsistencyProofRequest(
                        first_size=first, second_size=second))
                verify_consistency(first, second, roots[first], roots[second],
                                   list(proof.path))

    def test_consistency_from_a_tree_that_is_not_a_prefix_is_rejected(self):
        size = len(self.leaves)
        proof = self.audit.GetConsistencyProof(
            audit_pb2.GetConsistencyProofRequest(first_size=7,
                                                 second_size=size))
        # A history that differs in its 3rd event has another 7-event root.
        altered = list(self.leaves[:7])
        altered[2] = altered[2] + b"\x00"
        with self.assertRaisesRegex(ProofError, "first root"):
            verify_consistency(7, size, merkle_root(altered),
                               self.signed_root(size)["root"],
                               list(proof.path))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--proto-dir", required=True)
    args, rest = parser.parse_known_args()
    IndependentVerifierTest.server_path = args.server
    IndependentVerifierTest.proto_dir = args.proto_dir
    unittest.main(argv=[sys.argv[0], *rest])
