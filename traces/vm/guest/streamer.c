/* oopsim trace streamer (guest infrastructure, not a workload).
 *   oopsim-streamer stream PORT [MS] [copy|splice]
 *                                 copy the oopsim instance's trace_pipe to PORT
 *                                 (virtio-serial) with read/write in 64 KiB steps
 *                                 (copy, the default) or splice() (which lost
 *                                 about 3% of the text on Linux 6.12, cutting
 *                                 lines): whatever text is ready goes out at once
 *                                 as one write, so
 *                                 nothing already emitted waits in a user buffer,
 *                                 and one host notification covers up to 64 KiB
 *                                 (cat writes 4 KiB at a time, and the resulting
 *                                 virtio interrupts were ~50% of all lock events).
 *                                 trace_pipe is opened O_NONBLOCK: it drains all
 *                                 that is ready, then sleeps MS ms (default 20)
 *                                 so that events pile up into bigger batches
 *                                 instead of every event waking the streamer
 *                                 (whose wakeups are themselves traced events).
 *   oopsim-streamer retrace [MS]  every MS ms (default 200): if the instance's
 *                                 tracing_on went to 0 (an oops' tracing_off()
 *                                 stops only the top-level buffer, so this is a
 *                                 guard), switch it back on and leave a marker.
 *                                 It also reads the host's mailbox: the kernel's
 *                                 domainname, which the host writes through the
 *                                 gdb stub (nothing else here uses it). When it
 *                                 changes to "oopsim-trace-off", the marker
 *                                 "OOPSIM TRACE END" goes into the trace and the
 *                                 instance stops recording, so the streamer can
 *                                 drain what is left without the workloads
 *                                 overwriting it; "oopsim-trace-on" switches it
 *                                 on again (a state is saved with nothing left
 *                                 to stream).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* the ftrace instance /init makes for the record (an oops stops only the top-level buffer) */
#define T "/sys/kernel/tracing/instances/oopsim/"

static int stream(const char *port, int ms, int copy)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	/* O_NONBLOCK: drain everything ready, then sleep MS ms (poll, no wakeups) */
	int in = open(T "trace_pipe", O_RDONLY | O_NONBLOCK), out = open(port, O_WRONLY), p[2];
	static char buf[65536];
	if (in < 0 || out < 0 || pipe(p)) {
		perror("streamer open");
		return 1;
	}
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	while (!copy) {
		ssize_t n = splice(in, NULL, p[1], NULL, 1 << 20, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			nanosleep(&ts, NULL);
			continue;
		}
		if (n < 0 && (errno == EINVAL || errno == ENOSYS))
			break; /* no splice: fall back to read/write */
		if (n <= 0) {
			perror("splice in");
			return 1;
		}
		while (n > 0) {
			ssize_t m = splice(p[0], NULL, out, NULL, n, SPLICE_F_MORE);
			if (m < 0 && errno == EINTR)
				continue;
			if (m < 0 && errno == EINVAL) { /* port can't splice: copy */
				m = read(p[0], buf, n);
				if (m > 0 && write(out, buf, m) != m)
					return 1;
			}
			if (m <= 0)
				return 1;
			n -= m;
		}
	}
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			nanosleep(&ts, NULL);
			continue;
		}
		if (n <= 0 || write(out, buf, n) != n)
			return 1;
	}
}

/* The host's mailbox (see the header): the command in the domainname, acted on when it changes. */
static int mailbox(int dom, char *last, size_t cap)
{
	char now[65] = { 0 };
	ssize_t n = pread(dom, now, sizeof now - 1, 0);
	if (n <= 0)
		return 0;
	now[strcspn(now, "\n")] = 0;
	if (!strcmp(now, last))
		return 0;
	snprintf(last, cap, "%s", now);
	if (!strcmp(now, "oopsim-trace-off"))
		return -1;
	if (!strcmp(now, "oopsim-trace-on"))
		return 1;
	return 0;
}

static int retrace(int ms)
{
	int fd = open(T "tracing_on", O_RDWR), mk = open(T "trace_marker", O_WRONLY),
	    km = open("/dev/kmsg", O_WRONLY), dom = open("/proc/sys/kernel/domainname", O_RDONLY);
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	char c, last[65] = { 0 };
	int seen_on = 0, host_off = 0;
	if (fd < 0)
		return 1;
	if (dom >= 0)
		mailbox(dom, last, sizeof last); /* what is there now is no command */
	for (;;) {
		nanosleep(&ts, NULL);
		int cmd = dom >= 0 ? mailbox(dom, last, sizeof last) : 0;
		if (cmd < 0 && !host_off) {
			static const char end[] = "OOPSIM TRACE END";
			if (mk >= 0)
				(void)!write(mk, end, sizeof end - 1);
			(void)!pwrite(fd, "0", 1, 0);
			host_off = 1;
		} else if (cmd > 0 && host_off) {
			(void)!pwrite(fd, "1", 1, 0);
			host_off = 0;
		}
		if (host_off || pread(fd, &c, 1, 0) != 1)
			continue;
		if (c == '1')
			seen_on = 1;	/* only re-enable what was on before */
		else if (seen_on && c == '0') {
			(void)!pwrite(fd, "1", 1, 0);
			static const char msg[] = "OOPSIM TRACE RE-ENABLED (the instance was switched off)";
			if (mk >= 0)
				(void)!write(mk, msg, sizeof msg - 1);
			if (km >= 0)
				(void)!write(km, "<5>OOPSIM trace re-enabled\n", 27);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "stream"))
		return stream(argv[2], argc > 3 ? atoi(argv[3]) : 20, !(argc > 4 && !strcmp(argv[4], "splice")));
	if (argc >= 2 && !strcmp(argv[1], "retrace"))
		return retrace(argc > 2 ? atoi(argv[2]) : 200);
	fprintf(stderr, "usage: %s stream PORT [MS] [copy|splice] | retrace [MS]\n", argv[0]);
	return 2;
}
