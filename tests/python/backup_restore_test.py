#!/usr/bin/python3
"""Backups as an operator takes them: banen-ledgerd --backup-dir, banenctl
backup create|list|verify, and banen-ledgerd --restore-from into a new
directory, as processes.

Run by ctest: backup_restore_test.py --server=PATH/banen-ledgerd
              --banenctl=PATH/banenctl --proto-dir=PATH/proto
"""

import argparse
import importlib
import os
import signal
import subprocess
import sys
import tempfile
import unittest

from client_test import free_port, generate_stubs

BATCHES = 10
EVENTS_PER_BATCH = 50


class BackupRestoreTest(unittest.TestCase):
    server_path = None
    banenctl_path = None
    proto_dir = None

    def setUp(self):
        self.temp = tempfile.TemporaryDirectory(prefix="banen_backup_test_")
        generate_stubs(self.proto_dir, self.temp.name)
        global grpc, events_pb2, ledger_pb2, ledger_pb2_grpc
        grpc = importlib.import_module("grpc")
        events_pb2 = importlib.import_module("banen.v1.events_pb2")
        ledger_pb2 = importlib.import_module("banen.v1.ledger_pb2")
        ledger_pb2_grpc = importlib.import_module("banen.v1.ledger_pb2_grpc")
        self.backups = os.path.join(self.temp.name, "backups")
        self.servers = []

    def tearDown(self):
        for server in self.servers:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
        self.temp.cleanup()

    def serve(self, *flags):
        """A server on a free port with `flags`; its address, once ready."""
        address = f"127.0.0.1:{free_port()}"
        self.servers.append(subprocess.Popen(
            [self.server_path, f"--listen={address}", *flags]))
        with grpc.insecure_channel(address) as channel:
            grpc.channel_ready_future(channel).result(timeout=30)
        return address

    def head(self, address):
        with grpc.insecure_channel(address) as channel:
            stub = ledger_pb2_grpc.LedgerServiceStub(channel)
            return stub.GetHead(ledger_pb2.GetHeadRequest())

    def banenctl(self, address, *args):
        return subprocess.run(
            [self.banenctl_path, f"--server={address}", *args],
            check=True, capture_output=True, text=True).stdout

    def test_backup_listed_verified_and_restored_by_the_server(self):
        primary = self.serve(
            f"--data-dir={os.path.join(self.temp.name, 'primary')}",
            f"--backup-dir={self.backups}")
        with grpc.insecure_channel(primary) as channel:
            stub = ledger_pb2_grpc.LedgerServiceStub(channel)
            for batch in range(BATCHES):
                stub.AppendBatch(ledger_pb2.AppendRequest(events=[
                    events_pb2.Event(
                        event_id=f"b{batch}-t{index}",
                        effective_date="2024-01-01",
                        target_set=events_pb2.TargetSet(
                            sector=events_pb2.SECTOR_MARKT,
                            year=2013 + index, banen_x100=batch))
                    for index in range(EVENTS_PER_BATCH)]))
        at_backup = self.head(primary)
        self.assertEqual(at_backup.seq, BATCHES * EVENTS_PER_BATCH)
        hash_hex = at_backup.hash.hex()

        created = self.banenctl(primary, "backup", "create")
        self.assertRegex(created, rf"^backup 1  seq 500  hash {hash_hex}  ")
        listed = self.banenctl(primary, "backup", "list")
        self.assertEqual(len(listed.splitlines()), 1)
        self.assertRegex(listed, rf"^backup 1  seq 500  hash {hash_hex}  ")
        verified = self.banenctl(primary, "backup", "verify")
        self.assertRegex(verified, r"^verified: backup 1  seq 500  ")

        restored_dir = os.path.join(self.temp.name, "restored")
        restored = self.serve(f"--restore-from={self.backups}",
                              f"--data-dir={restored_dir}")
        head = self.head(restored)
        self.assertEqual(head.seq, at_backup.seq)
        self.assertEqual(head.hash, at_backup.hash)

    def test_restore_refuses_a_data_dir_that_is_not_empty(self):
        primary = self.serve(
            f"--data-dir={os.path.join(self.temp.name, 'primary')}",
            f"--backup-dir={self.backups}")
        self.banenctl(primary, "backup", "create")
        occupied = os.path.join(self.temp.name, "occupied")
        os.mkdir(occupied)
        with open(os.path.join(occupied, "keep"), "w") as keep:
            keep.write("x")
        result = subprocess.run(
            [self.server_path, f"--listen=127.0.0.1:{free_port()}",
             f"--restore-from={self.backups}", f"--data-dir={occupied}"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 1)
        self.assertIn("FAILED_PRECONDITION", result.stderr)
        self.assertIn("not empty", result.stderr)
        self.assertEqual(os.listdir(occupied), ["keep"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--banenctl", required=True)
    parser.add_argument("--proto-dir", required=True)
    args, rest = parser.parse_known_args()
    BackupRestoreTest.server_path = args.server
    BackupRestoreTest.banenctl_path = args.banenctl
    BackupRestoreTest.proto_dir = args.proto_dir
    unittest.main(argv=[sys.argv[0]] + rest)
