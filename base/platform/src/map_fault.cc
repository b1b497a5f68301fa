#include "kpihub/platform/map_fault.h"

#include <signal.h>
#include <unistd.h>

#include <cstring>

namespace kpihub::platform {
namespace {

// Set once by ExitCleanlyOnMapFault before the handler can run; read only by the handler.
const char* g_program = "kpihub";
int g_exit_code = 3;

void Write(const char* text) {
  ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

void OnFault(int sig) {
  Write(g_program);
  Write(sig == SIGBUS ? ": memory fault (SIGBUS)" : ": memory fault (SIGSEGV)");
  Write(" while running: the data file is probably damaged; run `kpihub verify` and restore a "
        "backup (docs/operations.md, \"Truncated or corrupted stores\")\n");
  ::_exit(g_exit_code);
}

}  // namespace

void OnLmdbAssertFailure(MDB_env*, const char* message) {
  Write(g_program);
  Write(": LMDB found the data file inconsistent (");
  Write(message);
  Write("): the data file is damaged; run `kpihub verify` and restore a backup "
        "(docs/operations.md, \"Truncated or corrupted stores\")\n");
  ::_exit(g_exit_code);
}

void ExitCleanlyOnMapFault(const char* program, int exit_code) {
#if defined(__SANITIZE_ADDRESS__)
  (void)program;
  (void)exit_code;
  return;  // a sanitized build keeps ASan's report of the fault
#endif
  g_program = program;
  g_exit_code = exit_code;
  struct sigaction action {};
  action.sa_handler = OnFault;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;
  ::sigaction(SIGSEGV, &action, nullptr);
  ::sigaction(SIGBUS, &action, nullptr);
}

}  // namespace kpihub::platform
