// Writes the query fuzzer's seeds into the directory given: well-formed exchange frames of
// every mode (query pages, subscribe with and without a resume point, credit, unsubscribe)
// and daemon answers of every kind, so that mutation starts from the shapes the socket sees.
#include <cstdio>
#include <fstream>
#include <string>

#include "kpihub/wire/query_codec.h"

namespace {

using namespace kpihub::wire;

void Write(const std::string& dir, const std::string& name, const std::string& bytes) {
  std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
}

QueryRequest Base() {
  QueryRequest q;
  q.request_id = 7;
  q.indicators = {"hightech_certified", "rd_super_deduction"};
  q.parks = {"core"};
  q.period_from = "2019";
  q.period_to = "2020Q4";
  q.level = kpihub::core::ShareLevel::kEnterprise;
  q.entities = {"91410800MA45H7J36N"};
  q.page_size = 100;
  return q;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: query_corpus DIR\n");
    return 1;
  }
  const std::string dir = argv[1];
  QueryRequest q = Base();
  Write(dir, "query", EncodeQuery(q));
  q.continuation = "100";
  q.as_of = 42;
  Write(dir, "query-next-page", EncodeQuery(q));
  q = Base();
  q.mode = RequestMode::kSubscribe;
  q.credit = 8;
  Write(dir, "subscribe", EncodeQuery(q));
  q.resume = {12, 3};
  Write(dir, "subscribe-resume", EncodeQuery(q));
  QueryRequest credit;
  credit.request_id = 7;
  credit.mode = RequestMode::kCredit;
  credit.credit = 1;
  Write(dir, "credit", EncodeQuery(credit));
  credit.mode = RequestMode::kUnsubscribe;
  Write(dir, "unsubscribe", EncodeQuery(credit));
  QueryPageMessage page;
  page.request_id = 7;
  page.answered = true;
  page.kind = PageKind::kChanges;
  page.change = {12, 4};
  page.level = kpihub::core::ShareLevel::kEnterprise;
  page.enterprise_rows.push_back({"hightech_certified", "core", "91410800MA45H7J36N", "2020", "1",
                                  1600000000000, "hightech_list_to_tax"});
  Write(dir, "page-changes", EncodeQueryPage(page));
  page.kind = PageKind::kEnded;
  page.answered = false;
  page.reason = QueryRefusal::kNoAgreement;
  page.enterprise_rows.clear();
  Write(dir, "page-ended", EncodeQueryPage(page));
  return 0;
}
