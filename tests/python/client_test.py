#!/usr/bin/python3
"""A client that is not C++: Debian's python3-grpcio against banen-ledgerd.

Generates Python stubs from the project's proto with Debian's protoc and
grpc_python_plugin into a temporary directory, makes a throw-away CA and
server certificate (make_test_certs), starts the built server with TLS on a
free loopback port with a temporary data directory and an auth config
naming the test's principal by its token's SHA-256, and, over TLS with that
bearer token on every call, streams events, reads the realisation table, and
recomputes the hash chain without trusting the server.

Run by ctest: client_test.py --server=PATH/banen-ledgerd --proto-dir=PATH/proto
                             --certs=PATH/make_test_certs
"""

import argparse
import hashlib
import importlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import unittest

PROTOS = ["banen/v1/events.proto", "banen/v1/ledger.proto",
          "banen/v1/quota.proto", "banen/v1/realisation.proto",
          "banen/v1/snapshot.proto"]
ZERO_HASH = bytes(32)
PERSON = "person-ref-python-0000001"
# The server's auth config names PRINCIPAL by this token's SHA-256.
TOKEN = "python-client-test-token"
PRINCIPAL = "python-client"


def generate_stubs(proto_dir, out_dir, protos=PROTOS):
    subprocess.run(
        ["protoc", f"-I{proto_dir}", f"--python_out={out_dir}",
         f"--grpc_python_out={out_dir}",
         "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin",
         *protos],
        check=True, cwd=proto_dir)
    sys.path.insert(0, out_dir)


def stop_server(server, temp):
    """SIGTERMs banen-ledgerd, removes `temp`, and fails unless the server
    exited cleanly."""
    server.send_signal(signal.SIGTERM)
    exit_code = server.wait(timeout=30)
    temp.cleanup()
    if exit_code != 0:
        raise AssertionError(f"banen-ledgerd exited with {exit_code}")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LedgerClientTest(unittest.TestCase):
    server_path = None
    proto_dir = None
    certs_path = None

    @classmethod
    def setUpClass(cls):
        cls.temp = tempfile.TemporaryDirectory(prefix="banen_python_test_")
        generate_stubs(cls.proto_dir, cls.temp.name)
        global grpc, events_pb2, ledger_pb2, ledger_pb2_grpc
        global realisation_pb2, realisation_pb2_grpc
        grpc = importlib.import_module("grpc")
        events_pb2 = importlib.import_module("banen.v1.events_pb2")
        ledger_pb2 = importlib.import_module("banen.v1.ledger_pb2")
        ledger_pb2_grpc = importlib.import_module("banen.v1.ledger_pb2_grpc")
        realisation_pb2 = importlib.import_module("banen.v1.realisation_pb2")
        realisation_pb2_grpc = importlib.import_module(
            "banen.v1.realisation_pb2_grpc")

        pki = os.path.join(cls.temp.name, "pki")
        os.mkdir(pki)
        subprocess.run([cls.certs_path, pki, "python-client"], check=True)
        with open(os.path.join(pki, "ca.pem"), "rb") as ca:
            cls.ca_pem = ca.read()

        auth_config = os.path.join(cls.temp.name, "auth.textproto")
        with open(auth_config, "w") as config:
            digest = hashlib.sha256(TOKEN.encode()).hexdigest()
            config.write(f'principals {{ id: "{PRINCIPAL}" role: ROLE_ADMIN '
                         f'token_sha256: "{digest}" }}\n')

        cls.address = f"127.0.0.1:{free_port()}"
        cls.server = subprocess.Popen(
            [cls.server_path, f"--listen={cls.address}",
             f"--data-dir={os.path.join(cls.temp.name, 'data')}",
             f"--tls-cert={os.path.join(pki, 'server.pem')}",
             f"--tls-key={os.path.join(pki, 'server.key')}",
             f"--auth-config={auth_config}"])
        # The token rides on the TLS channel as "authorization: Bearer ...".
        cls.channel = grpc.secure_channel(
            cls.address, grpc.composite_channel_credentials(
                grpc.ssl_channel_credentials(root_certificates=cls.ca_pem),
                grpc.access_token_call_credentials(TOKEN)))
        grpc.channel_ready_future(cls.channel).result(timeout=30)
        cls.ledger = ledger_pb2_grpc.LedgerServiceStub(cls.channel)
        cls.realisation = realisation_pb2_grpc.RealisationServiceStub(
            cls.channel)
        cls.acks = list(cls.ledger.Append(iter(cls.batches())))

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        stop_server(cls.server, cls.temp)

    @staticmethod
    def batches():
        """Three batches: a hire, a rejected batch, then an hours change."""
        employer = events_pb2.Event(
            event_id="py-employer", effective_date="2024-01-01",
            employer_registered=events_pb2.EmployerRegistered(
                employer_id="emp-py", name="Gemeente Python",
                sector=events_pb2.SECTOR_GEMEENTEN))
        person = events_pb2.Event(
            event_id="py-person", effective_date="2024-01-01",
            person_registered=events_pb2.PersonRegistered(person_ref=PERSON))
        hire = events_pb2.Event(
            event_id="py-hire", effective_date="2024-02-01",
            job_started=events_pb2.JobStarted(
                job_id="job-py", employer_id="emp-py", person_ref=PERSON,
                form=events_pb2.CONTRACT_FORM_VAST, hours_per_week_x100=2550))
        too_many_hours = events_pb2.Event(
            event_id="py-bad", effective_date="2024-03-01",
            hours_changed=events_pb2.HoursChanged(
                job_id="job-py", hours_per_week_x100=9000))
        more_hours = events_pb2.Event(
            event_id="py-hours", effective_date="2024-03-01",
            hours_changed=events_pb2.HoursChanged(
                job_id="job-py", hours_per_week_x100=3825))
        return [
            ledger_pb2.AppendRequest(batch_id="hire",
                                     events=[employer, person, hire]),
            ledger_pb2.AppendRequest(batch_id="bad", events=[too_many_hours]),
            ledger_pb2.AppendRequest(batch_id="hours", events=[more_hours]),
        ]

    def test_stream_acknowledges_every_batch_in_order(self):
        self.assertEqual([ack.batch_id for ack in self.acks],
                         ["hire", "bad", "hours"])
        self.assertEqual(list(self.acks[0].seqs), [1, 2, 3])
        self.assertEqual(list(self.acks[2].seqs), [4])

    def test_rejected_batch_names_event_field_and_code(self):
        error = self.acks[1].error
        self.assertEqual(error.code, grpc.StatusCode.INVALID_ARGUMENT.value[0])
        self.assertEqual(error.event_index, 0)
        self.assertEqual(error.field, "hours_changed.hours_per_week_x100")
        self.assertEqual(list(self.acks[1].seqs), [])

    def test_realisation_table_counts_the_hours(self):
        table = self.realisation.GetRealisation(
            realisation_pb2.RealisationRequest(
                sectors=[events_pb2.SECTOR_GEMEENTEN],
                from_quarter="2024Q1"))
        self.assertEqual(len(table.rows), 1)
        row = table.rows[0]
        self.assertEqual(row.quarter, "2024Q1")
        self.assertEqual(row.banen_x100, 150)  # 38.25 h / 25.5 h
        self.assertEqual(row.persons, 1)
        self.assertEqual(row.flows.started, 1)
        self.assertEqual(table.last_seq, 4)

    def test_hash_chain_recomputed_by_the_client_matches_the_head(self):
        events = list(self.ledger.ReadEvents(ledger_pb2.ReadEventsRequest()))
        previous = ZERO_HASH
        for stored in events:
            canonical = events_pb2.StoredEvent(
                seq=stored.seq, recorded_at=stored.recorded_at,
                event=stored.event, recorded_by=stored.recorded_by
            ).SerializeToString(deterministic=True)
            expected = hashlib.sha256(previous + canonical).digest()
            self.assertEqual(stored.prev_hash, previous, f"seq {stored.seq}")
            self.assertEqual(stored.hash, expected, f"seq {stored.seq}")
            previous = expected
        head = self.ledger.GetHead(ledger_pb2.GetHeadRequest())
        self.assertEqual([stored.seq for stored in events], [1, 2, 3, 4])
        self.assertEqual({stored.recorded_by for stored in events},
                         {PRINCIPAL})
        self.assertEqual(head.seq, 4)
        self.assertEqual(head.hash, previous)

    def test_unary_rejection_carries_the_batch_error_in_the_trailer(self):
        bad = self.batches()[1]
        with self.assertRaises(grpc.RpcError) as raised:
            self.ledger.AppendBatch(bad)
        self.assertEqual(raised.exception.code(),
                         grpc.StatusCode.INVALID_ARGUMENT)
        trailer = dict(raised.exception.trailing_metadata())
        details = ledger_pb2.ErrorStatus.FromString(
            trailer["grpc-status-details-bin"])
        error = ledger_pb2.BatchError()
        self.assertTrue(details.details[0].Unpack(error))
        self.assertEqual(error.event_index, 0)
        self.assertEqual(error.field, "hours_changed.hours_per_week_x100")

    def test_unknown_token_is_unauthenticated(self):
        with grpc.secure_channel(
                self.address, grpc.composite_channel_credentials(
                    grpc.ssl_channel_credentials(
                        root_certificates=self.ca_pem),
                    grpc.access_token_call_credentials("not-the-token"))
        ) as stranger:
            with self.assertRaises(grpc.RpcError) as raised:
                ledger_pb2_grpc.LedgerServiceStub(stranger).GetHead(
                    ledger_pb2.GetHeadRequest(), timeout=30)
        self.assertEqual(raised.exception.code(),
                         grpc.StatusCode.UNAUTHENTICATED)
        self.assertNotIn("not-the-token", raised.exception.details())

    def test_plaintext_channel_to_the_tls_server_is_unavailable(self):
        with grpc.insecure_channel(self.address) as plaintext:
            with self.assertRaises(grpc.RpcError) as raised:
                ledger_pb2_grpc.LedgerServiceStub(plaintext).GetHead(
                    ledger_pb2.GetHeadRequest(), timeout=30)
        self.assertEqual(raised.exception.code(),
                         grpc.StatusCode.UNAVAILABLE)

    def test_health_reports_serving(self):
        # grpc.health.v1 stubs are not packaged; the call is small enough to
        # spell out: an empty HealthCheckRequest, status 1 = SERVING.
        check = self.channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=lambda raw: raw,
            response_deserializer=lambda raw: raw)
        self.assertEqual(check(b""), b"\x08\x01")

    def test_reflection_lists_the_services(self):
        # ServerReflectionRequest{list_services: ""}: field 7, empty string.
        info = self.channel.stream_stream(
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
            request_serializer=lambda raw: raw,
            response_deserializer=lambda raw: raw)
        answer = b"".join(info(iter([b"\x3a\x00"])))
        for service in [b"banen.v1.LedgerService", b"banen.v1.RealisationService",
                        b"banen.v1.SnapshotService", b"grpc.health.v1.Health"]:
            self.assertIn(service, answer)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--proto-dir", required=True)
    parser.add_argument("--certs", required=True)
    args, rest = parser.parse_known_args()
    LedgerClientTest.server_path = args.server
    LedgerClientTest.proto_dir = args.proto_dir
    LedgerClientTest.certs_path = args.certs
    unittest.main(argv=[sys.argv[0], *rest])
