/* The issue-2 platform: COM1, QEMU's isa-debug-exit at 0xf4, and the POST
 * port 0x80 (written by many kernels as an I/O delay). Everything else on
 * the port bus reads all-ones. */
#include <string.h>
#include "vmx/platform.h"
#include "vmx/vcpu.h"
#include "vmx/vm.h"
#include "lib/log.h"
#include "drivers/uart.h"
#include "mmu/host/frames.h"
#include "vmx/guest_mem.h"
#include "vmx/events.h"
#include "drivers/tsc.h"
#include "emul/dev/acpi_tables.h"

static void com1_out(void *ctx, uint8_t byte)
{
	platform_console_put(ctx, byte);
}

void platform_console_flush(struct vm_platform *p)
{
	if (!p->line_len)
		return;
	kprintf("[%s] %.*s\n", p->vm->name, (int)p->line_len, p->line);
	p->line_len = 0;
}

void platform_console_put(struct vm_platform *p, uint8_t byte)
{
	if (byte == '\n') {
		if (p->line_len)
			platform_console_flush(p);
		else
			kprintf("[%s] \n", p->vm->name);
		return;
	}
	if (byte == '\r')
		return;
	/* Control bytes other than tab would garble the log: show them as '.'. */
	if ((byte < 0x20 && byte != '\t') || byte == 0x7f)
		byte = '.';
	p->line[p->line_len++] = (char)byte;
	if (p->line_len == CONSOLE_LINE_MAX)
		platform_console_flush(p);
}

/* isa-debug-exit (QEMU hw/misc/debugexit semantics): a write of v ends the
 * VM with status (v << 1) | 1; reads return all-ones. */
static void debug_exit_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct vm_platform *p = dev;
	(void)off;
	(void)size;
	p->debug_exit_pending = 1;
	p->debug_exit_status = (int)(((val << 1) | 1) & 0xff);
}

static const struct io_dev_ops debug_exit_ops = { 0, debug_exit_write };

static void ignore_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	(void)dev, (void)off, (void)size, (void)val;
}

static const struct io_dev_ops post_ops = { 0, ignore_write };

static void isa_irq(void *ctx, unsigned line, bool level)
{
	platform_set_isa_irq(ctx, line, level);
}

/* ISA IRQ0 (the PIT) is wired to IOAPIC pin 2, as on PCs and as the MADT's
 * interrupt source override says; the other ISA lines keep their numbers. */
void platform_set_isa_irq(struct vm_platform *p, unsigned line, bool level)
{
	pic_set_irq(&p->pic, line, level);
	ioapic_set_irq(&p->ioapic, line == 0 ? 2 : line, level);
	p->dirty = true;
	p->events_active = true;
}

/* The PIC's INTR output: only a hint to look again before the next entry. */
static void pic_intr(void *ctx, unsigned line, bool level)
{
	struct vm_platform *p = ctx;
	(void)line;
	(void)level;
	p->dirty = true;
	p->events_active = true;
}

/* Register @ops at @base on the port bus for a device that can interrupt. */
static void add_event_ports(struct vm_platform *p, uint16_t base, uint16_t len, const struct io_dev_ops *ops,
			    void *dev, const char *name)
{
	iobus_add(&p->pio, base, len, ops, dev, name);
	iobus_set_flags(&p->pio, base, IO_RANGE_EVENTS);
}

static uint64_t clock_now(void *ctx)
{
	struct vm_platform *p = ctx;
	return guest_now_ns(&p->vm->vcpu);
}

/* TSC-deadline values are in the guest's TSC: convert to device time. */
static uint64_t guest_tsc_to_ns(void *ctx, uint64_t tsc)
{
	struct vm_platform *p = ctx;
	uint64_t now_tsc = guest_tsc(&p->vm->vcpu), now = guest_now_ns(&p->vm->vcpu);
	if (tsc <= now_tsc)
		return now;
	uint64_t d = tsc_to_ns(tsc - now_tsc);
	return now + d < now ? UINT64_MAX - 1 : now + d;
}

static void ioapic_to_lapic(void *ctx, const struct apic_msg *m)
{
	struct vm_platform *p = ctx;
	lapic_receive(&p->lapic, m);
	p->dirty = true;
	p->events_active = true;
}

static void lapic_eoi_to_ioapic(void *ctx, uint8_t vector)
{
	struct vm_platform *p = ctx;
	ioapic_eoi(&p->ioapic, vector);
}

static void add_interrupt_controllers(struct vm_platform *p)
{
	struct irq_line intr = { pic_intr, p };
	pic_init(&p->pic, &intr);
	add_event_ports(p, 0x20, 2, &pic_master_ops, &p->pic, "pic1");
	add_event_ports(p, 0xa0, 2, &pic_slave_ops, &p->pic, "pic2");
	add_event_ports(p, 0x4d0, 2, &pic_elcr_ops, &p->pic, "elcr");

	ioapic_init(&p->ioapic, 0, (struct ioapic_sink){ ioapic_to_lapic, p });
	iobus_add(&p->mmio, IOAPIC_DEFAULT_BASE, IOAPIC_MMIO_LEN, &ioapic_mmio_ops, &p->ioapic, "ioapic");
	iobus_set_flags(&p->mmio, IOAPIC_DEFAULT_BASE, IO_RANGE_EVENTS | IO_RANGE_QUIET_READS);

	struct lapic_params lp = {
		.apic_id = 0, .bsp = true, .phys_addr_bits = 36, .virtual_wire = true,
		.clock = { clock_now, p }, .tsc = { guest_tsc_to_ns, p },
		.eoi = lapic_eoi_to_ioapic, .eoi_ctx = p,
	};
	lapic_init(&p->lapic, &lp);
	iobus_add(&p->mmio, lapic_mmio_base(&p->lapic), LAPIC_MMIO_LEN, &lapic_mmio_ops, &p->lapic, "lapic");
	iobus_set_flags(&p->mmio, lapic_mmio_base(&p->lapic), IO_RANGE_EVENTS | IO_RANGE_QUIET_READS);
}

/* The PC's timers: 8254 PIT (and port 0x61), CMOS RTC, ACPI PM timer. */
static void poweroff_req(void *ctx)
{
	((struct vm_platform *)ctx)->poweroff_requested = true;
	((struct vm_platform *)ctx)->power_event = true;
}

static void reset_req(void *ctx)
{
	((struct vm_platform *)ctx)->reset_requested = "ACPI reset";
	((struct vm_platform *)ctx)->power_event = true;
}

static void kbc_reset_req(void *ctx)
{
	((struct vm_platform *)ctx)->reset_requested = "keyboard controller reset line";
	((struct vm_platform *)ctx)->power_event = true;
}

static void cf9_reset_req(void *ctx)
{
	((struct vm_platform *)ctx)->reset_requested = "reset control port 0xcf9 or 0x92";
	((struct vm_platform *)ctx)->power_event = true;
}

static void add_timers(struct vm_platform *p)
{
	struct irq_line isa = { isa_irq, p };
	struct dev_clock clk = { clock_now, p };
	pit_init(&p->pit, &isa, &clk);
	add_event_ports(p, 0x40, 4, &pit_ops, &p->pit, "pit");
	add_event_ports(p, 0x61, 1, &pit_port61_ops, &p->pit, "port61");
	struct rtc_config rc = {
		.epoch_sec = 946684800,	/* 2000-01-01, as Bochs's time0: runs are repeatable */
		.ram_below_4g = p->vm->mem->ram_size, .ram_above_4g = 0, .cpus = 1,
	};
	rtc_init(&p->rtc, &rc, &isa, &clk);
	add_event_ports(p, 0x70, 2, &rtc_ops, &p->rtc, "rtc");
	acpi_pm_init(&p->acpi_pm, clk, isa, (struct vm_control){ reset_req, poweroff_req, p });
	add_event_ports(p, ACPI_PM_BASE, ACPI_PM_LEN, &acpi_pm_ops, &p->acpi_pm, "acpi-pm");
}

/* Ways a PC resets itself: the keyboard controller's reset line (command
 * 0xFE), port 0xCF9, and port 0x92's fast reset. */
static void add_reset_devices(struct vm_platform *p)
{
	struct irq_line isa = { isa_irq, p };
	struct vm_control kbc_ctl = { kbc_reset_req, poweroff_req, p };
	struct vm_control rc_ctl = { cf9_reset_req, poweroff_req, p };
	i8042_init(&p->kbc, &isa, &kbc_ctl);
	add_event_ports(p, 0x60, 1, &i8042_data_ops, &p->kbc, "i8042 data");
	add_event_ports(p, 0x64, 1, &i8042_cmd_ops, &p->kbc, "i8042 command");
	resetctl_init(&p->resetctl, &rc_ctl);
	iobus_add(&p->pio, 0xcf9, 1, &resetctl_ops, &p->resetctl, "reset control");
	iobus_add(&p->pio, 0x92, 1, &resetctl_port92_ops, &p->resetctl, "port 92");
}

/* The guest's ACPI tables in its BIOS area. */
static void add_acpi_tables(struct vm_platform *p)
{
	struct vm_memory *m = p->vm->mem;
	struct acpi_params ap = ACPI_PARAMS_DEFAULT;
	struct acpi_layout lay;
	if (m->ram_size < 0x100000 ||
	    !acpi_tables_build(m->ram + ACPI_TABLES_GPA, 0x100000 - ACPI_TABLES_GPA, ACPI_TABLES_GPA, &ap, &lay))
		log_warn("%s: no room for ACPI tables", p->vm->name);
}

/* pc-testdev's flush-page port: drop the shadow of that page. */
static void testdev_flush(void *ctx, uint64_t addr)
{
	struct vm_platform *p = ctx;
	mmu_invlpg(&p->vm->mem->mmu, addr);
}

/* QEMU's debug and firmware interfaces that test kernels use. */
static void add_firmware_devices(struct vm_platform *p)
{
	static const char version[] = "Shade hypervisor, hypercall ABI 1\n";
	fw_cfg_init(&p->fw_cfg, p->vm->mem->ram_size, 1, 1);
	/* A file in the directory, as QEMU always has some ("etc/..."). */
	fw_cfg_add_file(&p->fw_cfg, "etc/shade/version", version, sizeof(version) - 1);
	iobus_add(&p->pio, FW_CFG_PORT_BASE, FW_CFG_PORT_LEN, &fw_cfg_ops, &p->fw_cfg, "fw_cfg");
	pctestdev_init(&p->testdev, (struct irq_line){ isa_irq, p }, testdev_flush, p);
	iobus_add(&p->pio, PCTESTDEV_PORT_BASE, PCTESTDEV_PORT_LEN, &pctestdev_port_ops, &p->testdev,
		  "pc-testdev");
	add_event_ports(p, PCTESTDEV_IRQ_BASE, PCTESTDEV_IRQ_LEN, &pctestdev_irq_ops, &p->testdev,
			"pc-testdev irq");
}

void platform_init(struct vm_platform *p, struct vm *vm)
{
	/* On a reset the testdev memory is kept (and cleared), everything
	 * else starts from power-on state. */
	uint8_t *iomem = p->testdev_mem.buf;
	*p = (struct vm_platform){ 0 };
	p->vm = vm;
	p->next_event_ns = UINT64_MAX;
	p->next_event_tsc = UINT64_MAX;
	p->timer_saved = vmx_timer_saved();
	p->dirty = true;
	p->events_active = true;
	uart16550_init(&p->com1, com1_out, p);
	/* IRQ4 changes arrive through the line itself, so COM1's ports (polled
	 * in tight loops by consoles) don't mark the event state dirty. */
	uart16550_connect_irq(&p->com1, (struct irq_line){ isa_irq, p }, 4);
	iobus_add(&p->pio, 0x3f8, 8, &uart16550_ops, &p->com1, "com1");
	iobus_add(&p->pio, 0xf4, 4, &debug_exit_ops, p, "isa-debug-exit");
	iobus_add(&p->pio, 0x80, 1, &post_ops, p, "post");
	if (!iomem) {
		uint64_t mem = frames_alloc_contig(TESTDEV_IOMEM_SIZE / PAGE_SIZE);
		iomem = mem ? phys_to_virt(mem) : 0;
	} else {
		memset(iomem, 0, TESTDEV_IOMEM_SIZE);
	}
	if (iomem) {
		p->testdev_mem = (struct iomem){ iomem, TESTDEV_IOMEM_SIZE, 0, 0 };
		iobus_add(&p->mmio, TESTDEV_IOMEM_BASE, TESTDEV_IOMEM_SIZE, &iomem_ops, &p->testdev_mem,
			  "pc-testdev iomem");
	}
	add_interrupt_controllers(p);
	add_timers(p);
	add_reset_devices(p);
	add_firmware_devices(p);
	add_acpi_tables(p);
}

/* What is typed on Shade's serial port goes to the COM1 of the VM with the
 * console focus: vm0 at first; Ctrl-A then a digit moves the focus to that
 * VM, Ctrl-A Ctrl-A types a Ctrl-A (the convention of QEMU's muxed serial
 * console). */
#define CONSOLE_ESCAPE 0x01
static int console_focus;
static bool console_escaped;

static void console_input_byte(uint8_t c)
{
	if (console_escaped) {
		console_escaped = false;
		if (c >= '0' && c <= '7') {
			struct vm *vm = vm_by_id(c - '0');
			if (vm) {
				console_focus = c - '0';
				log_info("console input now goes to %s", vm->name);
			} else {
				log_warn("no vm%c: console input stays with vm%d", c, console_focus);
			}
			return;
		}
		if (c != CONSOLE_ESCAPE)
			return;
	} else if (c == CONSOLE_ESCAPE) {
		console_escaped = true;
		return;
	}
	struct vm *vm = vm_by_id(console_focus);
	if (vm)
		uart16550_receive(&vm->plat->com1, c);
}

/* Take what the host UART holds (bounded: its FIFO is 16 bytes deep). */
static void poll_host_console(void)
{
	for (int i = 0; i < 16; i++) {
		int c = uart_getc();
		if (c < 0)
			break;
		console_input_byte((uint8_t)c);
	}
}

void platform_poll_input(struct vm_platform *p)
{
	/* A guest waiting for input polls LSR in a loop: looking at the host
	 * UART on every 8th access keeps typing responsive and most accesses
	 * cheap. */
	if (p->vm->id != console_focus || (++p->input_polls & 7))
		return;
	poll_host_console();
}

/* A guest that waits for input with interrupts (IER receive-data enabled,
 * OUT2 on) sleeps instead of polling: look at the host UART every 10 ms of
 * its time so typing wakes it. */
#define INPUT_POLL_NS 10000000ull

static bool waits_for_input(const struct vm_platform *p)
{
	return p->vm->id == console_focus && (p->com1.ier & 1) && (p->com1.mcr & 0x08);
}

/* The local APIC's highest deliverable vector first; else the 8259A's
 * INTR when it reaches the CPU (APIC off, or LINT0 in ExtINT mode): its
 * vector is only known at INTA, so 256 stands for "some". */
int platform_pending_interrupt(struct vm_platform *p)
{
	int v = lapic_pending_vector(&p->lapic);
	if (v >= 0)
		return v;
	return pic_has_interrupt(&p->pic) && lapic_accepts_pic(&p->lapic) ? 256 : -1;
}

int platform_ack_interrupt(struct vm_platform *p, int pending)
{
	if (pending < 0)
		return -1;
	if (pending < 256) {
		lapic_ack(&p->lapic, (uint8_t)pending);
		return pending;
	}
	return pic_ack(&p->pic);
}

bool platform_take_nmi(struct vm_platform *p)
{
	return lapic_take_nmi(&p->lapic);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t platform_next_event_ns(struct vm_platform *p)
{
	uint64_t next = min_u64(min_u64(pit_next_event_ns(&p->pit), rtc_next_event_ns(&p->rtc)),
				min_u64(lapic_next_event_ns(&p->lapic), acpi_pm_next_event_ns(&p->acpi_pm)));
	if (waits_for_input(p)) {
		if (!p->next_input_poll_ns)
			p->next_input_poll_ns = guest_now_ns(&p->vm->vcpu) + INPUT_POLL_NS;
		next = min_u64(next, p->next_input_poll_ns);
	}
	return next;
}

void platform_advance(struct vm_platform *p, uint64_t now_ns)
{
	if (waits_for_input(p) && now_ns >= p->next_input_poll_ns) {
		/* A prompt has no newline: show a partial line once it has
		 * stopped growing for a poll period (the guest waits for the
		 * user), never in the middle of output still coming. */
		if (p->line_len && p->line_len == p->line_len_polled)
			platform_console_flush(p);
		p->line_len_polled = p->line_len;
		poll_host_console();
		p->next_input_poll_ns = now_ns + INPUT_POLL_NS;
	}
	pit_advance(&p->pit, now_ns);
	rtc_advance(&p->rtc, now_ns);
	lapic_advance(&p->lapic, now_ns);
	acpi_pm_advance(&p->acpi_pm, now_ns);
}

bool platform_apic_msr_read(struct vm_platform *p, uint32_t msr, uint64_t *val)
{
	if (msr == 0x1b) {
		*val = lapic_get_base(&p->lapic);
		return true;
	}
	if (msr == 0x6e0) {
		*val = lapic_tsc_deadline_read(&p->lapic);
		return true;
	}
	return lapic_msr_read(&p->lapic, msr, val);
}

bool platform_apic_msr_write(struct vm_platform *p, uint32_t msr, uint64_t val)
{
	bool ok;
	if (msr == 0x1b) {
		uint64_t old = lapic_mmio_base(&p->lapic);
		ok = lapic_set_base(&p->lapic, val);
		if (ok && lapic_mmio_base(&p->lapic) != old)
			log_warn("%s: the guest moved its local APIC to %lx; Shade keeps it decoded at %lx",
				 p->vm->name, lapic_mmio_base(&p->lapic), old);
	} else if (msr == 0x6e0) {
		lapic_tsc_deadline_write(&p->lapic, val);
		ok = true;
	} else {
		ok = lapic_msr_write(&p->lapic, msr, val);
	}
	p->dirty = true;
	p->events_active = true;
	return ok;
}

void platform_power_event(struct vm *vm)
{
	struct vm_platform *p = vm->plat;
	if (p->poweroff_requested) {
		platform_console_flush(p);
		vm_stop(vm, VM_END_GUEST, 0, "powered off (ACPI S5)");
	} else if (p->reset_requested) {
		vm_reset(vm, p->reset_requested);
	}
}
