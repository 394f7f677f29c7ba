/* oopsim restartd-like supervisor: restartd [name]
 * Forks a daemon (this binary re-exec'd as "restartd-daemon"), waits for it and
 * restarts it when it dies.  The daemon heartbeats over a pipe, calls uname(2)
 * every 200 ms (a distinctive syscall used to provoke oopses via gdb), writes
 * a pidfile, and dies after ~3 s, in rotation: exit(1), SIGSEGV, SIGKILL
 * from the supervisor.  PROGRESS reports the restart count.  Success: the
 * restart counter increases and each daemon heartbeats before dying.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include "oopsim_progress.h"

static int daemon_main(const char *name, int hb_fd, int mode)
{
	char pidf[64];
	struct utsname u;
	snprintf(pidf, sizeof pidf, "/run/%s-daemon.pid", name);
	FILE *f = fopen(pidf, "w");
	if (f) { fprintf(f, "%d\n", (int)getpid()); fclose(f); }
	for (int i = 0; ; i++) {
		syscall(SYS_uname, &u);
		(void)!write(hb_fd, "h", 1);
		usleep(200000);
		if (i == 15) {
			if (mode == 0) exit(1);
			if (mode == 1) raise(SIGSEGV);
			/* mode 2: wait to be killed by the supervisor */
		}
	}
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "restartd";
	unsigned long restarts = 0, beats_total = 0;
	char extra[128];

	signal(SIGPIPE, SIG_IGN);
	oops_emit("START %s pid=%d", name, (int)getpid());
	for (;;) {
		int pfd[2], status = 0, mode = restarts % 3;
		unsigned long beats = 0;
		char c;
		if (pipe(pfd)) { oops_emit("FAIL %s pipe errno=%d", name, errno); sleep(1); continue; }
		pid_t d = fork();
		if (d == 0) {
			close(pfd[0]);
			return daemon_main(name, pfd[1], mode);
		}
		close(pfd[1]);
		while (read(pfd[0], &c, 1) == 1) {
			beats++;
			if (mode == 2 && beats >= 16)
				kill(d, SIGKILL);
			snprintf(extra, sizeof extra, "daemon=%d beats=%lu", (int)d, beats_total + beats);
			oops_progress(name, restarts, extra);
		}
		close(pfd[0]);
		waitpid(d, &status, 0);
		beats_total += beats;
		restarts++;
		if (beats == 0)
			oops_emit("FAIL %s daemon %d died without heartbeat status=0x%x", name, (int)d, status);
		struct utsname u;
		uname(&u);
		oops_emit("RESTART %s n=%lu daemon=%d status=0x%x beats=%lu node=%s pid=%d", name, restarts,
			  (int)d, status, beats, u.nodename, (int)getpid());
		usleep(100000);
	}
}
