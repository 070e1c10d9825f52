#!/usr/bin/python3
"""banen-ledgerd --metrics-listen, scraped during a load and parsed with
Debian's python3-prometheus-client.

Starts the built server in the open mode on loopback with the metrics
endpoint on a free port; 4 clients stream batches of events (each one batch
of employers, 24 of targets, one batch sent again as duplicates and one
refused with ALREADY_EXISTS) while a fifth thread scrapes the endpoint over
and over. Every scrape must parse and no counter may go back; the last one,
after the load, must count exactly what was sent.

Run by ctest: metrics_test.py --server=PATH/banen-ledgerd --proto-dir=PATH/proto
"""

import argparse
import importlib
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

from client_test import free_port, generate_stubs, stop_server

CLIENTS = 4
TARGET_BATCHES = 24
EVENTS_PER_TARGET_BATCH = 20
EMPLOYERS_PER_CLIENT = 5


def scrape(url):
    """The samples of one scrape: {(name, frozenset(labels)): value}."""
    parser = importlib.import_module("prometheus_client.parser")
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    samples = {}
    for family in parser.text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = (
                sample.value)
    return samples


def value(samples, name, **labels):
    return samples[(name, frozenset(labels.items()))]


class MetricsEndpointTest(unittest.TestCase):
    server_path = None
    proto_dir = None

    @classmethod
    def setUpClass(cls):
        cls.temp = tempfile.TemporaryDirectory(prefix="banen_metrics_test_")
        generate_stubs(cls.proto_dir, cls.temp.name)
        global grpc, events_pb2, ledger_pb2, ledger_pb2_grpc
        grpc = importlib.import_module("grpc")
        events_pb2 = importlib.import_module("banen.v1.events_pb2")
        ledger_pb2 = importlib.import_module("banen.v1.ledger_pb2")
        ledger_pb2_grpc = importlib.import_module("banen.v1.ledger_pb2_grpc")

        cls.address = f"127.0.0.1:{free_port()}"
        metrics_port = free_port()
        cls.url = f"http://127.0.0.1:{metrics_port}/metrics"
        cls.server = subprocess.Popen(
            [cls.server_path, f"--listen={cls.address}",
             f"--metrics-listen=127.0.0.1:{metrics_port}",
             f"--data-dir={os.path.join(cls.temp.name, 'data')}"])
        cls.channel = grpc.insecure_channel(cls.address)
        grpc.channel_ready_future(cls.channel).result(timeout=30)
        cls.ledger = ledger_pb2_grpc.LedgerServiceStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        stop_server(cls.server, cls.temp)

    @staticmethod
    def target(client, batch, index, banen_x100=100):
        return events_pb2.Event(
            event_id=f"c{client}-b{batch}-t{index}",
            effective_date="2024-01-01",
            target_set=events_pb2.TargetSet(
                sector=events_pb2.SECTOR_MARKT, year=2013 + index,
                banen_x100=banen_x100, source="metrics test"))

    @classmethod
    def batches(cls, client):
        employers = [events_pb2.Event(
            event_id=f"c{client}-e{index}", effective_date="2024-01-01",
            employer_registered=events_pb2.EmployerRegistered(
                employer_id=f"emp-{client}-{index}", name="Werkgever",
                sector=events_pb2.SECTOR_MARKT))
            for index in range(EMPLOYERS_PER_CLIENT)]
        yield ledger_pb2.AppendRequest(batch_id="employers", events=employers)
        for batch in range(TARGET_BATCHES):
            yield ledger_pb2.AppendRequest(
                batch_id=f"targets-{batch}",
                events=[cls.target(client, batch, index)
                        for index in range(EVENTS_PER_TARGET_BATCH)])
        # The first target batch again: every event a duplicate.
        yield ledger_pb2.AppendRequest(
            batch_id="again",
            events=[cls.target(client, 0, index)
                    for index in range(EVENTS_PER_TARGET_BATCH)])
        # A stored event_id with other content.
        yield ledger_pb2.AppendRequest(
            batch_id="conflict", events=[cls.target(client, 0, 0, 999)])

    def test_scrapes_during_load_parse_and_the_last_counts_what_was_sent(self):
        scrapes = []
        load_done = threading.Event()

        def scrape_until_done():
            while not load_done.is_set():
                scrapes.append(scrape(self.url))

        scraper = threading.Thread(target=scrape_until_done)
        scraper.start()
        acks = [None] * CLIENTS

        def append(client):
            acks[client] = list(self.ledger.Append(iter(self.batches(client))))

        clients = [threading.Thread(target=append, args=(client,))
                   for client in range(CLIENTS)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
        load_done.set()
        scraper.join()

        for client_acks in acks:
            self.assertEqual([ack.error.code for ack in client_acks],
                             [0] * (TARGET_BATCHES + 2) + [6])  # ALREADY_EXISTS
        self.assertGreater(len(scrapes), 1)
        batches_seen = [value(s, "banen_append_batches_total")
                        for s in scrapes]
        self.assertEqual(batches_seen, sorted(batches_seen))

        final = scrape(self.url)
        employers = CLIENTS * EMPLOYERS_PER_CLIENT
        targets = CLIENTS * TARGET_BATCHES * EVENTS_PER_TARGET_BATCH
        accepted_batches = CLIENTS * (TARGET_BATCHES + 2)
        self.assertEqual(value(final, "banen_events_appended_total",
                               kind="EmployerRegistered"), employers)
        self.assertEqual(value(final, "banen_events_appended_total",
                               kind="TargetSet"), targets)
        self.assertEqual(value(final, "banen_events_appended_total",
                               kind="JobStarted"), 0)
        self.assertEqual(value(final, "banen_append_batches_total"),
                         accepted_batches)
        self.assertEqual(value(final, "banen_duplicate_events_total"),
                         CLIENTS * EVENTS_PER_TARGET_BATCH)
        self.assertEqual(value(final, "banen_append_rejections_total",
                               code="ALREADY_EXISTS"), CLIENTS)
        self.assertEqual(value(final, "banen_append_rejections_total",
                               code="INVALID_ARGUMENT"), 0)
        self.assertEqual(value(final, "banen_append_latency_seconds_count"),
                         accepted_batches + CLIENTS)
        self.assertEqual(value(final, "banen_append_batch_events_count"),
                         accepted_batches)
        self.assertEqual(value(final, "banen_append_batch_events_sum"),
                         employers + targets +
                         CLIENTS * EVENTS_PER_TARGET_BATCH)
        self.assertEqual(value(final, "banen_head_seq"), employers + targets)
        self.assertGreater(value(final, "process_resident_memory_bytes"), 0)
        self.assertGreaterEqual(value(final, "banen_projection_lag_seqs"), 0)
        self.assertIn(("banen_rocksdb_live_data_bytes", frozenset()), final)
        self.assertIn(("banen_rocksdb_pending_compaction_bytes", frozenset()),
                      final)
        self.assertEqual(
            value(final, "banen_rocksdb_block_cache_capacity_bytes"), 8 << 20)
        for kind in ("block_cache", "table_readers", "memtables"):
            self.assertGreaterEqual(
                value(final, "banen_rocksdb_memory_bytes", kind=kind), 0)
        # The appends above are in the memtables.
        self.assertGreater(
            value(final, "banen_rocksdb_memory_bytes", kind="memtables"), 0)
        # A new store, and no state checkpoint yet: every id in the maps.
        self.assertEqual(value(final, "banen_event_ids_hashed"),
                         employers + targets)
        self.assertGreater(value(final, "banen_event_id_index_bytes"), 0)

    def test_counts_each_query_rpc(self):
        rpc = "/banen.v1.LedgerService/GetHead"
        before = scrape(self.url).get(
            ("banen_query_latency_seconds_count", frozenset({("rpc", rpc)})),
            0)
        for _ in range(3):
            self.ledger.GetHead(ledger_pb2.GetHeadRequest())
        self.assertEqual(value(scrape(self.url),
                               "banen_query_latency_seconds_count", rpc=rpc),
                         before + 3)

    def test_counts_open_subscribers(self):
        stream = self.ledger.Subscribe(ledger_pb2.SubscribeRequest())
        next(stream)  # the stream is open on the server
        self.assertEqual(value(scrape(self.url), "banen_subscribers"), 1)
        stream.cancel()
        # The server sees the cancellation asynchronously.
        deadline = time.monotonic() + 10
        while (value(scrape(self.url), "banen_subscribers") != 0 and
               time.monotonic() < deadline):
            time.sleep(0.05)
        self.assertEqual(value(scrape(self.url), "banen_subscribers"), 0)

    def test_other_paths_are_not_found(self):
        with self.assertRaises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(self.url.replace("/metrics", "/"),
                                   timeout=10)
        self.assertEqual(raised.exception.code, 404)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--proto-dir", required=True)
    args, rest = parser.parse_known_args()
    MetricsEndpointTest.server_path = args.server
    MetricsEndpointTest.proto_dir = args.proto_dir
    unittest.main(argv=[sys.argv[0]] + rest)
