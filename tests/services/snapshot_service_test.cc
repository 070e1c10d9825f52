// SnapshotService over loopback: create, get, list, diff.
#include <grpcpp/grpcpp.h>

#include <algorithm>

#include "gtest/gtest.h"
#include "tests/services/service_test_util.h"

namespace banen::test {
namespace {

class SnapshotServiceTest : public ServiceTest {
 protected:
  v1::Snapshot MustCreate(const std::string& quarter) {
    grpc::ClientContext context;
    v1::CreateSnapshotRequest request;
    request.set_quarter(quarter);
    v1::Snapshot snapshot;
    const grpc::Status status =
        snapshots_->CreateSnapshot(&context, request, &snapshot);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return snapshot;
  }
};

const v1::RealisationRow* FindRow(const v1::Snapshot& snapshot,
                                  v1::Sector sector,
                                  v1::RealisationMeasure measure) {
  const auto it =
      std::find_if(snapshot.rows().begin(), snapshot.rows().end(),
                   [&](const v1::RealisationRow& row) {
                     return row.sector() == sector && row.measure() == measure;
                   });
  return it == snapshot.rows().end() ? nullptr : &*it;
}

TEST_F(SnapshotServiceTest, CreateFreezesTheQuarterAtTheHead) {
  MustAppend("a", HireHistory("a"));
  const v1::GetHeadResponse head = Head();

  const v1::Snapshot snapshot = MustCreate("2024Q1");

  EXPECT_EQ(snapshot.quarter(), "2024Q1");
  EXPECT_EQ(snapshot.key(), "2024Q1/00000000000000000003");
  EXPECT_EQ(snapshot.head_seq(), 3u);
  EXPECT_EQ(snapshot.head_hash(), head.hash());
  EXPECT_EQ(snapshot.rows_size(), 17 * 3);
  const v1::RealisationRow* gemeenten = FindRow(
      snapshot, v1::SECTOR_GEMEENTEN, v1::REALISATION_MEASURE_PEILDATUM);
  ASSERT_NE(gemeenten, nullptr);
  EXPECT_EQ(gemeenten->banen_x100(), 100);
}

TEST_F(SnapshotServiceTest, GetReturnsTheSnapshotAndListOmitsRows) {
  MustAppend("a", HireHistory("a"));
  const v1::Snapshot created = MustCreate("2024Q1");
  grpc::ClientContext get_context;
  v1::GetSnapshotRequest get;
  get.set_key(created.key());
  v1::Snapshot fetched;
  grpc::ClientContext list_context;
  v1::ListSnapshotsResponse listed;

  ASSERT_TRUE(snapshots_->GetSnapshot(&get_context, get, &fetched).ok());
  ASSERT_TRUE(
      snapshots_
          ->ListSnapshots(&list_context, v1::ListSnapshotsRequest(), &listed)
          .ok());

  EXPECT_EQ(fetched.SerializeAsString(), created.SerializeAsString());
  ASSERT_EQ(listed.snapshots_size(), 1);
  EXPECT_EQ(listed.snapshots(0).key(), created.key());
  EXPECT_EQ(listed.snapshots(0).rows_size(), 0);
}

TEST_F(SnapshotServiceTest, GetOfAnUnknownKeyIsNotFound) {
  grpc::ClientContext context;
  v1::GetSnapshotRequest request;
  request.set_key("2024Q1/00000000000000000042");
  v1::Snapshot snapshot;

  EXPECT_EQ(snapshots_->GetSnapshot(&context, request, &snapshot).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(SnapshotServiceTest, DiffListsTheLateHireRecordedAfterTheSnapshot) {
  MustAppend("a", HireHistory("a"));
  const v1::Snapshot snapshot = MustCreate("2024Q1");
  MustAppend("late", HireHistory("b"));  // hired 2024-02-01, recorded later
  grpc::ClientContext context;
  v1::DiffSnapshotRequest request;
  request.set_key(snapshot.key());
  v1::SnapshotDiff diff;

  ASSERT_TRUE(snapshots_->DiffSnapshot(&context, request, &diff).ok());

  EXPECT_EQ(diff.snapshot_seq(), 3u);
  EXPECT_EQ(diff.current_seq(), 6u);
  ASSERT_GE(diff.sectors_size(), 1);
  const v1::SectorDiff& gemeenten = diff.sectors(0);
  EXPECT_EQ(gemeenten.sector(), v1::SECTOR_GEMEENTEN);
  EXPECT_EQ(gemeenten.snapshot_rows(0).banen_x100(), 100);
  EXPECT_EQ(gemeenten.current_rows(0).banen_x100(), 200);
  ASSERT_FALSE(gemeenten.changes().empty());
  EXPECT_EQ(gemeenten.changes().rbegin()->seq(), 6u);
  EXPECT_EQ(gemeenten.changes().rbegin()->kind(), v1::EVENT_KIND_JOB_STARTED);
  EXPECT_EQ(gemeenten.changes().rbegin()->effective_date(), "2024-02-01");
}

TEST_F(SnapshotServiceTest, SnapshotOfAMalformedQuarterIsInvalidArgument) {
  grpc::ClientContext context;
  v1::CreateSnapshotRequest request;
  request.set_quarter("Q4");
  v1::Snapshot snapshot;

  EXPECT_EQ(
      snapshots_->CreateSnapshot(&context, request, &snapshot).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace banen::test
