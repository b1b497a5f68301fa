/* fault_shim: an LD_PRELOAD library that makes storage calls on chosen files fail, so that the
 * real kpihubd and the real LMDB meet the errors a full or failing disk gives.
 *
 * It interposes the calls LMDB 0.9 makes on its data file (see `nm -D liblmdb.so`): fsync,
 * fdatasync (group "sync"), write, pwrite, pwrite64, writev (group "write"). msync is only
 * used with MDB_WRITEMAP, which kpihub does not set; it is interposed too ("msync"), matched
 * by no path (every msync counts).
 *
 * Controlled by environment variables read at the first call:
 *   KPIHUB_FAULT_PATH   only files whose path starts with this are affected (required)
 *   KPIHUB_FAULT_OP     sync | write | msync
 *   KPIHUB_FAULT_SKIP   matching calls that succeed before the first failure (default 0)
 *   KPIHUB_FAULT_TIMES  failures to inject, then succeed again; 0 = fail for good (default)
 *   KPIHUB_FAULT_ERRNO  EIO (default), ENOSPC, EDQUOT or EROFS
 *   KPIHUB_FAULT_LOG    file to which one line is appended per injected failure
 *
 * A failing write writes nothing and returns -1, as a disk refusing the first byte would.
 * Thread-safe: the counter is atomic. Under AddressSanitizer the ASan runtime must come first
 * in LD_PRELOAD (LD_PRELOAD="$(gcc -print-file-name=libasan.so):fault_shim.so"); its
 * interceptors then reach these functions through dlsym(RTLD_NEXT), which is what they call.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum fault_op { OP_NONE, OP_SYNC, OP_WRITE, OP_MSYNC };

static struct {
  atomic_int loaded;
  const char* path;
  enum fault_op op;
  long skip;
  long times;
  int err;
  const char* log;
  atomic_long seen;
} cfg;

static int parse_errno(const char* name) {
  if (name == NULL || strcmp(name, "EIO") == 0) return EIO;
  if (strcmp(name, "ENOSPC") == 0) return ENOSPC;
  if (strcmp(name, "EDQUOT") == 0) return EDQUOT;
  if (strcmp(name, "EROFS") == 0) return EROFS;
  return EIO;
}

static void load(void) {
  if (atomic_load(&cfg.loaded)) return;
  const char* op = getenv("KPIHUB_FAULT_OP");
  cfg.path = getenv("KPIHUB_FAULT_PATH");
  cfg.op = op == NULL             ? OP_NONE
           : !strcmp(op, "sync")  ? OP_SYNC
           : !strcmp(op, "write") ? OP_WRITE
           : !strcmp(op, "msync") ? OP_MSYNC
                                  : OP_NONE;
  const char* skip = getenv("KPIHUB_FAULT_SKIP");
  const char* times = getenv("KPIHUB_FAULT_TIMES");
  cfg.skip = skip ? atol(skip) : 0;
  cfg.times = times ? atol(times) : 0;
  cfg.err = parse_errno(getenv("KPIHUB_FAULT_ERRNO"));
  cfg.log = getenv("KPIHUB_FAULT_LOG");
  atomic_store(&cfg.loaded, 1);
}

static int fd_matches(int fd) {
  if (cfg.path == NULL || cfg.path[0] == '\0') return 0;
  char link[64], target[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof target - 1);
  if (n <= 0) return 0;
  target[n] = '\0';
  return strncmp(target, cfg.path, strlen(cfg.path)) == 0;
}

static void note(const char* call, int fd) {
  if (cfg.log == NULL) return;
  int out = open(cfg.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) return;
  char line[256];
  int n = snprintf(line, sizeof line, "pid=%d injected %s fd=%d errno=%s\n", (int)getpid(), call,
                   fd, strerror(cfg.err));
  if (n > 0) {
    ssize_t (*real_write)(int, const void*, size_t) = dlsym(RTLD_NEXT, "write");
    (void)real_write(out, line, (size_t)n);
  }
  close(out);
}

/* 1 if this call must fail (errno set). `fd` < 0 means no path to match (msync). */
static int should_fail(enum fault_op op, const char* call, int fd) {
  load();
  if (cfg.op != op) return 0;
  if (fd >= 0 && !fd_matches(fd)) return 0;
  long n = atomic_fetch_add(&cfg.seen, 1);
  if (n < cfg.skip) return 0;
  if (cfg.times > 0 && n >= cfg.skip + cfg.times) return 0;
  note(call, fd);
  errno = cfg.err;
  return 1;
}

#define REAL(name, type) ((type)dlsym(RTLD_NEXT, name))

int fsync(int fd) {
  if (should_fail(OP_SYNC, "fsync", fd)) return -1;
  return REAL("fsync", int (*)(int))(fd);
}

int fdatasync(int fd) {
  if (should_fail(OP_SYNC, "fdatasync", fd)) return -1;
  return REAL("fdatasync", int (*)(int))(fd);
}

int msync(void* addr, size_t length, int flags) {
  if (should_fail(OP_MSYNC, "msync", -1)) return -1;
  return REAL("msync", int (*)(void*, size_t, int))(addr, length, flags);
}

ssize_t write(int fd, const void* buf, size_t count) {
  if (should_fail(OP_WRITE, "write", fd)) return -1;
  return REAL("write", ssize_t (*)(int, const void*, size_t))(fd, buf, count);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  if (should_fail(OP_WRITE, "pwrite", fd)) return -1;
  return REAL("pwrite", ssize_t (*)(int, const void*, size_t, off_t))(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off_t offset) {
  if (should_fail(OP_WRITE, "pwrite64", fd)) return -1;
  return REAL("pwrite64", ssize_t (*)(int, const void*, size_t, off_t))(fd, buf, count, offset);
}

ssize_t writev(int fd, const struct iovec* iov, int iovcnt) {
  if (should_fail(OP_WRITE, "writev", fd)) return -1;
  return REAL("writev", ssize_t (*)(int, const struct iovec*, int))(fd, iov, iovcnt);
}
