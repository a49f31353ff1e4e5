/*
 * test-emul-mmio: Shade's instruction emulator (issue 3) checked against
 * the CPU itself. Every case of emul-cases.S runs on a RAM buffer (the CPU
 * executes it: the reference) and then
 *   - on MMIO: QEMU's pc-testdev RAM at 0xFF000000 (issue 5 gives Shade
 *     the same device), where under Shade every access exits and is
 *     emulated: "PASS emul-mmio-<case>";
 *   - with Shade's forced emulation on (force-emulation=on), the copy of
 *     the case behind the UD2 "kvm" prefix, on RAM: "PASS emul-fep-<case>".
 * Registers, the flags the SDM defines for the instruction, both memory
 * buffers and the exception raised (vector, error code, EIP) must match,
 * for several input sets (zeros, all-ones, sign boundaries, random).
 *
 * On bare QEMU run with `-device pc-testdev`; the forced-emulation half
 * needs Shade. With neither available every case is skipped (status 2).
 *
 * The 64-bit cases (emul-cases64.S: REX, 64-bit operands, RIP-relative,
 * moffs64, CMPXCHG16B) run the same way with 4-level paging on, their
 * memory mapped at 0x40000200 (RAM) and 0x40001200 (pc-testdev's page):
 * "emul64-mmio-<case>", "emul64-fep-<case>"; and once more with the memory
 * straddling a RAM page and an MMIO page, either way round (issue 3: such
 * accesses are split): "emul64-straddle-ram-mmio-<case>", "...-mmio-ram-".
 *
 * Command line (Multiboot): skip=CASE,CASE,... leaves cases out (printed
 * as SKIP), for triage when one instruction stops the VM; only=PREFIX runs
 * the cases whose name starts with PREFIX; "extras" adds the cases beyond
 * issue 3's instruction list (XLAT, PUSHF/POPF with the stack on MMIO).
 */
#include "guest.h"
#include "paging.h"
#include "longmode.h"

#define MMIO_BASE   0xff000100u         /* pc-testdev iomem + 0x100 */
#define BUF_SIZE    64u
#define NUM_INPUTS  6u
#define MAX_REPORTS 4u

#define DEFINED_FLAGS 0x8d5u            /* CF PF AF ZF SF OF */

enum { S_PTRS = 1, S_M2R = 2, S_R2M = 3, S_DI_RAM = 4, S_PTR_MASK = 0xf,
       S_SSE = 0x100, S_CR0 = 0x200, S_CODEPTR = 0x400, S_CX16 = 0x800,
       S_EXTRA = 0x1000 };

struct emu_state {
	uint32_t eax, ebx, ecx, edx, esi, edi, eflags, base;
};

struct emul_case {
	void (*native)(struct emu_state *);
	void (*forced)(struct emu_state *);
	const char *name;
	uint32_t flags_mask;
	uint32_t setup;
};

extern const struct emul_case __emul_cases_start[], __emul_cases_end[];

struct input {
	uint32_t regs[6];               /* eax ebx ecx edx esi edi */
	uint32_t eflags;
	uint8_t mem[BUF_SIZE], other[BUF_SIZE];
};

struct outcome {
	struct emu_state st;
	struct fault f;
	uint8_t mem[BUF_SIZE], other[BUF_SIZE];
};

static uint8_t ram_buf[2][BUF_SIZE] __attribute__((aligned(64)));
static bool have_cx16;
static uint8_t scratch[2][BUF_SIZE] __attribute__((aligned(64)));
static struct input inputs[NUM_INPUTS];
static bool have_sse;

/* ---- inputs ---------------------------------------------------------------- */

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s;
}

static void make_inputs(void)
{
	static const uint32_t fixed[3][2] = {
		{ 0, 0 }, { 0xffffffff, 0xffffffff }, { 0x7fffffff, 0x80000000 },
	};
	uint32_t seed = 0x5eed1234;

	for (unsigned i = 0; i < NUM_INPUTS; i++) {
		struct input *in = &inputs[i];

		for (unsigned r = 0; r < 6; r++)
			in->regs[r] = i < 3 ? fixed[i][r & 1] : lcg(&seed);
		in->eflags = i < 3 ? (i == 1 ? DEFINED_FLAGS : 0) : lcg(&seed);
		for (unsigned b = 0; b < BUF_SIZE; b++) {
			in->mem[b] = i < 3 ? (uint8_t)fixed[i][b >> 2 & 1]
					   : (uint8_t)lcg(&seed);
			in->other[b] = (uint8_t)lcg(&seed);
		}
	}
	/* Small divisors and dividends now and then, so that DIV/IDIV do not
	 * always overflow. */
	inputs[4].mem[8] = 7;
	inputs[4].mem[9] = 3;
	inputs[4].mem[10] = 5;
	inputs[4].regs[0] = 1000;
}

/* ---- running one case -------------------------------------------------------- */

/* Word-sized copies: MMIO sees plain 32-bit MOVs only. */
static void put(uint32_t base, const uint8_t *src)
{
	for (unsigned i = 0; i < BUF_SIZE; i += 4)
		*(volatile uint32_t *)(base + i) = *(const uint32_t *)(src + i);
}

static void get(uint32_t base, uint8_t *dst)
{
	for (unsigned i = 0; i < BUF_SIZE; i += 4)
		*(uint32_t *)(dst + i) = *(volatile uint32_t *)(base + i);
}

/* Pointers into the buffers differ between runs: name them by offset. */
static uint32_t normalize(uint32_t v, uint32_t base, uint32_t other)
{
	if (v - base < BUF_SIZE)
		return 0xb0000000u + (v - base);
	if (v - other < BUF_SIZE)
		return 0xc0000000u + (v - other);
	return v;
}

static void setup_pointers(struct emu_state *st, uint32_t setup,
			   uint32_t base, uint32_t other)
{
	switch (setup & S_PTR_MASK) {
	case S_PTRS:
		st->esi = base + 8, st->edi = base + 32, st->ecx &= 7;
		break;
	case S_M2R:
		st->esi = base + 8, st->edi = other + 8, st->ecx &= 7;
		break;
	case S_R2M:
		st->esi = other + 8, st->edi = base + 32, st->ecx &= 7;
		break;
	case S_DI_RAM:
		st->edi = other;
		break;
	}
}

static void run(const struct emul_case *c, void (*fn)(struct emu_state *),
		uint32_t base, uint8_t *other, const struct input *in,
		struct outcome *out)
{
	uint32_t cr0 = read_cr0(), *r = &out->st.eax;

	put(base, in->mem);
	put((uint32_t)other, in->other);
	out->st = (struct emu_state){
		in->regs[0], in->regs[1], in->regs[2], in->regs[3],
		in->regs[4], in->regs[5], (in->eflags & DEFINED_FLAGS) | 2, base,
	};
	setup_pointers(&out->st, c->setup, base, (uint32_t)other);
	fault_run((void (*)(void *))fn, &out->st, &out->f);
	if (c->setup & S_CR0)
		write_cr0(cr0);
	get(base, out->mem);
	get((uint32_t)other, out->other);
	for (unsigned i = 0; i < 6; i++)
		r[i] = normalize(r[i], base, (uint32_t)other);
	out->st.eflags &= c->flags_mask;
}

static bool same(const struct outcome *a, const struct outcome *b,
		 const char *side, const struct emul_case *c, unsigned input,
		 unsigned *reports)
{
	static const char *const reg[] = { "eax", "ebx", "ecx", "edx",
					   "esi", "edi", "eflags" };
	const uint32_t *ra = &a->st.eax, *rb = &b->st.eax;
	bool ok = true;

	if (a->f.vector != b->f.vector || a->f.error != b->f.error ||
	    a->f.eip != b->f.eip) {
		if ((*reports)++ < MAX_REPORTS)
			printf("  %s %s input %u: exception %x/%x at %x, "
			       "CPU %x/%x at %x\n", side, c->name, input,
			       b->f.vector, b->f.error, b->f.eip, a->f.vector,
			       a->f.error, a->f.eip);
		return false;
	}
	if (a->f.vector == FAULT_NONE)
		for (unsigned i = 0; i < 7; i++)
			if (ra[i] != rb[i]) {
				ok = false;
				if ((*reports)++ < MAX_REPORTS)
					printf("  %s %s input %u: %s %08x, CPU %08x\n",
					       side, c->name, input, reg[i], rb[i],
					       ra[i]);
			}
	for (unsigned i = 0; i < BUF_SIZE; i++)
		if (a->mem[i] != b->mem[i] || a->other[i] != b->other[i]) {
			ok = false;
			if ((*reports)++ < MAX_REPORTS)
				printf("  %s %s input %u: byte %u: mem %02x/%02x "
				       "ram %02x/%02x (CPU first)\n", side,
				       c->name, input, i, a->mem[i], b->mem[i],
				       a->other[i], b->other[i]);
			break;
		}
	return ok;
}

/* The CPU's outcome on RAM vs. the outcome on MMIO (forced == false) or
 * with forced emulation on RAM (forced == true). */
static bool compare_case(const struct emul_case *c, bool forced)
{
	const char *side = forced ? "fep" : "mmio";
	unsigned reports = 0;
	bool ok = true;

	for (unsigned i = 0; i < NUM_INPUTS; i++) {
		struct outcome ref, got;

		run(c, c->native, (uint32_t)ram_buf[0], scratch[0], &inputs[i],
		    &ref);
		if (forced) {
			run(c, c->forced, (uint32_t)ram_buf[1], scratch[1],
			    &inputs[i], &got);
			/* The forced copy's code addresses are its own:
			 * compare the exception, not where it happened, and
			 * not memory that holds code addresses. */
			got.f.eip = ref.f.eip;
			if (c->setup & S_CODEPTR) {
				memcpy(got.mem, ref.mem, BUF_SIZE);
				memcpy(got.other, ref.other, BUF_SIZE);
			}
		} else {
			run(c, c->native, MMIO_BASE, scratch[1], &inputs[i],
			    &got);
		}
		ok = same(&ref, &got, side, c, i, &reports) && ok;
	}
	return ok;
}

/* ---- what this machine offers ------------------------------------------------ */

static bool mmio_ram_present(void)
{
	volatile uint32_t *p = (volatile uint32_t *)MMIO_BASE;

	p[0] = 0x12345678;
	p[1] = 0x9abcdef0;
	return p[0] == 0x12345678 && p[1] == 0x9abcdef0;
}

static void fep_nop(void *unused)
{
	(void)unused;
	asm volatile(FORCED_EMULATION "nop");
}

static bool fep_available(void)
{
	struct fault f;

	return !fault_run(fep_nop, NULL, &f);
}

static void enable_sse(void)
{
	struct cpuid_regs r = cpuid(1);

	/* SSE2 and FXSR; CR4.OSFXSR/OSXMMEXCPT on, CR0.EM off, MP on
	 * (SDM Vol. 3A 14.1.3). */
	have_sse = (r.edx & (1u << 26)) && (r.edx & (1u << 24)) &&
		   (r.edx & (1u << 23));
	if (!have_sse)
		return;
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP);
}

/* ---- command line: skip=a,b,c only=prefix ----------------------------------- */

static const char *cmdline = "";

/* The value of key= in the command line (up to the next space), or NULL. */
static const char *option(const char *key, size_t *len)
{
	size_t k = strlen(key);

	for (const char *p = cmdline; *p; p++) {
		if ((p == cmdline || p[-1] == ' ') && !memcmp(p, key, k) &&
		    p[k] == '=') {
			const char *v = p + k + 1;

			*len = 0;
			while (v[*len] && v[*len] != ' ')
				(*len)++;
			return v;
		}
	}
	return NULL;
}

static bool extras_on(void)
{
	for (const char *p = cmdline; *p; p++)
		if ((p == cmdline || p[-1] == ' ') && !memcmp(p, "extras", 6) &&
		    (p[6] == ' ' || p[6] == '\0'))
			return true;
	return false;
}

static bool skipped_by_cmdline(const char *name)
{
	size_t len, n = strlen(name);
	const char *v = option("only", &len);

	if (v && (len > n || memcmp(name, v, len)))
		return true;
	v = option("skip", &len);
	for (size_t i = 0; v && i < len;) {
		size_t j = i;

		while (j < len && v[j] != ',')
			j++;
		if (j - i == n && !memcmp(v + i, name, n))
			return true;
		i = j + 1;
	}
	return false;
}

/* cr0_cases: the LMSW/SMSW cases only (they run after everything else,
 * since LMSW changes CR0), or every other case. */
static void run_side(bool forced, bool cr0_cases)
{
	const char *side = forced ? "fep" : "mmio";
	char name[64];

	for (const struct emul_case *c = __emul_cases_start;
	     c < __emul_cases_end; c++) {
		snprintf(name, sizeof(name), "emul-%s-%s", side, c->name);
		if (!(c->setup & S_CR0) != !cr0_cases)
			continue;
		if ((c->setup & S_SSE) && !have_sse) {
			skip(name, "no SSE2");
			continue;
		}
		if (skipped_by_cmdline(c->name)) {
			skip(name, "command line");
			continue;
		}
		if ((c->setup & S_EXTRA) && !extras_on())
			continue;       /* not part of the test unless asked */
		check(compare_case(c, forced), name);
	}
}

/* ---- the 64-bit cases ------------------------------------------------------- */

#define EMU64_RAM_PAGE  0x40000000u
#define EMU64_MMIO_PAGE 0x40001000u
#define EMU64_OFF       0x200u
#define MMIO_PAGE_PA    0xff000000u

struct emu_state64 {
	uint64_t r[14];         /* rax rbx rcx rdx rsi rdi r8..r15 */
	uint64_t rflags, base;
};

struct emul_case64 {
	uint32_t native, forced, mmio_native;   /* 64-bit code */
	const char *name;
	uint32_t flags_mask;
	uint32_t setup;
};

extern const struct emul_case64 __emul_cases64_start[], __emul_cases64_end[];

struct outcome64 {
	struct emu_state64 st;
	struct fault f;
	uint8_t mem[BUF_SIZE], other[BUF_SIZE];
};

struct call64 {
	uint32_t fn;
	struct emu_state64 *st;
};

static void do_call64(void *p)
{
	struct call64 *c = p;

	lm_call64((uint64_t (*)(uint64_t))c->fn, (uint32_t)c->st);
}

static uint64_t normalize64(uint64_t v, uint32_t base, uint32_t other)
{
	if (v - base < BUF_SIZE)
		return 0xb0000000u + (v - base);
	if (v - other < BUF_SIZE)
		return 0xc0000000u + (v - other);
	return v;
}

static void run64(const struct emul_case64 *c, uint32_t fn, uint32_t base,
		  uint8_t *other, const struct input *in, struct outcome64 *out)
{
	struct call64 call = { fn, &out->st };

	put(base, in->mem);
	put((uint32_t)other, in->other);
	for (unsigned k = 0; k < 14; k++)
		out->st.r[k] = (uint64_t)in->regs[k % 6] << 32 |
			       in->regs[(k + 1) % 6];
	out->st.rflags = (in->eflags & DEFINED_FLAGS) | 2;
	out->st.base = base;
	switch (c->setup & S_PTR_MASK) {
	case S_PTRS:
		out->st.r[4] = base + 8, out->st.r[5] = base + 24;
		out->st.r[2] &= 3;
		break;
	case S_DI_RAM:
		out->st.r[5] = (uint32_t)other;
		break;
	}
	fault_run(do_call64, &call, &out->f);
	get(base, out->mem);
	get((uint32_t)other, out->other);
	for (unsigned k = 0; k < 14; k++)
		out->st.r[k] = normalize64(out->st.r[k], base, (uint32_t)other);
	out->st.rflags &= c->flags_mask;
}

static bool same64(const struct outcome64 *a, const struct outcome64 *b,
		   const struct emul_case64 *c, const char *side,
		   unsigned input, unsigned *reports)
{
	bool ok = true;

	if (a->f.vector != b->f.vector || a->f.error != b->f.error ||
	    a->f.eip != b->f.eip) {
		if ((*reports)++ < MAX_REPORTS)
			printf("  %s %s input %u: exception %x/%x at %x, "
			       "CPU %x/%x at %x\n", side, c->name, input,
			       b->f.vector, b->f.error, b->f.eip, a->f.vector,
			       a->f.error, a->f.eip);
		return false;
	}
	for (unsigned k = 0; a->f.vector == FAULT_NONE && k < 15; k++) {
		uint64_t x = k < 14 ? a->st.r[k] : a->st.rflags;
		uint64_t y = k < 14 ? b->st.r[k] : b->st.rflags;

		if (x != y) {
			ok = false;
			if ((*reports)++ < MAX_REPORTS)
				printf("  %s %s input %u: reg %u %llx, CPU %llx\n",
				       side, c->name, input, k, y, x);
		}
	}
	if (memcmp(a->mem, b->mem, BUF_SIZE) ||
	    memcmp(a->other, b->other, BUF_SIZE)) {
		ok = false;
		if ((*reports)++ < MAX_REPORTS)
			printf("  %s %s input %u: memory differs\n", side,
			       c->name, input);
	}
	return ok;
}

/* How the 64-bit cases are run against the CPU's result on RAM. */
enum side64 {
	SIDE_MMIO,              /* memory on pc-testdev's page */
	SIDE_FEP,               /* forced emulation, memory on RAM */
	SIDE_RAM_MMIO,          /* memory straddles a RAM page and an MMIO page */
	SIDE_MMIO_RAM,          /* ... an MMIO page and a RAM page */
	NUM_SIDES64
};

/* The straddling sides put the memory 10 bytes before a page boundary,
 * so 8(%rbp) with 4 or 8 bytes crosses it; their reference is a RAM page
 * pair. */
#define STRADDLE_BACK   10u
#define PAIR_RAM_RAM    0x40003000u
#define PAIR_RAM_MMIO   0x40005000u
#define PAIR_MMIO_RAM   0x40007000u

static const char *const side64_names[NUM_SIDES64] = {
	"mmio", "fep", "straddle-ram-mmio", "straddle-mmio-ram",
};

static bool compare64(const struct emul_case64 *c, enum side64 side)
{
	static const uint32_t pair[NUM_SIDES64] = {
		[SIDE_RAM_MMIO] = PAIR_RAM_MMIO, [SIDE_MMIO_RAM] = PAIR_MMIO_RAM,
	};
	bool straddle = side >= SIDE_RAM_MMIO;
	uint32_t ref_base = straddle ? PAIR_RAM_RAM - STRADDLE_BACK
				     : EMU64_RAM_PAGE + EMU64_OFF;
	unsigned reports = 0;
	bool ok = true;

	for (unsigned i = 0; i < NUM_INPUTS; i++) {
		struct outcome64 ref, got;

		run64(c, c->native, ref_base, scratch[0], &inputs[i], &ref);
		if (side == SIDE_FEP) {
			run64(c, c->forced, ref_base, scratch[1], &inputs[i],
			      &got);
			got.f.eip = ref.f.eip;
			if (c->setup & S_CODEPTR) {
				memcpy(got.mem, ref.mem, BUF_SIZE);
				memcpy(got.other, ref.other, BUF_SIZE);
			}
		} else if (side == SIDE_MMIO) {
			run64(c, c->mmio_native, EMU64_MMIO_PAGE + EMU64_OFF,
			      scratch[1], &inputs[i], &got);
		} else {
			run64(c, c->native, pair[side] - STRADDLE_BACK,
			      scratch[1], &inputs[i], &got);
		}
		ok = same64(&ref, &got, c, side64_names[side], i, &reports) &&
		     ok;
	}
	return ok;
}

static void run_side64(enum side64 side)
{
	char name[80];

	for (const struct emul_case64 *c = __emul_cases64_start;
	     c < __emul_cases64_end; c++) {
		/* Cases that name their memory by address (RIP-relative,
		 * moffs) cannot be moved onto a page boundary. */
		if (side >= SIDE_RAM_MMIO && c->mmio_native != c->native)
			continue;
		snprintf(name, sizeof(name), "emul64-%s-%s", side64_names[side],
			 c->name);
		if (((c->setup & S_SSE) && !have_sse) ||
		    ((c->setup & S_CX16) && !have_cx16)) {
			skip(name, "CPU feature missing");
			continue;
		}
		if (skipped_by_cmdline(c->name)) {
			skip(name, "command line");
			continue;
		}
		check(compare64(c, side), name);
	}
}

/* 4 KiB mappings: va -> pa (MMIO ones uncached). */
static bool map_pages(struct aspace *as)
{
	static const struct { uint32_t va; uint32_t pa; } mmio[] = {
		{ EMU64_MMIO_PAGE, MMIO_PAGE_PA },
		{ PAIR_RAM_MMIO, MMIO_PAGE_PA + 0x1000 },
		{ PAIR_MMIO_RAM - PAGE_SIZE, MMIO_PAGE_PA + 0x2000 },
	};
	static const uint32_t ram_vas[] = {
		EMU64_RAM_PAGE, PAIR_RAM_RAM - PAGE_SIZE, PAIR_RAM_RAM,
		PAIR_RAM_MMIO - PAGE_SIZE, PAIR_MMIO_RAM,
	};

	for (unsigned i = 0; i < sizeof(ram_vas) / sizeof(ram_vas[0]); i++) {
		uint32_t frame = pg_alloc_page();

		if (!frame || !pg_map(as, ram_vas[i], frame, 0, PTE_P | PTE_W))
			return false;
	}
	for (unsigned i = 0; i < sizeof(mmio) / sizeof(mmio[0]); i++)
		if (!pg_map(as, mmio[i].va, mmio[i].pa, 0,
			    PTE_P | PTE_W | PTE_PCD | PTE_PWT))
			return false;
	return true;
}

static void run_64(bool mmio, bool fep)
{
	struct aspace as;

	if (!(cpuid(0x80000001).edx & (1u << 29))) {
		skip("emul64", "no long mode");
		return;
	}
	have_cx16 = cpuid(1).ecx & (1u << 13);
	pg_pool_reset();
	if (!pg_init(&as, PG_MODE_4LEVEL) ||
	    !pg_identity(&as, 0, 0x01000000, PTE_P | PTE_W) ||
	    !map_pages(&as)) {
		check(false, "emul64-setup");
		return;
	}
	pg_enable(&as);
	printf("test-emul-mmio: %u 64-bit cases, 4-level paging\n",
	       (unsigned)(__emul_cases64_end - __emul_cases64_start));
	if (mmio) {
		run_side64(SIDE_MMIO);
		run_side64(SIDE_RAM_MMIO);
		run_side64(SIDE_MMIO_RAM);
	}
	if (fep)
		run_side64(SIDE_FEP);
	pg_disable();
}

int guest_main(void)
{
	bool mmio = mmio_ram_present(), fep = fep_available();

	if (mb_info && (mb_info->flags & MB_INFO_CMDLINE) && mb_info->cmdline)
		cmdline = (const char *)mb_info->cmdline;

	make_inputs();
	enable_sse();
	printf("test-emul-mmio: cr0=%08x cr4=%08x sse=%d\n", read_cr0(),
	       read_cr4(), have_sse);
	printf("test-emul-mmio: %u cases; MMIO RAM at 0x%x: %s; forced "
	       "emulation: %s\n",
	       (unsigned)(__emul_cases_end - __emul_cases_start), MMIO_BASE,
	       mmio ? "yes" : "no", fep ? "yes" : "no");
	if (mmio)
		run_side(false, false);
	else
		skip("emul-mmio", "no pc-testdev MMIO RAM at 0xff000000");
	if (fep)
		run_side(true, false);
	else
		skip("emul-fep", "forced emulation is off or not Shade");
	run_64(mmio, fep);
	if (mmio)
		run_side(false, true);
	if (fep)
		run_side(true, true);
	return report_done();
}
