/* Shared helpers for oopsim guest workloads.
 * Every workload reports "PROGRESS <name> <n> pid=<pid> ..." to /dev/kmsg
 * (-> guest console, captured on the host as console.log) and to the ftrace
 * trace_marker (-> trace.txt stream) at most once per second.  Failures are
 * reported as "FAIL <name> ..." on the same channels.
 */
#ifndef OOPSIM_PROGRESS_H
#define OOPSIM_PROGRESS_H
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int oops_kmsg_fd = -2, oops_marker_fd = -2;

static double oops_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void oops_emit(const char* fmt, ...) {
  char buf[256], line[300];
  va_list ap;
  int n;
  if (oops_kmsg_fd == -2) oops_kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
  if (oops_marker_fd == -2)
    oops_marker_fd = open("/sys/kernel/tracing/instances/oopsim/trace_marker", O_WRONLY | O_CLOEXEC);
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  /* <5> = KERN_NOTICE so it reaches the serial console */
  n = snprintf(line, sizeof line, "<5>%s\n", buf);
  if (oops_kmsg_fd >= 0)
    (void)!write(oops_kmsg_fd, line, n);
  else
    fputs(line + 3, stderr);
  if (oops_marker_fd >= 0) (void)!write(oops_marker_fd, buf, strlen(buf));
}

/* Per-iteration pacing: OOPSIM_PACE_US (set by /init from oopsim.pace_us=). */
static inline void oops_pace(void) {
  static long us = -1;
  if (us < 0) {
    const char* e = getenv("OOPSIM_PACE_US");
    us = e ? atol(e) : 0;
  }
  if (us > 0) usleep(us);
}

/* Report progress if at least 1 s passed since the last report. */
static void oops_progress(const char* name, unsigned long n, const char* extra) {
  static double last;
  double t = oops_now();
  if (t - last < 1.0) return;
  last = t;
  oops_emit("PROGRESS %s %lu pid=%d%s%s", name, n, (int)getpid(), extra && *extra ? " " : "",
            extra ? extra : "");
}
#endif
