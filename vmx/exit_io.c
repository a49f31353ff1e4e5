/* I/O instruction exits (SDM Vol. 3C 28.2.1, Table 28-5 for the
 * qualification): IN/OUT go to the VM's port bus; INS/OUTS copy through
 * guest linear memory a bounded chunk at a time. */
#include "vmx/exit.h"
#include "vmx/vmx_ops.h"
#include "vmx/platform.h"
#include "vmx/guest_mem.h"
#include "vmx/mmio.h"
#include "lib/log.h"

#define IO_SIZE(q)	(((q) & 7) + 1)
#define IO_IN(q)	((q) & (1u << 3))
#define IO_STRING(q)	((q) & (1u << 4))
#define IO_REP(q)	((q) & (1u << 5))
#define IO_PORT(q)	(((q) >> 16) & 0xffff)

/* Iterations of a REP INS/OUTS per exit: the guest resumes in between so
 * every exit stays bounded (RIP stays on the instruction until RCX is 0). */
#define STRING_IO_CHUNK 256

static uint64_t mask_of(unsigned size)
{
	return size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

enum exit_action debug_exit_stop(struct vcpu *v)
{
	struct vm_platform *p = v->vm->plat;
	platform_console_flush(p);
	vm_stop(v->vm, VM_END_GUEST, p->debug_exit_status, "exited through isa-debug-exit with status %d",
		p->debug_exit_status);
	return EXIT_STOP;
}

static void simple_io(struct vcpu *v, uint64_t q)
{
	struct iobus *bus = &v->vm->plat->pio;
	unsigned size = IO_SIZE(q);
	uint64_t *rax = &v->regs.gpr[R_RAX];
	if (IO_IN(q)) {
		uint64_t val;
		iobus_read(bus, IO_PORT(q), size, &val);
		/* IN EAX zero-extends into RAX; IN AL/AX keep the rest. */
		*rax = size == 4 ? (uint32_t)val : (*rax & ~mask_of(size)) | val;
	} else {
		iobus_write(bus, IO_PORT(q), size, *rax & mask_of(size));
	}
	skip_instruction(v);
}

static __attribute__((noinline)) enum exit_action string_io(struct vcpu *v, uint64_t q)
{
	struct iobus *bus = &v->vm->plat->pio;
	unsigned size = IO_SIZE(q);
	uint64_t info = vmread(VMX_INSTRUCTION_INFO);
	unsigned asize = 16u << ((info >> 7) & 7);	/* 0: 16, 1: 32, 2: 64 bits */
	uint64_t amask = asize == 64 ? ~0ull : (1ull << asize) - 1;
	uint64_t *g = v->regs.gpr;
	int idx = IO_IN(q) ? R_RDI : R_RSI;
	int64_t step = (vmread(GUEST_RFLAGS) & (1u << 10)) ? -(int64_t)size : (int64_t)size;
	uint64_t count = IO_REP(q) ? (g[R_RCX] & amask) : 1;
	/* The segment base comes from GUEST_LINEAR_ADDRESS of the first access
	 * minus the offset register; later iterations move from there. */
	uint64_t base = vmread(GUEST_LINEAR_ADDRESS) - (g[idx] & amask);

	for (unsigned n = 0; count && n < STRING_IO_CHUNK; n++, count--) {
		uint64_t off = g[idx] & amask, val = 0;
		struct gmem_fault f;
		bool ok;
		if (IO_IN(q)) {
			iobus_read(bus, IO_PORT(q), size, &val);
			ok = gmem_write_linear(v, base + off, &val, size, &f);
		} else {
			ok = gmem_read_linear(v, base + off, &val, size, &f);
			if (ok)
				iobus_write(bus, IO_PORT(q), size, val);
		}
		if (!ok) {
			if (f.vector == 14) {
				set_guest_cr2(v, f.cr2);
				inject_exception(v, 14, true, f.error);
			} else if (f.vector) {
				inject_gp(v);
			} else {
				/* The memory side is MMIO: the emulator finishes the
				 * instruction from here (RCX/RSI/RDI are consistent). */
				return emulate_instruction(v);
			}
			return EXIT_RESUME;
		}
		g[idx] = (g[idx] & ~amask) | ((off + step) & amask);
		if (IO_REP(q))
			g[R_RCX] = (g[R_RCX] & ~amask) | (count - 1);
		if (v->vm->plat->debug_exit_pending)
			break;
	}
	if (!IO_REP(q) || (g[R_RCX] & amask) == 0)
		skip_instruction(v);
	return after_emulation(v);
}

enum exit_action handle_io(struct vcpu *v)
{
	uint64_t q = v->exit_qual;
	if (IO_PORT(q) >= 0x3f8 && IO_PORT(q) < 0x400)
		platform_poll_input(v->vm->plat);
	if (IO_STRING(q))
		return string_io(v, q);
	simple_io(v, q);
	return after_emulation(v);
}
