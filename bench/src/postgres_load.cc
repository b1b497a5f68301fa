#include <libpq-fe.h>

#include <algorithm>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "alternatives.h"

namespace kpihub::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Runs one statement; "" or the server's message.
std::string Exec(PGconn* conn, const std::string& sql, uint64_t* rows = nullptr) {
  PGresult* res = PQexec(conn, sql.c_str());
  const ExecStatusType status = PQresultStatus(res);
  std::string error;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) error = PQresultErrorMessage(res);
  if (rows != nullptr && status == PGRES_TUPLES_OK) *rows = static_cast<uint64_t>(PQntuples(res));
  PQclear(res);
  return error;
}

// Workload text is catalogue codes, periods, USCCs and numbers: nothing to escape.
std::string UpsertSql(const std::vector<core::Observation>& batch, const std::string& adapter,
                      uint64_t sequence) {
  std::string sql =
      "INSERT INTO observation (indicator, park, period, entity, value, adapter, sequence) VALUES ";
  sql.reserve(batch.size() * 110 + 256);
  char value[64];
  const std::string tail = ",'" + adapter + "'," + std::to_string(sequence) + ")";
  for (size_t i = 0; i < batch.size(); ++i) {
    const auto& o = batch[i];
    std::snprintf(value, sizeof value, "%.2f", o.value);
    sql += (i ? ",('" : "('") + o.indicator + "','" + o.park + "','" + o.period + "','" +
           o.entity + "'," + value + tail;
  }
  sql +=
      " ON CONFLICT (indicator, park, period, entity) DO UPDATE SET value = EXCLUDED.value,"
      " adapter = EXCLUDED.adapter, sequence = EXCLUDED.sequence";
  return sql;
}

void RunAdapter(const AlternativeLoadOptions& options, size_t adapter, uint64_t batches,
                std::barrier<>& start, RunSummary* out, Clock::time_point* finished) {
  const Workload workload(options.order);
  const std::string name = "a" + std::to_string(adapter);
  std::vector<std::string> statements;
  const uint64_t first = options.first_index + adapter * batches * options.batch_size;
  for (uint64_t b = 0; b < batches; ++b) {
    statements.push_back(UpsertSql(
        workload.Range(first + b * options.batch_size, options.batch_size), name, b + 1));
  }
  PGconn* conn = PQconnectdb(options.target.c_str());
  const bool connected = PQstatus(conn) == CONNECTION_OK;
  if (!connected) out->error = PQerrorMessage(conn);
  start.arrive_and_wait();
  for (uint64_t b = 0; connected && b < batches; ++b) {
    const auto sent = Clock::now();
    if (std::string error = Exec(conn, statements[b]); !error.empty()) {
      ++out->failures;
      out->error = error;
      continue;
    }
    out->latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
    out->batches += 1;
    out->observations += options.batch_size;
  }
  *finished = Clock::now();
  PQfinish(conn);
}

}  // namespace

std::string PreparePostgres(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    error = Exec(conn,
                 "CREATE TABLE IF NOT EXISTS observation (indicator text NOT NULL, park text NOT "
                 "NULL, period text NOT NULL, entity text NOT NULL, value numeric(38, 6) NOT NULL,"
                 " adapter text NOT NULL, sequence bigint NOT NULL,"
                 " PRIMARY KEY (indicator, park, period, entity))");
  }
  PQfinish(conn);
  return error;
}

RunSummary RunPostgresLoad(const AlternativeLoadOptions& options) {
  RunSummary total = RunAdapters(options, RunAdapter);
  return total;
}

KpiQueryResult RunPostgresKpiQuery(const std::string& conninfo) {
  KpiQueryResult result;
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    result.error = PQerrorMessage(conn);
    PQfinish(conn);
    return result;
  }
  // What kpihubd keeps as cells and folds into KPIs: per (indicator, park, period) the exact
  // sum and the number of enterprises, and the zone's yearly totals over all parks.
  const std::string sql =
      "WITH cells AS (SELECT indicator, park, period, sum(value) AS total,"
      " count(*) FILTER (WHERE entity <> '') AS entities FROM observation"
      " GROUP BY indicator, park, period)"
      " SELECT indicator, left(period, 4) AS year, sum(total), sum(entities) FROM cells"
      " GROUP BY indicator, left(period, 4)";
  const auto started = Clock::now();
  result.error = Exec(conn, sql, &result.rows);
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  PQfinish(conn);
  return result;
}

}  // namespace kpihub::bench
