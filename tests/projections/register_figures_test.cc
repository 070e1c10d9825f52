// Golden register figures computed by hand on six persons (issue 14 item 3).
// Peildata: 2024-06-30 (Q2), 2024-09-30 (Q3), 2024-12-31 (Q4).
//   P1 WAJONG since 2020, VAST 25.5 h at markt since 2023: registered and
//      working throughout.
//   P2 INDICATIE_BANENAFSPRAAK from 2024-08-15; TIJDELIJK 12.75 h at a
//      gemeente 2024-09-01 .. 2024-11-01: inflow Q3, found work Q3, lost Q4.
//   P3 PRO_VSO from 2024-10-10, already hired in (uitzend, 25.5 h, hirer a
//      gemeente) since 2024-06-01: inflow Q4, found work Q4 by registering.
//   P4 WSW since 2019, VAST 25.5 h at a gemeente since 2022, deregistered
//      (AOW_AGE) 2024-07-20 while the job goes on: outflow Q3, lost work Q3.
//   P5 no ground, registered on 2024-12-31 itself, no job: in Q4's count.
//   P6 PRAKTIJKROUTE 2024-11-05, OWN_REQUEST out 2024-12-01, a job from
//      2024-11-10: inflow and outflow Q4, never working on a peildatum.
//
//            registered working inflow outflow found lost
//   Q2 2024       2        2
//   Q3 2024       2        2      1       1      1    1
//   Q4 2024       4        2      3       1      1    1
// Banen (markt formal / overheid formal / inleen / total):
//   Q2 1.00 / 1.00 / 0 / 2.00; Q3 1.00 / 0.50 / 0 / 1.50;
//   Q4 1.00 / 0 / 1.00 / 2.00.
#include "projections/register_figures.h"

#include "gtest/gtest.h"
#include "tests/projections/projection_test_util.h"
#include "tests/projections/random_history.h"

namespace banen {
namespace {

using test::PersonRef;
using test::Q;
using test::StoredHistory;

struct History {
  StoredHistory stored;
  uint64_t p3_registration_seq = 0;
};

History SixPersons() {
  History h;
  StoredHistory& s = h.stored;
  s.Record(test::EmployerRegisteredEvent("e-m", "2015-01-01", "emp-m",
                                         Sector::kMarkt));
  s.Record(test::EmployerRegisteredEvent("e-g", "2015-01-01", "emp-g",
                                         Sector::kGemeenten));
  const auto reg = [&](int p, std::string_view date, Grondslag g) {
    return s.Record(test::PersonRegisteredEvent("reg-" + std::to_string(p),
                                                date, PersonRef(p), g));
  };
  const auto dereg = [&](int p, std::string_view date,
                         DeregistrationReason reason) {
    s.Record(test::PersonDeregisteredEvent("dereg-" + std::to_string(p), date,
                                           PersonRef(p), reason));
  };
  const auto hire = [&](std::string_view job, std::string_view date, int p,
                        std::string_view employer, ContractForm form,
                        int32_t hours) {
    s.Record(test::JobStartedEvent(std::string("hire-") + std::string(job),
                                   date, job, employer, PersonRef(p), form,
                                   hours, IsInleen(form) ? "lender-1" : ""));
  };
  reg(1, "2020-01-01", Grondslag::kWajong);
  hire("j1", "2023-01-01", 1, "emp-m", ContractForm::kVast, 2550);
  reg(2, "2024-08-15", Grondslag::kIndicatieBanenafspraak);
  hire("j2", "2024-09-01", 2, "emp-g", ContractForm::kTijdelijk, 1275);
  s.Record(test::JobEndedEvent("end-j2", "2024-11-01", "j2"));
  hire("j3", "2024-06-01", 3, "emp-g", ContractForm::kInleenUitzend, 2550);
  h.p3_registration_seq = reg(3, "2024-10-10", Grondslag::kProVso);
  reg(4, "2019-05-01", Grondslag::kWsw);
  hire("j4", "2022-01-01", 4, "emp-g", ContractForm::kVast, 2550);
  dereg(4, "2024-07-20", DeregistrationReason::kAowAge);
  reg(5, "2024-12-31", Grondslag::kUnspecified);
  dereg(5, "2025-02-01", DeregistrationReason::kDeceased);
  reg(6, "2024-11-05", Grondslag::kPraktijkroute);
  hire("j6", "2024-11-10", 6, "emp-g", ContractForm::kVast, 2550);
  dereg(6, "2024-12-01", DeregistrationReason::kOwnRequest);
  return h;
}

RegisterTable Figures(const StoredHistory& history,
                      std::optional<absl::Time> as_of = std::nullopt) {
  return ComputeRegisterFigures(
      history.Fold(),
      RegisterQuery{.from = Q("2024Q2"), .to = Q("2024Q4"), .as_of = as_of});
}

int64_t In(const RegisterCounts& c, Grondslag g) {
  return c.inflow[static_cast<size_t>(g)];
}
int64_t Out(const RegisterCounts& c, DeregistrationReason r) {
  return c.outflow[static_cast<size_t>(r)];
}

TEST(RegisterFigures, CountsRegisteredPersonsOnEachPeildatum) {
  const RegisterTable table = Figures(SixPersons().stored);
  ASSERT_EQ(table.quarters.size(), 3u);
  EXPECT_EQ(table.quarters[0].counts.quarter, Q("2024Q2"));
  EXPECT_EQ(table.quarters[0].counts.registered, 2);
  EXPECT_EQ(table.quarters[1].counts.registered, 2);
  EXPECT_EQ(table.quarters[2].counts.registered, 4);
}

TEST(RegisterFigures, CountsRegisteredPersonsInACountedJob) {
  const RegisterTable table = Figures(SixPersons().stored);
  EXPECT_EQ(table.quarters[0].counts.working, 2);
  EXPECT_EQ(table.quarters[1].counts.working, 2);
  EXPECT_EQ(table.quarters[2].counts.working, 2);
}

TEST(RegisterFigures, WorkingEqualsTheRealisationsNationalPersons) {
  const StoredHistory history = SixPersons().stored;
  const ProjectionState state = history.Fold();
  const RegisterTable table = Figures(history);
  for (const RegisterQuarter& quarter : table.quarters) {
    EXPECT_EQ(quarter.counts.working,
              test::ComputeRow(state, Sector::kNationaal,
                               quarter.counts.quarter, Measure::kPeildatum)
                  .persons)
        << FormatQuarter(quarter.counts.quarter);
  }
}

TEST(RegisterFigures, CountsInflowByGrondslag) {
  const RegisterTable table = Figures(SixPersons().stored);
  const RegisterCounts& q3 = table.quarters[1].counts;
  const RegisterCounts& q4 = table.quarters[2].counts;
  EXPECT_EQ(table.quarters[0].counts.InflowTotal(), 0);
  EXPECT_EQ(In(q3, Grondslag::kIndicatieBanenafspraak), 1);
  EXPECT_EQ(q3.InflowTotal(), 1);
  EXPECT_EQ(In(q4, Grondslag::kProVso), 1);
  EXPECT_EQ(In(q4, Grondslag::kUnspecified), 1);
  EXPECT_EQ(In(q4, Grondslag::kPraktijkroute), 1);
  EXPECT_EQ(q4.InflowTotal(), 3);
}

TEST(RegisterFigures, CountsOutflowByReason) {
  const RegisterTable table = Figures(SixPersons().stored);
  const RegisterCounts& q3 = table.quarters[1].counts;
  const RegisterCounts& q4 = table.quarters[2].counts;
  EXPECT_EQ(Out(q3, DeregistrationReason::kAowAge), 1);
  EXPECT_EQ(q3.OutflowTotal(), 1);
  EXPECT_EQ(Out(q4, DeregistrationReason::kOwnRequest), 1);
  EXPECT_EQ(q4.OutflowTotal(), 1);
}

TEST(RegisterFigures, CountsPersonsFindingAndLosingWork) {
  const RegisterTable table = Figures(SixPersons().stored);
  EXPECT_EQ(table.quarters[1].counts.found_work, 1);  // P2 hired
  EXPECT_EQ(table.quarters[1].counts.lost_work, 1);   // P4 deregistered
  EXPECT_EQ(table.quarters[2].counts.found_work, 1);  // P3 registered
  EXPECT_EQ(table.quarters[2].counts.lost_work, 1);   // P2's job ended
}

TEST(RegisterFigures, FlowsExplainTheChangeOfTheStocks) {
  const RegisterTable table = Figures(SixPersons().stored);
  for (size_t i = 1; i < table.quarters.size(); ++i) {
    const RegisterCounts& now = table.quarters[i].counts;
    const RegisterCounts& before = table.quarters[i - 1].counts;
    EXPECT_EQ(now.registered - before.registered,
              now.InflowTotal() - now.OutflowTotal());
    EXPECT_EQ(now.working - before.working, now.found_work - now.lost_work);
  }
}

TEST(RegisterFigures, SplitsBanenIntoMarktOverheidAndInleen) {
  const RegisterTable table = Figures(SixPersons().stored);
  const RegisterBanen& q2 = table.quarters[0].banen;
  const RegisterBanen& q3 = table.quarters[1].banen;
  const RegisterBanen& q4 = table.quarters[2].banen;
  EXPECT_EQ(q2, (RegisterBanen{.total_x100 = 200,
                               .markt_formal_x100 = 100,
                               .overheid_formal_x100 = 100,
                               .inleen_x100 = 0,
                               // Q1: P1 and P4 as in Q2.
                               .change_total_x100 = 0,
                               .change_markt_formal_x100 = 0,
                               .change_overheid_formal_x100 = 0,
                               .change_inleen_x100 = 0}));
  EXPECT_EQ(q3, (RegisterBanen{.total_x100 = 150,
                               .markt_formal_x100 = 100,
                               .overheid_formal_x100 = 50,
                               .inleen_x100 = 0,
                               .change_total_x100 = -50,
                               .change_markt_formal_x100 = 0,
                               .change_overheid_formal_x100 = -50,
                               .change_inleen_x100 = 0}));
  EXPECT_EQ(q4, (RegisterBanen{.total_x100 = 200,
                               .markt_formal_x100 = 100,
                               .overheid_formal_x100 = 0,
                               .inleen_x100 = 100,
                               .change_total_x100 = 50,
                               .change_markt_formal_x100 = 0,
                               .change_overheid_formal_x100 = -50,
                               .change_inleen_x100 = 100}));
}

TEST(RegisterFigures, TwoThreadsCountAsOne) {
  const StoredHistory history = SixPersons().stored;
  const ProjectionState state = history.Fold();
  EXPECT_EQ(ComputeRegisterCounts(state, state.last_seq(), Q("2024Q2"),
                                  Q("2024Q4"), /*threads=*/2),
            ComputeRegisterCounts(state, state.last_seq(), Q("2024Q2"),
                                  Q("2024Q4"), /*threads=*/1));
}

// P3's registration is retracted after the fact: as of before the
// retraction Q4 is as published, afterwards without P3.
TEST(RegisterFigures, AsOfReproducesTheFiguresBeforeARetraction) {
  History h = SixPersons();
  const uint64_t before = h.stored.events().size();
  h.stored.Record(test::EventRetractedEvent("retract-reg-3", "2025-01-15",
                                            h.p3_registration_seq));
  const RegisterTable then = Figures(h.stored, h.stored.RecordedAt(before));
  EXPECT_EQ(then.last_seq, before);
  EXPECT_EQ(then.quarters[2].counts.registered, 4);
  EXPECT_EQ(then.quarters[2].counts.found_work, 1);
  EXPECT_EQ(then.quarters[2].banen.inleen_x100, 100);

  const RegisterTable now = Figures(h.stored);
  EXPECT_EQ(now.last_seq, before + 1);
  const RegisterCounts& q4 = now.quarters[2].counts;
  EXPECT_EQ(q4.registered, 3);
  EXPECT_EQ(q4.working, 1);
  EXPECT_EQ(In(q4, Grondslag::kProVso), 0);
  EXPECT_EQ(q4.found_work, 0);
  EXPECT_EQ(now.quarters[2].banen.inleen_x100, 0);
}

// The projector's tail keeps RegisterSteps by moving the persons each fold
// touches from the fold's first cut to its last. Over random histories
// folded in chunks of 1..12 events, the kept counts of 2018Q1..2028Q4 equal
// a recomputation from the whole state after every chunk.
class RegisterStepsRandomHistoryTest : public testing::TestWithParam<uint32_t> {
};

TEST_P(RegisterStepsRandomHistoryTest, KeptCountsEqualARecomputation) {
  RegisterSteps kept;
  int64_t compared = 0;  // guards against a vacuous comparison
  test::FoldInChunks(
      test::RandomStoredHistory(GetParam(), 300), GetParam(), kept,
      [&](const ProjectionState& state) {
        const std::vector<RegisterCounts> expected = ComputeRegisterCounts(
            state, state.last_seq(), Q("2018Q1"), Q("2028Q4"));
        ASSERT_EQ(kept.Counts(Q("2018Q1"), Q("2028Q4")), expected)
            << "at seq " << state.last_seq();
        for (const RegisterCounts& quarter : expected) {
          if (quarter.working > 0 || quarter.InflowTotal() > 0) ++compared;
        }
      });
  EXPECT_GT(compared, 500);
}

INSTANTIATE_TEST_SUITE_P(Seeds, RegisterStepsRandomHistoryTest,
                         testing::Range(1u, 9u));

}  // namespace
}  // namespace banen
