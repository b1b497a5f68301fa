// The record codec: round trips, and every truncated, extended or random record is refused
// without reading out of bounds (run under ASan to make the latter meaningful).
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>

#include <gtest/gtest.h>

#include "../src/audit_table.h"
#include "../src/codec.h"
#include "../src/tables.h"

namespace kpihub::store::internal {
namespace {

using core::Decimal;

// Decoding `value` cut short, or with a byte added, must fail.
template <typename Decode>
void ExpectStrict(const std::string& key, const std::string& value, Decode decode) {
  for (size_t n = 0; n < value.size(); ++n) {
    // A heap copy of exactly n bytes, so ASan catches any read past the end.
    std::unique_ptr<char[]> copy(new char[n + 1]);
    std::memcpy(copy.get(), value.data(), n);
    EXPECT_FALSE(decode(key, std::string_view(copy.get(), n))) << "prefix of " << n;
  }
  EXPECT_FALSE(decode(key, value + "x"));
  EXPECT_TRUE(decode(key, value));
}

TEST(CodecTest, ObservationRoundTrip) {
  StoredObservation in{{"rev", "p1", "2020Q3", "E1"},
                       Decimal::FromMicros(-(static_cast<__int128>(1) << 90)),
                       "note 备注", "tax-adapter", 42, -5};
  const std::string key = EncodeFigureKey(in.key);
  const std::string value = EncodeObservation(in);
  StoredObservation out;
  ASSERT_TRUE(DecodeObservation(key, value, &out));
  EXPECT_EQ(out.key, in.key);
  EXPECT_TRUE(out.value == in.value);
  EXPECT_EQ(out.note, in.note);
  EXPECT_EQ(out.adapter, in.adapter);
  EXPECT_EQ(out.sequence, 42u);
  EXPECT_EQ(out.unix_ms, -5);
  ExpectStrict(key, value, [](std::string_view k, std::string_view v) {
    StoredObservation o;
    return DecodeObservation(k, v, &o);
  });
  EXPECT_FALSE(DecodeObservation("rev\0p1", value, &out));
  EXPECT_FALSE(DecodeObservation(std::string("a\0b\0c\0d\0e", 9), value, &out));
}

TEST(CodecTest, EmptyEntityKeyRoundTrips) {
  core::FigureKey key;
  ASSERT_TRUE(DecodeFigureKey(EncodeFigureKey({"a", "b", "2020", ""}), &key));
  EXPECT_EQ(key, (core::FigureKey{"a", "b", "2020", ""}));
}

TEST(CodecTest, HistoryRoundTrip) {
  HistoryEntry in{{"rev", "p1", "2020", ""}, Decimal::FromInt(3), Decimal::FromInt(-4),
                  "a", "tax", 7, 99, 0x0100000000000000ull, 0x00010203};
  const ChangeId previous{0x0100000000000000ull, 0x00010202};
  const std::string key = EncodeChangeKey({in.journal_id, in.index});
  ASSERT_EQ(key.size(), kChangeKeySize);
  const std::string value = EncodeHistory(in, previous);
  HistoryEntry out;
  ChangeId got_previous;
  ASSERT_TRUE(DecodeHistory(key, value, &out, &got_previous));
  EXPECT_EQ(out.key, in.key);
  EXPECT_EQ(out.journal_id, in.journal_id);  // a NUL byte inside the id is fine
  EXPECT_EQ(out.index, 0x00010203u);
  EXPECT_EQ(got_previous, previous);
  ASSERT_TRUE(out.old_value.has_value());
  EXPECT_TRUE(*out.old_value == Decimal::FromInt(3));
  EXPECT_TRUE(out.new_value == Decimal::FromInt(-4));
  EXPECT_EQ(out.adapter, "");  // who made the change is in the journal, not repeated here
  in.old_value.reset();
  ASSERT_TRUE(DecodeHistory(key, EncodeHistory(in, {}), &out, &got_previous));
  EXPECT_FALSE(out.old_value.has_value());
  EXPECT_TRUE(got_previous.none());
  ExpectStrict(key, value, [](std::string_view k, std::string_view v) {
    HistoryEntry h;
    ChangeId p;
    return DecodeHistory(k, v, &h, &p);
  });
  std::string bad_flag = value;
  bad_flag[0] = 2;
  EXPECT_FALSE(DecodeHistory(key, bad_flag, &out, &got_previous));
  EXPECT_FALSE(DecodeHistory(key.substr(0, 11), value, &out, &got_previous));
  EXPECT_FALSE(DecodeHistory(EncodeChangeKey({0, 1}), value, &out, &got_previous));
  // A chain must run backwards: a "previous" change at or after this one would loop.
  EXPECT_FALSE(DecodeHistory(key, EncodeHistory(in, {in.journal_id, in.index}), &out,
                             &got_previous));
  EXPECT_FALSE(DecodeHistory(key, EncodeHistory(in, {in.journal_id + 1, 0}), &out,
                             &got_previous));
  in.key.entity = std::string("E\0X", 3);
  EXPECT_FALSE(DecodeHistory(key, EncodeHistory(in, {}), &out, &got_previous));
}

TEST(CodecTest, ObservationCarriesItsLatestChange) {
  StoredObservation in{{"rev", "p1", "2020", "E1"}, Decimal::FromInt(5), "n", "a", 1, 2};
  const std::string value = EncodeObservation(in, {9, 4});
  StoredObservation out;
  ChangeId latest;
  ASSERT_TRUE(DecodeObservation(EncodeFigureKey(in.key), value, &out, &latest));
  EXPECT_EQ(latest, (ChangeId{9, 4}));
  Decimal merged;
  std::string_view note;
  ASSERT_TRUE(DecodeObservationForMerge(value, &merged, &note, &latest));
  EXPECT_TRUE(merged == Decimal::FromInt(5));
  EXPECT_EQ(note, "n");
  EXPECT_EQ(latest, (ChangeId{9, 4}));
}

TEST(CodecTest, OtherRecordsRoundTripAndAreStrict) {
  SenderState sender{"a", "tax", 5, 6, 7, 8, 9};
  const std::string sv = EncodeSender(sender);
  SenderState s2;
  ASSERT_TRUE(DecodeSender("a", sv, &s2));
  EXPECT_EQ(s2.observations_rejected, 9u);
  ExpectStrict("a", sv, [](std::string_view k, std::string_view v) {
    SenderState s;
    return DecodeSender(k, v, &s);
  });

  JournalEntry journal{3, "a", "tax", 4, 5, 6, 7};
  const std::string jk = BigEndian64Key(3);
  const std::string jv = EncodeJournal(journal);
  JournalEntry j2;
  ASSERT_TRUE(DecodeJournal(jk, jv, &j2));
  EXPECT_EQ(j2.journal_id, 3u);
  EXPECT_EQ(j2.rejected, 7u);
  ExpectStrict(jk, jv, [](std::string_view k, std::string_view v) {
    JournalEntry j;
    return DecodeJournal(k, v, &j);
  });
  EXPECT_FALSE(DecodeJournal("short", jv, &j2));

  DeadLetter letter{9, "a", "tax", 1, 2, {4, core::RejectReason::kFieldTooLong, "d"},
                    {"i", "p", "e", "2020", std::numeric_limits<double>::quiet_NaN(), "n"}};
  const std::string dk = BigEndian64Key(9);
  const std::string dv = EncodeDeadLetter(letter);
  DeadLetter d2;
  ASSERT_TRUE(DecodeDeadLetter(dk, dv, &d2));
  EXPECT_EQ(d2.rejection.reason, core::RejectReason::kFieldTooLong);
  EXPECT_TRUE(std::isnan(d2.observation.value));
  ExpectStrict(dk, dv, [](std::string_view k, std::string_view v) {
    DeadLetter d;
    return DecodeDeadLetter(k, v, &d);
  });
  letter.rejection.reason = static_cast<core::RejectReason>(999);
  EXPECT_FALSE(DecodeDeadLetter(dk, EncodeDeadLetter(letter), &d2));

  const std::string cv = EncodeCell({Decimal::FromInt(-1), 3});
  CellValue c2;
  ASSERT_TRUE(DecodeCellValue(cv, &c2));
  EXPECT_TRUE(c2.sum == Decimal::FromInt(-1));
  EXPECT_EQ(c2.entities, 3u);
  ExpectStrict("", cv, [](std::string_view, std::string_view v) {
    CellValue c;
    return DecodeCellValue(v, &c);
  });
}

TEST(CodecTest, AuditRecordRoundTripsAndIsStrict) {
  AuditRecord in;
  in.unix_ms = 1700000000123;
  in.consumer_key = "scitech-query-1";
  in.consumer_department = "scitech";
  in.provider_department = "tax";
  in.agreement = "TAX-SCI-2021";
  in.kind = "query";
  in.request = "indicators=revenue parks=* periods=2020 level=park";
  in.rows = 12;
  in.outcome = "answered";
  in.as_of = 99;
  const std::string key = BigEndian64Key(7), value = EncodeAudit(in);
  AuditRecord out;
  ASSERT_TRUE(DecodeAudit(key, value, &out));
  EXPECT_EQ(out.id, 7u);
  EXPECT_EQ(out.unix_ms, in.unix_ms);
  EXPECT_EQ(out.consumer_key, in.consumer_key);
  EXPECT_EQ(out.consumer_department, in.consumer_department);
  EXPECT_EQ(out.provider_department, in.provider_department);
  EXPECT_EQ(out.agreement, in.agreement);
  EXPECT_EQ(out.kind, in.kind);
  EXPECT_EQ(out.request, in.request);
  EXPECT_EQ(out.rows, in.rows);
  EXPECT_EQ(out.outcome, in.outcome);
  EXPECT_EQ(out.as_of, in.as_of);
  ExpectStrict(key, value, [](std::string_view k, std::string_view v) {
    AuditRecord r;
    return DecodeAudit(k, v, &r);
  });
  EXPECT_FALSE(DecodeAudit("short", value, &out));
  EXPECT_FALSE(DecodeAudit(BigEndian64Key(0), value, &out));
  in.outcome.clear();
  EXPECT_FALSE(DecodeAudit(key, EncodeAudit(in), &out));
}

TEST(CodecTest, HugeStringLengthIsRefused) {
  RecordWriter w;
  w.PutU32(0xffffffffu);  // claims 4 GiB follow
  w.PutU8(1);
  RecordReader r(w.data());
  EXPECT_EQ(r.GetString(), "");
  EXPECT_FALSE(r.Done());
}

TEST(CodecTest, RandomBytesNeverCrash) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 5000; ++i) {
    std::string bytes(rng() % 80, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    // Lengths of small strings now and then, so decoders get past the first field.
    if (bytes.size() > 4 && rng() % 2) bytes[0] = static_cast<char>(rng() % 8), bytes[1] = bytes[2] = bytes[3] = 0;
    StoredObservation o;
    HistoryEntry h;
    ChangeId previous;
    DeadLetter d;
    JournalEntry j;
    SenderState s;
    core::Cell c;
    AuditRecord a;
    DecodeObservation(bytes, bytes, &o);
    DecodeAudit(bytes.substr(0, 8), bytes, &a);
    DecodeHistory(bytes.substr(0, std::min<size_t>(bytes.size(), 12)), bytes, &h, &previous);
    DecodeDeadLetter(bytes.substr(0, 8), bytes, &d);
    DecodeJournal(bytes.substr(0, 8), bytes, &j);
    DecodeSender("a", bytes, &s);
    DecodeCell(bytes, bytes, &c);
  }
}

}  // namespace
}  // namespace kpihub::store::internal
