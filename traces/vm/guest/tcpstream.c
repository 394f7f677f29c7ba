/* oopsim TCP stream over loopback: tcpstream [name] [port]
 * A forked receiver accepts on 127.0.0.1:port; the sender streams a
 * sequence-numbered pattern.  The receiver verifies every byte and reports
 * PROGRESS with the number of verified MiB.  Success: counter increases,
 * no FAIL line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "oopsim_progress.h"

#define CHUNK 16384

static void pattern(unsigned char *b, size_t n, uint64_t off)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)((off + i) * 131u >> 3);
}

static int receiver(const char *name, int lfd)
{
	static unsigned char buf[CHUNK], exp[CHUNK];
	char extra[64];
	uint64_t off = 0;
	int fd = accept(lfd, NULL, NULL);
	if (fd < 0) { oops_emit("FAIL %s accept errno=%d", name, errno); return 1; }
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r <= 0) { oops_emit("FAIL %s read r=%zd errno=%d pid=%d", name, r, errno, (int)getpid()); return 1; }
		pattern(exp, r, off);
		if (memcmp(buf, exp, r)) { oops_emit("FAIL %s verify off=%llu pid=%d", name, (unsigned long long)off, (int)getpid()); return 1; }
		off += r;
		snprintf(extra, sizeof extra, "role=rx bytes=%llu", (unsigned long long)off);
		oops_progress(name, off >> 20, extra);
	}
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "tcp";
	int port = argc > 2 ? atoi(argv[2]) : 5555;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	static unsigned char buf[CHUNK];
	int one = 1, lfd, fd;
	uint64_t off = 0;
	pid_t rx;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(lfd, (void *)&a, sizeof a) || listen(lfd, 1)) {
		oops_emit("FAIL %s bind/listen errno=%d", name, errno);
		return 1;
	}
	oops_emit("START %s port=%d pid=%d", name, port, (int)getpid());
	rx = fork();
	if (rx == 0)
		return receiver(name, lfd);
	close(lfd);
	signal(SIGPIPE, SIG_IGN);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (void *)&a, sizeof a)) {
		oops_emit("FAIL %s connect errno=%d", name, errno);
		return 1;
	}
	for (;;) {
		size_t p = 0;
		pattern(buf, CHUNK, off);
		while (p < CHUNK) {
			ssize_t w = write(fd, buf + p, CHUNK - p);
			if (w <= 0) {
				oops_emit("FAIL %s write errno=%d pid=%d", name, errno, (int)getpid());
				kill(rx, SIGKILL);
				return 1;
			}
			p += w;
		}
		off += CHUNK;
		oops_pace();
	}
}
