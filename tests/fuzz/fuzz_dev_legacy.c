/* libFuzzer over the legacy PC devices wired together (PIC, PIT, RTC,
 * i8042, 0xCF9): the input is a stream of 3-byte operations (port I/O,
 * time moving forward, timer advance, device lines, INTA). Checked after
 * every step: no sanitizer report, reported IRQ levels match each model,
 * INTA vectors come from a programmed base, and after advance(now) every
 * timer's next event lies in the future (else the VMX side would spin). */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "emul/dev/pic8259.h"
#include "emul/dev/pit8254.h"
#include "emul/dev/rtc_cmos.h"
#include "emul/dev/i8042.h"
#include "emul/dev/resetctl.h"

struct board {
	struct pic pic;
	struct pit pit;
	struct rtc rtc;
	struct i8042 kbc;
	struct resetctl rc;
	uint64_t ns;
	bool line[16];
};

static uint64_t now(void *ctx) { return ((struct board *)ctx)->ns; }

static void set_line(void *ctx, unsigned line, bool level)
{
	struct board *b = ctx;
	if (line > 15)
		abort();
	b->line[line] = level;
	pic_set_irq(&b->pic, line, level);
}

static void nop(void *ctx) { (void)ctx; }

static const struct { const struct io_dev_ops *ops; unsigned dev, off; } ports[] = {
	{ &pic_master_ops, 0, 0 }, { &pic_master_ops, 0, 1 }, { &pic_slave_ops, 0, 0 },
	{ &pic_slave_ops, 0, 1 }, { &pic_elcr_ops, 0, 0 }, { &pic_elcr_ops, 0, 1 },
	{ &pit_ops, 1, 0 }, { &pit_ops, 1, 1 }, { &pit_ops, 1, 2 }, { &pit_ops, 1, 3 },
	{ &pit_port61_ops, 1, 0 }, { &rtc_ops, 2, 0 }, { &rtc_ops, 2, 1 },
	{ &i8042_data_ops, 3, 0 }, { &i8042_cmd_ops, 3, 0 }, { &resetctl_ops, 4, 0 },
	{ &resetctl_port92_ops, 4, 0 },
};
#define NPORTS (sizeof(ports) / sizeof(ports[0]))

static void *dev_of(struct board *b, unsigned d)
{
	void *devs[] = { &b->pic, &b->pit, &b->rtc, &b->kbc, &b->rc };
	return devs[d];
}

static void check(struct board *b)
{
	if (b->line[0] != b->pit.irq_level || b->line[8] != b->rtc.irq_level ||
	    b->line[1] != b->kbc.irq1 || b->line[12] != b->kbc.irq12)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct board b;
	memset(&b, 0, sizeof(b));
	struct irq_line line = { set_line, &b };
	struct dev_clock clk = { now, &b };
	struct vm_control ctl = { nop, nop, &b };
	struct rtc_config cfg = { .epoch_sec = 1700000000, .ram_below_4g = 64 << 20 };
	pic_init(&b.pic, NULL);
	pit_init(&b.pit, &line, &clk);
	rtc_init(&b.rtc, &cfg, &line, &clk);
	i8042_init(&b.kbc, &line, &ctl);
	resetctl_init(&b.rc, &ctl);

	for (size_t i = 0; i + 3 <= size; i += 3) {
		uint8_t op = data[i], a = data[i + 1], v = data[i + 2];
		switch (op % 8) {
		case 0:
		case 1: {
			unsigned p = a % NPORTS;
			ports[p].ops->write(dev_of(&b, ports[p].dev), ports[p].off, 1, v);
			break;
		}
		case 2: {
			unsigned p = a % NPORTS;
			ports[p].ops->read(dev_of(&b, ports[p].dev), ports[p].off, 1);
			break;
		}
		case 3:		/* time moves: up to ~2^40 ns in one step */
			b.ns += ((uint64_t)v << (a % 33));
			break;
		case 4: {	/* the VMX side's timer fired: jump to the earliest event */
			uint64_t e = pit_next_event_ns(&b.pit), r = rtc_next_event_ns(&b.rtc);
			uint64_t t = e < r ? e : r;
			if (t != UINT64_MAX && t > b.ns && t - b.ns < (1ull << 42))
				b.ns = t;
		}
			/* fall through */
		case 5:
			pit_advance(&b.pit, b.ns);
			rtc_advance(&b.rtc, b.ns);
			if (pit_next_event_ns(&b.pit) <= b.ns || rtc_next_event_ns(&b.rtc) <= b.ns)
				abort();
			break;
		case 6:		/* other devices' lines (not those the models drive) */
			if (a % 16 != 0 && a % 16 != 1 && a % 16 != 8 && a % 16 != 12)
				pic_set_irq(&b.pic, a % 16, v & 1);
			break;
		default:
			if (pic_has_interrupt(&b.pic)) {
				int vec = pic_ack(&b.pic);
				if (vec < 0 || vec > 255 ||
				    ((vec & 0xf8) != b.pic.c[0].base && (vec & 0xf8) != b.pic.c[1].base))
					abort();
			}
			break;
		}
		check(&b);
	}
	return 0;
}
