// The last line of defence against a damaged data file. The checks before mapping (meta
// pages, size) and on every record (bounds, checksum) cover what our code reads; LMDB itself
// follows page numbers and node offsets inside pages before anything can check them, and a
// damaged one can make it read outside the map (SIGSEGV) or past the file (SIGBUS). Installed
// by a program's main, this turns such a fault into a message and an exit code instead of a
// death by signal (systemd then restarts the daemon like any storage failure, and an operator
// sees what to do). Process-wide: call once from main, before any thread starts.
#pragma once

#include <lmdb.h>

namespace kpihub::platform {

// On SIGSEGV or SIGBUS: writes "<program>: memory fault (signal N) while running: the data
// file is probably damaged; run `kpihub verify` and restore a backup (docs/operations.md)" to
// stderr and exits with `exit_code` (async-signal-safe: write and _exit only).
void ExitCleanlyOnMapFault(const char* program, int exit_code);

// LMDB's own consistency checks (`mdb_assert`) call abort() when a page it follows is not what
// it expects, e.g. a damaged root page number. Every environment OpenLmdbEnv creates passes
// through this: the failed check becomes the same message (naming LMDB's check) and the same
// exit code as a memory fault. Not signal-based, so sanitized builds keep it too.
void OnLmdbAssertFailure(MDB_env* env, const char* message);

}  // namespace kpihub::platform
