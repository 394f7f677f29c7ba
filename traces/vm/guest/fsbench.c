/* oopsim fs benchmark: fsbench <name> <dir>
 * Loop: create/write/fsync/read-back+verify/rename/stat/readdir/unlink/mkdir/rmdir.
 * Success criterion: PROGRESS counter keeps increasing, and no FAIL line
 * (every read-back matches the written pattern).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "oopsim_progress.h"

#define FILE_SZ (16 * 1024)
#define NFILES 8

static void fill(uint32_t *p, size_t words, uint32_t seed)
{
	for (size_t i = 0; i < words; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = seed;
	}
}

static void fail(const char *name, const char *what, const char *path)
{
	oops_emit("FAIL %s %s %s errno=%d pid=%d", name, what, path, errno, (int)getpid());
	sleep(1);
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "fs";
	const char *dir = argc > 2 ? argv[2] : "/tmp";
	static uint32_t wbuf[FILE_SZ / 4], rbuf[FILE_SZ / 4];
	char path[600], path2[600], sub[256], extra[64];
	unsigned long iter = 0, errors = 0;

	snprintf(sub, sizeof sub, "%s/oopsim-%s", dir, name);
	mkdir(sub, 0755);
	oops_emit("START %s dir=%s pid=%d", name, sub, (int)getpid());
	for (;;) {
		int k = iter % NFILES, fd;
		snprintf(path, sizeof path, "%s/tmp%d", sub, k);
		snprintf(path2, sizeof path2, "%s/f%d", sub, k);
		fill(wbuf, FILE_SZ / 4, (uint32_t)iter);
		fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
		if (fd < 0) { fail(name, "open-w", path); errors++; continue; }
		if (write(fd, wbuf, FILE_SZ) != FILE_SZ) { fail(name, "write", path); errors++; }
		if (iter % 4 == 0 && fsync(fd)) { fail(name, "fsync", path); errors++; }
		close(fd);
		if (rename(path, path2)) { fail(name, "rename", path2); errors++; }
		fd = open(path2, O_RDONLY);
		if (fd < 0) { fail(name, "open-r", path2); errors++; continue; }
		if (read(fd, rbuf, FILE_SZ) != FILE_SZ || memcmp(rbuf, wbuf, FILE_SZ)) {
			fail(name, "verify", path2); errors++;
		}
		close(fd);
		struct stat st;
		if (stat(path2, &st) || st.st_size != FILE_SZ) { fail(name, "stat", path2); errors++; }
		if (iter % 8 == 7) {
			DIR *d = opendir(sub);
			int n = 0;
			if (d) { while (readdir(d)) n++; closedir(d); }
			snprintf(path, sizeof path, "%s/d%lu", sub, iter % 3);
			if (mkdir(path, 0755) == 0) rmdir(path);
			snprintf(path, sizeof path, "%s/f%d", sub, (k + 3) % NFILES);
			unlink(path);
		}
		iter++;
		oops_pace();
		snprintf(extra, sizeof extra, "bytes=%lu errors=%lu", iter * (unsigned long)FILE_SZ, errors);
		oops_progress(name, iter, extra);
	}
}
