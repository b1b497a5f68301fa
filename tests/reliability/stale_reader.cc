// stale_reader: a reader of kpihub's LMDB environment that opens a read transaction and keeps
// it, as a `kpihub backup` of a large store or a stuck tool would. Prints "reading TXNID" once
// the transaction is open, then holds it until its standard input ends (or it is killed, which
// leaves its reader slot behind for the daemon to clear).
//
//   stale_reader STATE_DIR
#include <lmdb.h>

#include <cstdio>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: stale_reader STATE_DIR\n");
    return 1;
  }
  MDB_env* env = nullptr;
  int rc = mdb_env_create(&env);
  if (rc == 0) rc = mdb_env_set_maxdbs(env, 16);
  if (rc == 0) rc = mdb_env_open(env, argv[1], MDB_RDONLY | MDB_NOTLS, 0600);
  MDB_txn* txn = nullptr;
  if (rc == 0) rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
  if (rc != 0) {
    std::fprintf(stderr, "stale_reader: %s\n", mdb_strerror(rc));
    return 1;
  }
  std::printf("reading %zu\n", mdb_txn_id(txn));
  std::fflush(stdout);
  char buf[64];
  while (read(0, buf, sizeof buf) > 0) {
  }
  mdb_txn_abort(txn);
  mdb_env_close(env);
  return 0;
}
