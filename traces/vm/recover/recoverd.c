/* oopsim-recoverd: the user-space half of the subsystem-restart policy.
 *
 * Started by the guest's /init (recover/start.sh) when oopsim_recover.ko is
 * loaded.  Reads /dev/kmsg from its end; for every oops (a die header "... [#N] ..."
 * up to its "---[ end trace" line) it notes the dying task (the "CPU: .. PID: ..
 * Comm: .." line), the module of the RIP line and the modules of the call
 * trace.  When the module's policy (/sys/module/oopsim_recover/parameters/mode)
 * is 3 (subsystem-restart) at the end of the oops, it picks the subsystem:
 *   1. the module of the faulting instruction (RIP ... [fat]), else
 *   2. the first module of the call trace, else
 *   3. the subsystem the dying task used: its workload's command line in the
 *      registry /run/oopsim-recover/workloads (/mnt/ext4 -> ext4, /mnt/vfat or
 *      /mnt/usb -> vfat, /dev/snd/... -> snd-dummy),
 * mapped to a restartable set (fat, vfat, nls_* -> vfat; ext4, jbd2, mbcache ->
 * ext4; usb_storage, sd_mod, scsi_mod -> usb-storage; snd_dummy, snd_pcm, snd,
 * snd_timer -> snd-dummy; snd_aloop -> snd-aloop), and runs
 * /etc/oopsim/recover/restart.sh SET PID, which kills the remaining users,
 * unmounts, rmmod/modprobes, mounts again, restarts the workloads and prints
 * "oopsim-recover: restarted SET in N ms".  Other oopses, or any oops under
 * another policy, are left alone.  At most oopsim.recover_max (kernel
 * cmdline, default 3) restarts per set; then it gives up on that set.
 * Oopses are handled one after the other (kmsg keeps what arrives meanwhile).
 */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "oopsim_policy_ids.h" /* MODE_*: from recover/policy_ids.txt (gen_headers.sh) */

#define MODE_PATH "/sys/module/oopsim_recover/parameters/mode"
#define REGISTRY "/run/oopsim-recover/workloads"
#define RESTART "/etc/oopsim/recover/restart.sh"
#define RESTARTED "/run/oopsim-recover/restarted"

static int kmsg_w = -1;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[512];
	int n;
	va_list ap;
	va_start(ap, fmt);
	n = snprintf(buf, sizeof buf, "<5>oopsim-recover: ");
	n += vsnprintf(buf + n, sizeof buf - n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof buf - 1) n = sizeof buf - 2;
	buf[n++] = '\n';
	if (kmsg_w >= 0) (void)!write(kmsg_w, buf, n);
	else fputs(buf + 3, stderr);
}

static int read_mode(void)
{
	char b[16] = "";
	int fd = open(MODE_PATH, O_RDONLY), n;
	if (fd < 0) return -1;
	n = read(fd, b, sizeof b - 1);
	close(fd);
	return n > 0 ? atoi(b) : -1;
}

static const char *set_of_module(const char *m)
{
	static const char *map[][2] = {
		{"fat", "vfat"}, {"vfat", "vfat"}, {"msdos", "vfat"}, {"nls_ascii", "vfat"},
		{"nls_cp437", "vfat"}, {"nls_utf8", "vfat"}, {"nls_iso8859_1", "vfat"},
		{"ext4", "ext4"}, {"jbd2", "ext4"}, {"mbcache", "ext4"},
		{"usb_storage", "usb-storage"}, {"uas", "usb-storage"}, {"sd_mod", "usb-storage"},
		{"scsi_mod", "usb-storage"}, {"scsi_common", "usb-storage"},
		{"snd_dummy", "snd-dummy"}, {"snd_pcm", "snd-dummy"}, {"snd", "snd-dummy"},
		{"snd_timer", "snd-dummy"}, {"soundcore", "snd-dummy"},
		{"snd_aloop", "snd-aloop"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(m, map[i][0])) return map[i][1];
	return NULL;
}

static const char *set_of_pid(int pid, char *cmd, size_t cmdsz)
{
	char line[600];
	const char *set = NULL;
	FILE *f = fopen(REGISTRY, "r");
	cmd[0] = 0;
	if (!f) return NULL;
	while (fgets(line, sizeof line, f)) {
		char *bar = strchr(line, '|');
		if (!bar || atoi(line) != pid) continue;
		bar[strcspn(bar, "\n")] = 0;
		snprintf(cmd, cmdsz, "%s", bar + 1);
		if (strstr(bar, "/mnt/ext4")) set = "ext4";
		else if (strstr(bar, "/mnt/vfat") || strstr(bar, "/mnt/usb")) set = "vfat";
		else if (strstr(bar, "/dev/snd/")) set = "snd-dummy";
		break;
	}
	fclose(f);
	return set;
}

/* "sym+0x1/0x2 [mod]" -> mod (in place), or NULL */
static char *trailing_module(char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1])) s[--n] = 0;
	if (!n || s[n - 1] != ']') return NULL;
	char *o = strrchr(s, '[');
	if (!o || o == s || o[-1] != ' ') return NULL;
	s[n - 1] = 0;
	return o + 1;
}

struct oops {
	int active, pid;
	char comm[32], rip[160], ripmod[64], tracemod[64];
};

static struct { char set[16]; int n; } counts[8];

static int *count_of(const char *set)
{
	for (int i = 0; i < 8; i++) {
		if (!strcmp(counts[i].set, set)) return &counts[i].n;
		if (!counts[i].set[0]) {
			snprintf(counts[i].set, sizeof counts[i].set, "%s", set);
			return &counts[i].n;
		}
	}
	return &counts[7].n;
}

static int max_restarts(void)
{
	char b[4096];
	int fd = open("/proc/cmdline", O_RDONLY), n, max = 3;
	if (fd < 0) return max;
	n = read(fd, b, sizeof b - 1);
	close(fd);
	if (n <= 0) return max;
	b[n] = 0;
	char *p = strstr(b, "oopsim.recover_max=");
	if (p) max = atoi(p + strlen("oopsim.recover_max="));
	return max;
}

/* the set of an earlier restart that replaced pid (restart.sh appends "OLD SET NEW"), or NULL */
static const char *replaced_by(int pid, char *set, size_t setsz)
{
	char line[128], s[32];
	int old, new;
	const char *r = NULL;
	FILE *f = fopen(RESTARTED, "r");
	if (!f) return NULL;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%d %31s %d", &old, s, &new) == 3 && old == pid) {
			snprintf(set, setsz, "%s", s);
			r = set;
		}
	fclose(f);
	return r;
}

static void handle(struct oops *o, int max)
{
	int mode = read_mode();
	const char *set = NULL, *why = NULL;
	char cmd[512] = "", done[32];

	if (mode != MODE_SUBSYSTEM_RESTART) return;
	if (replaced_by(o->pid, done, sizeof done)) {
		/* an oops that was queued while the restart that replaced this task ran */
		say("subsystem-restart: oops of pid %d (%s) at %s: already handled by the restart of %s",
		    o->pid, o->comm, o->rip, done);
		return;
	}
	if (o->ripmod[0] && (set = set_of_module(o->ripmod))) why = "faulting module";
	else if (o->tracemod[0] && (set = set_of_module(o->tracemod))) why = "module in the call trace";
	else if ((set = set_of_pid(o->pid, cmd, sizeof cmd))) why = "workload of the dying task";
	if (!set) {
		say("subsystem-restart: no restartable subsystem for the oops of pid %d (%s) at %s",
		    o->pid, o->comm, o->rip);
		return;
	}
	int *n = count_of(set);
	if (*n >= max) {
		say("subsystem-restart: %s already restarted %d times: giving up (oops of pid %d at %s)",
		    set, *n, o->pid, o->rip);
		return;
	}
	(*n)++;
	say("subsystem-restart: restarting %s (%s; oops of pid %d %s at %s), restart %d of at most %d",
	    set, why, o->pid, o->comm, o->rip, *n, max);
	pid_t c = fork();
	if (c == 0) {
		char pidbuf[16];
		snprintf(pidbuf, sizeof pidbuf, "%d", o->pid);
		execl("/bin/sh", "sh", RESTART, set, pidbuf, (char *)NULL);
		_exit(127);
	}
	if (c > 0) {
		int st;
		while (waitpid(c, &st, 0) < 0 && errno == EINTR) {}
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			say("subsystem-restart: %s exited with status %#x", RESTART, st);
	}
}

int main(void)
{
	static char buf[8192];
	struct oops o = {0};
	int max = max_restarts();
	int fd = open("/dev/kmsg", O_RDONLY);

	kmsg_w = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0) { say("daemon: cannot open /dev/kmsg: %s", strerror(errno)); return 1; }
	lseek(fd, 0, SEEK_END);
	say("daemon pid %d reading /dev/kmsg, policy mode %d, at most %d restarts per subsystem",
	    (int)getpid(), read_mode(), max);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf - 1);
		if (n < 0) {
			if (errno == EPIPE || errno == EINTR) continue; /* overwritten records */
			sleep(1);
			continue;
		}
		buf[n] = 0;
		char *msg = strchr(buf, ';');
		if (!msg) continue;
		msg++;
		msg[strcspn(msg, "\n")] = 0;
		if (!strncmp(msg, "oopsim-recover:", 15)) continue;
		char *h = strstr(msg, " [#");
		if (!o.active && h && isdigit((unsigned char)h[3])) {
			memset(&o, 0, sizeof o);
			o.active = 1;
			continue;
		}
		if (!o.active) continue;
		int pid;
		char comm[32];
		char *c = strstr(msg, "PID: ");
		if (!o.pid && strstr(msg, "CPU: ") && c && sscanf(c, "PID: %d Comm: %31s", &pid, comm) == 2) {
			o.pid = pid;
			snprintf(o.comm, sizeof o.comm, "%s", comm);
		} else if (!o.rip[0] && !strncmp(msg, "RIP: ", 5)) {
			char *r = strchr(msg + 5, ':');
			snprintf(o.rip, sizeof o.rip, "%s", r ? r + 1 : msg + 5);
			char *m = trailing_module(msg);
			if (m) snprintf(o.ripmod, sizeof o.ripmod, "%s", m);
		} else if (!o.tracemod[0] && strstr(msg, "+0x") && strchr(msg, '/')) {
			char *m = trailing_module(msg);
			if (m && strcmp(m, "oopsim_recover")) snprintf(o.tracemod, sizeof o.tracemod, "%s", m);
		} else if (strstr(msg, "---[ end trace")) {
			handle(&o, max);
			o.active = 0;
		}
	}
}
