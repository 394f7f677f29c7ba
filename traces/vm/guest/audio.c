/* oopsim audio playback via raw ALSA ioctls: audio [name] [device]
 * Opens /dev/snd/pcmC0D0p (snd-dummy), sets S16_LE/2ch/48kHz, and writes a
 * sine-ish square wave with SNDRV_PCM_IOCTL_WRITEI_FRAMES, which blocks at
 * the device's real-time pace.  PROGRESS reports frames played; an xrun is
 * recovered with PREPARE and counted.  Success: frames grow at ~48000 per
 * second of guest time, no FAIL line.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sound/asound.h>
#include "oopsim_progress.h"

#define RATE 48000
#define CH 2
#define PERIOD 1024
#define PERIODS 4

static void mask_set(struct snd_pcm_hw_params *p, int param, unsigned bit)
{
	struct snd_mask *m = &p->masks[param - SNDRV_PCM_HW_PARAM_FIRST_MASK];
	memset(m, 0, sizeof *m);
	m->bits[bit >> 5] |= 1u << (bit & 31);
}

static void iv_any(struct snd_pcm_hw_params *p, int param)
{
	struct snd_interval *i = &p->intervals[param - SNDRV_PCM_HW_PARAM_FIRST_INTERVAL];
	memset(i, 0, sizeof *i);
	i->min = 0;
	i->max = UINT_MAX;
}

static void iv_set(struct snd_pcm_hw_params *p, int param, unsigned v)
{
	struct snd_interval *i = &p->intervals[param - SNDRV_PCM_HW_PARAM_FIRST_INTERVAL];
	memset(i, 0, sizeof *i);
	i->min = i->max = v;
	i->integer = 1;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "audio";
	const char *dev = argc > 2 ? argv[2] : "/dev/snd/pcmC0D0p";
	struct snd_pcm_hw_params hw;
	static int16_t buf[PERIOD * CH];
	unsigned long frames = 0, xruns = 0;
	char extra[96];
	double t0;
	int fd, p;

	for (int tries = 0; (fd = open(dev, O_RDWR)) < 0 && tries < 50; tries++)
		usleep(100000);
	if (fd < 0) { oops_emit("FAIL %s open %s errno=%d", name, dev, errno); return 1; }
	memset(&hw, 0, sizeof hw);
	for (p = SNDRV_PCM_HW_PARAM_FIRST_MASK; p <= SNDRV_PCM_HW_PARAM_LAST_MASK; p++)
		memset(&hw.masks[p - SNDRV_PCM_HW_PARAM_FIRST_MASK], 0xff, sizeof(struct snd_mask));
	for (p = SNDRV_PCM_HW_PARAM_FIRST_INTERVAL; p <= SNDRV_PCM_HW_PARAM_LAST_INTERVAL; p++)
		iv_any(&hw, p);
	mask_set(&hw, SNDRV_PCM_HW_PARAM_ACCESS, SNDRV_PCM_ACCESS_RW_INTERLEAVED);
	mask_set(&hw, SNDRV_PCM_HW_PARAM_FORMAT, SNDRV_PCM_FORMAT_S16_LE);
	mask_set(&hw, SNDRV_PCM_HW_PARAM_SUBFORMAT, SNDRV_PCM_SUBFORMAT_STD);
	iv_set(&hw, SNDRV_PCM_HW_PARAM_CHANNELS, CH);
	iv_set(&hw, SNDRV_PCM_HW_PARAM_RATE, RATE);
	iv_set(&hw, SNDRV_PCM_HW_PARAM_PERIOD_SIZE, PERIOD);
	iv_set(&hw, SNDRV_PCM_HW_PARAM_PERIODS, PERIODS);
	hw.rmask = ~0u;
	if (ioctl(fd, SNDRV_PCM_IOCTL_HW_PARAMS, &hw)) {
		oops_emit("FAIL %s HW_PARAMS errno=%d", name, errno);
		return 1;
	}
	if (ioctl(fd, SNDRV_PCM_IOCTL_PREPARE)) {
		oops_emit("FAIL %s PREPARE errno=%d", name, errno);
		return 1;
	}
	for (int i = 0; i < PERIOD; i++)
		buf[2 * i] = buf[2 * i + 1] = (i / 55) & 1 ? 8000 : -8000; /* ~436 Hz */
	oops_emit("START %s dev=%s rate=%d pid=%d", name, dev, RATE, (int)getpid());
	t0 = oops_now();
	for (;;) {
		struct snd_xferi x = { .buf = buf, .frames = PERIOD };
		if (ioctl(fd, SNDRV_PCM_IOCTL_WRITEI_FRAMES, &x)) {
			if (errno == EPIPE) {
				xruns++;
				ioctl(fd, SNDRV_PCM_IOCTL_PREPARE);
				continue;
			}
			oops_emit("FAIL %s WRITEI errno=%d pid=%d", name, errno, (int)getpid());
			sleep(1);
			continue;
		}
		frames += x.result;
		snprintf(extra, sizeof extra, "frames=%lu xruns=%lu rate=%.0f", frames, xruns,
			 frames / (oops_now() - t0 + 1e-9));
		oops_progress(name, frames / PERIOD, extra);
	}
}
