/*
 * Paging tests for one mode (32-bit, PAE, 4-level), run with the guest's
 * own page tables (lib/paging.c). Everything is checked against what the
 * SDM (Vol. 3A chapter 4) says the CPU does, so the same program passes on
 * bare QEMU/Bochs and must pass under Shade's shadow MMU.
 *
 * Physical layout: [0, 16 MiB) identity-mapped with 4 KiB supervisor pages
 * (the program, its stacks and the table pool live there), except the
 * .user section, which is user-accessible. [16, 20) MiB holds a pattern
 * (each 4 KiB page starts with its address ^ PATTERN_XOR) for the large
 * page tests; it is written while paging is off.
 */
#include "guest.h"
#include "paging.h"
#include "longmode.h"
#include "paging-suite.h"
#include "tss.h"

#define IDENTITY_END  0x01000000u
#define PATTERN_BASE  0x01000000u
#define PATTERN_END   0x01400000u
#define PATTERN_XOR   0x5eed0000u

#define VA_RIGHTS     0x48000000u   /* one level-1 region per rights variant */
#define VA_4K         0x50000000u
#define VA_UNMAPPED   0x5f000000u
#define VA_LARGE      0x60000000u
#define VA_1G         0x80000000u
#define VA_STACKPT    0x5e000000u   /* alias of a page table, used as a stack */
#define VA_HIGH       0x00007f0000000000ull
#define VA_NONCANON   0x0000800000000000ull

#define PF_P    0x01
#define PF_W    0x02
#define PF_U    0x04
#define PF_RSVD 0x08
#define PF_ID   0x10

#define DATA_OFF  32
#define UEXEC_OFF 16
#define NSPACES   16
#define SWITCHES  2000

extern char __user_start[], __user_end[];
void acc_sup_read(void *), acc_sup_write(void *), acc_sup_exec(void *);
void acc_sup_read_ac(void *), acc_sup_write_ac(void *);
extern char user_read[], user_write[], user_exec[];
uint64_t fn64_triple(uint64_t);

struct suite {
	enum pg_mode mode;
	const char *prefix;
	struct aspace as;
	bool nx_ok, smep_ok, smap_ok, pge_ok, gb_ok;
	unsigned maxphyaddr;
	uint32_t frame_a, frame_b, test_page;
};

static const char *const prefixes[] = {
	[PG_MODE_32] = "pg32", [PG_MODE_PAE] = "pae", [PG_MODE_4LEVEL] = "lm4",
};

static char name_buf[80];

/* "<mode prefix>-<what>" (valid until the next call). */
static const char *N(const struct suite *s, const char *what)
{
	snprintf(name_buf, sizeof(name_buf), "%s-%s", s->prefix, what);
	return name_buf;
}

static uint32_t rd32(uint32_t va)
{
	return *(volatile uint32_t *)va;
}

static void wr32(uint32_t va, uint32_t v)
{
	*(volatile uint32_t *)va = v;
}

static void flush_all(void)
{
	write_cr3(read_cr3());
}

/* ---- setup ------------------------------------------------------------ */

static void probe_features(struct suite *s)
{
	uint32_t max_ext = cpuid(0x80000000).eax;

	s->pge_ok = cpuid(1).edx & (1u << 13);
	s->smep_ok = cpuid(0).eax >= 7 && (cpuid2(7, 0).ebx & (1u << 7));
	s->smap_ok = cpuid(0).eax >= 7 && (cpuid2(7, 0).ebx & (1u << 20));
	s->nx_ok = s->mode != PG_MODE_32 && max_ext >= 0x80000001 &&
		   (cpuid(0x80000001).edx & (1u << 20));
	s->gb_ok = s->mode == PG_MODE_4LEVEL && max_ext >= 0x80000001 &&
		   (cpuid(0x80000001).edx & (1u << 26));
	s->maxphyaddr = max_ext >= 0x80000008 ? cpuid(0x80000008).eax & 0xff : 36;
	printf("%s: features pge=%d smep=%d smap=%d nx=%d 1g=%d maxphyaddr=%u\n",
	       s->prefix, s->pge_ok, s->smep_ok, s->smap_ok, s->nx_ok, s->gb_ok,
	       s->maxphyaddr);
}

static void fill_pattern(void)
{
	for (uint32_t pa = PATTERN_BASE; pa < PATTERN_END; pa += PAGE_SIZE)
		wr32(pa, pa ^ PATTERN_XOR);
}

static uint32_t new_frame(uint32_t tag)
{
	uint32_t f = pg_alloc_page();

	if (f)
		wr32(f, tag);
	return f;
}

static bool setup(struct suite *s)
{
	uint8_t *tp;

	pg_pool_reset();
	fill_pattern();
	s->frame_a = new_frame(0xaaaa0001);
	s->frame_b = new_frame(0xbbbb0002);
	s->test_page = pg_alloc_page();
	if (!s->frame_a || !s->frame_b || !s->test_page)
		return false;
	tp = (uint8_t *)s->test_page;
	tp[0] = 0xc3;                   /* RET: supervisor fetch */
	tp[UEXEC_OFF] = 0xcc;           /* INT3: user fetch ends there */
	return pg_init(&s->as, s->mode) &&
	       pg_identity(&s->as, 0, IDENTITY_END, PTE_P | PTE_W) &&
	       pg_identity(&s->as, (uint32_t)__user_start,
			    (uint32_t)__user_end, PTE_P | PTE_W | PTE_U);
}

/* ---- mappings at every page size ---------------------------------------- */

static void test_enable(struct suite *s)
{
	bool ok;

	pg_enable(&s->as);
	ok = (read_cr0() & CR0_PG) && read_cr3() == s->as.root;
	if (s->mode == PG_MODE_4LEVEL) {
		ok = ok && longmode_active();
		check(lm_probe64() == 0x6464, N(s, "64-bit-code-runs"));
		check_eq(lm_call64(fn64_triple, 0x12345678),
			 0x12345678ull * 3 | (1ull << 40), N(s, "call-64-bit-function"));
	}
	check(ok, N(s, "enable"));
}

static void test_map_4k(struct suite *s)
{
	pg_map(&s->as, VA_4K, s->frame_a, 0, PTE_P | PTE_W);
	invlpg(VA_4K);
	check_eq(rd32(VA_4K), 0xaaaa0001, N(s, "map-4k-read"));
	wr32(VA_4K + 8, 0x600dcafe);
	check_eq(rd32(s->frame_a + 8), 0x600dcafe, N(s, "map-4k-write-alias"));
}

static bool check_pattern(uint64_t va_base, uint32_t pa, uint32_t len,
			  bool far)
{
	uint32_t offs[] = { 0, PAGE_SIZE, len - PAGE_SIZE };

	for (unsigned i = 0; i < 3; i++) {
		uint64_t va = va_base + offs[i];
		uint32_t want = (pa + offs[i]) ^ PATTERN_XOR;
		uint32_t got = far ? (uint32_t)lm_read64(va) : rd32((uint32_t)va);

		if (got != want) {
			printf("  at va %llx: got %x, want %x\n", va, got, want);
			return false;
		}
	}
	return true;
}

static void test_map_large(struct suite *s)
{
	uint32_t size = (uint32_t)pg_page_size(&s->as, 1);

	pg_map(&s->as, VA_LARGE, PATTERN_BASE, 1, PTE_P | PTE_W);
	invlpg(VA_LARGE);
	check(check_pattern(VA_LARGE, PATTERN_BASE, size, false),
	      N(s, s->mode == PG_MODE_32 ? "map-4m" : "map-2m"));
}

static void test_map_1g(struct suite *s)
{
	if (!s->gb_ok) {
		if (s->mode == PG_MODE_4LEVEL)
			skip(N(s, "map-1g"), "no 1-GByte pages");
		return;
	}
	pg_map(&s->as, VA_1G, 0, 2, PTE_P | PTE_W);
	invlpg(VA_1G);
	check(check_pattern(VA_1G + PATTERN_BASE, PATTERN_BASE,
			    PATTERN_END - PATTERN_BASE, false), N(s, "map-1g"));
}

struct far_access {
	uint64_t va, val;
};

static void do_far_read(void *p)
{
	struct far_access *a = p;

	a->val = lm_read64(a->va);
}

static void test_map_high(struct suite *s)
{
	struct far_access a = { VA_NONCANON, 0 };
	struct fault f;

	if (s->mode != PG_MODE_4LEVEL)
		return;
	pg_map(&s->as, VA_HIGH, s->frame_b, 0, PTE_P | PTE_W);
	check_eq((uint32_t)lm_read64(VA_HIGH), 0xbbbb0002, N(s, "map-above-4g"));
	lm_write64(VA_HIGH + 16, 0x1122334455667788ull);
	check_eq(*(volatile uint64_t *)(s->frame_b + 16), 0x1122334455667788ull,
		 N(s, "write-above-4g"));
	/* A non-canonical address is #GP(0), never a #PF (SDM 3A 6.15). */
	fault_run(do_far_read, &a, &f);
	check(f.vector == EXC_GP && f.error == 0, N(s, "noncanonical-gp"));
}

/*
 * PAE keeps the four PDPTEs in registers loaded by MOV CR3 (SDM Vol. 3A
 * 4.4.1): a PDPTE written in memory takes effect only at the next CR3 load.
 * Point PDPTE 2 at a new directory mapping VA_1G: before the reload the
 * old (cached) directory still translates VA_1G, after it the new one does.
 */
static void test_pdpte_cache(struct suite *s)
{
	uint32_t pdpte2 = s->as.root + 2 * 8;
	uint64_t old = pg_read_entry(&s->as, pdpte2);
	uint32_t pd = pg_alloc_page(), pt = pg_alloc_page();
	struct fault f;

	if (s->mode != PG_MODE_PAE)
		return;
	if (!pd || !pt) {
		check(false, N(s, "pdpte-setup"));
		return;
	}
	/* The cached directory: VA_1G not mapped. */
	pg_set(&s->as, VA_1G, 0, 0);
	invlpg(VA_1G);
	/* The new one maps VA_1G to frame B. */
	pg_write_entry(&s->as, pd, pt | PTE_P | PTE_W | PTE_U);
	pg_write_entry(&s->as, pt, s->frame_b | PTE_P | PTE_W);
	pg_write_entry(&s->as, pdpte2, pd | PTE_P);
	invlpg(VA_1G);
	fault_run(acc_sup_read, (void *)VA_1G, &f);
	check(f.vector == EXC_PF && f.error == 0,
	      N(s, "pdpte-not-reread-before-cr3-load"));
	write_cr3(s->as.root);
	check_eq(rd32(VA_1G), 0xbbbb0002, N(s, "pdpte-loaded-by-cr3-load"));
	pg_write_entry(&s->as, pdpte2, old);
	write_cr3(s->as.root);
}

/* ---- #PF error codes: not present, reserved bits ------------------------- */

static void check_pf(struct suite *s, void (*fn)(void *), uint32_t va,
		     uint32_t err, uint32_t cr2, const char *what)
{
	struct fault f;

	fault_run(fn, (void *)va, &f);
	if (f.vector != EXC_PF || f.error != err || f.cr2 != cr2)
		printf("  %s: vector=%x error=%x cr2=%x, want #PF %x at %x\n",
		       what, f.vector, f.error, f.cr2, err, cr2);
	check(f.vector == EXC_PF && f.error == err && f.cr2 == cr2, N(s, what));
}

static void test_not_present(struct suite *s)
{
	check_pf(s, acc_sup_read, VA_UNMAPPED, 0, VA_UNMAPPED + DATA_OFF,
		 "notpresent-read-pf");
	check_pf(s, acc_sup_write, VA_UNMAPPED, PF_W, VA_UNMAPPED + DATA_OFF,
		 "notpresent-write-pf");
}

static void test_reserved(struct suite *s)
{
	uint64_t bit;

	if (s->mode == PG_MODE_32) {
		/* Bit 21 of a 4-MByte PDE is reserved (SDM 3A Table 4-4). */
		pg_map(&s->as, VA_LARGE, PATTERN_BASE, 1,
		       PTE_P | PTE_W | (1u << 21));
		invlpg(VA_LARGE);
		check_pf(s, acc_sup_read, VA_LARGE, PF_P | PF_RSVD,
			 VA_LARGE + DATA_OFF, "rsvd-pde-bit21-pf");
		pg_map(&s->as, VA_LARGE, PATTERN_BASE, 1, PTE_P | PTE_W);
		invlpg(VA_LARGE);
		return;
	}
	if (s->maxphyaddr >= 52) {
		skip(N(s, "rsvd-maxphyaddr-pf"), "MAXPHYADDR is 52");
		return;
	}
	/* Address bits at and above MAXPHYADDR are reserved (SDM 3A 4.4.2). */
	bit = 1ull << s->maxphyaddr;
	pg_map(&s->as, VA_4K, s->frame_a | bit, 0, PTE_P | PTE_W);
	invlpg(VA_4K);
	check_pf(s, acc_sup_read, VA_4K, PF_P | PF_RSVD, VA_4K + DATA_OFF,
		 "rsvd-maxphyaddr-pf");
	pg_map(&s->as, VA_4K, s->frame_a, 0, PTE_P | PTE_W);
	invlpg(VA_4K);
}

/* ---- the access-rights matrix -------------------------------------------- */

enum access { SR, SW, SX, SR_AC, SW_AC, UR, UW, UX, NUM_ACCESSES };

static const char *const access_names[] = {
	"sup-read", "sup-write", "sup-fetch", "sup-read-ac", "sup-write-ac",
	"user-read", "user-write", "user-fetch",
};

struct rights_cfg {
	bool wp, nxe, smep, smap;
};

struct variant {
	uint64_t leaf;          /* U, W, NX of the PTE */
	uint64_t upper;         /* U, W, NX of the PDE above it */
};

#define MAX_VARIANTS 32

static unsigned make_variants(const struct suite *s, struct variant *v)
{
	static const uint64_t uppers[] = {
		PTE_W | PTE_U, PTE_U, PTE_W, PTE_W | PTE_U | PTE_NX,
	};
	unsigned n = 0, nu = s->nx_ok ? 4 : 3, nl = s->nx_ok ? 8 : 4;

	for (unsigned u = 0; u < nu; u++)
		for (unsigned l = 0; l < nl; l++)
			v[n++] = (struct variant){
				.leaf = (l & 1 ? PTE_U : 0) | (l & 2 ? PTE_W : 0) |
					(l & 4 ? PTE_NX : 0),
				.upper = uppers[u],
			};
	return n;
}

/* SDM Vol. 3A 4.6 (access rights) and 4.7 (error code). Returns the
 * expected #PF error code, or -1 when the access must succeed. */
static int expected_pf(const struct suite *s, const struct rights_cfg *c,
		       const struct variant *v, enum access a)
{
	bool user = a >= UR, fetch = a == SX || a == UX;
	bool write = a == SW || a == SW_AC || a == UW;
	bool ac = a == SR_AC || a == SW_AC;
	bool u = (v->leaf & PTE_U) && (v->upper & PTE_U);
	bool w = (v->leaf & PTE_W) && (v->upper & PTE_W);
	bool nx = (v->leaf | v->upper) & PTE_NX;
	bool pae = s->mode != PG_MODE_32;
	int err = PF_P | (write ? PF_W : 0) | (user ? PF_U : 0) |
		  (fetch && (c->smep || (pae && c->nxe)) ? PF_ID : 0);

	if (nx && !c->nxe)
		return err | PF_RSVD;   /* XD is reserved while NXE = 0 */
	if (user) {
		if (!u || (write && !w) || (fetch && nx))
			return err;
		return -1;
	}
	if (fetch)
		return nx || (u && c->smep) ? err : -1;
	if (u && c->smap && !ac)
		return err;
	if (write && !w && c->wp)
		return err;
	return -1;
}

/* Performs the access; returns the #PF error code or -1 (no fault), and
 * the CR2 seen. Any other exception is reported and counts as a mismatch. */
static int do_access(uint32_t va, enum access a, uint32_t *cr2, bool *odd)
{
	static void (*const sup[])(void *) = {
		[SR] = acc_sup_read, [SW] = acc_sup_write, [SX] = acc_sup_exec,
		[SR_AC] = acc_sup_read_ac, [SW_AC] = acc_sup_write_ac,
	};
	static char *const usr[] = {
		[UR] = user_read, [UW] = user_write, [UX] = user_exec,
	};
	struct fault f;

	if (a < UR) {
		fault_run(sup[a], (void *)va, &f);
	} else {
		run_at_cpl3(usr[a], va, &f);
	}
	*cr2 = f.cr2;
	*odd = f.vector != FAULT_NONE && f.vector != EXC_PF;
	if (*odd)
		printf("  unexpected vector %u error %x at %x\n", f.vector,
		       f.error, f.eip);
	return f.vector == EXC_PF ? (int)f.error : -1;
}

static uint32_t access_cr2(uint32_t va, enum access a)
{
	if (a == SX)
		return va;
	if (a == UX)
		return va + UEXEC_OFF;
	return va + DATA_OFF;
}

static void setup_variants(struct suite *s, const struct variant *v,
			   unsigned n, uint32_t stride)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t va = VA_RIGHTS + i * stride;
		uint64_t pde;

		pg_map(&s->as, va, s->test_page, 0, PTE_P | v[i].leaf);
		pde = pg_get(&s->as, va, 1) & ~(PTE_W | PTE_U | PTE_NX);
		pg_set(&s->as, va, 1, pde | v[i].upper);
	}
}

static void apply_cfg(const struct rights_cfg *c)
{
	uint32_t cr4 = read_cr4() & ~(CR4_SMEP | CR4_SMAP);
	uint64_t efer;

	write_cr0(c->wp ? read_cr0() | CR0_WP : read_cr0() & ~CR0_WP);
	write_cr4(cr4 | (c->smep ? CR4_SMEP : 0) | (c->smap ? CR4_SMAP : 0));
	if (rdmsr_safe(MSR_EFER, &efer, NULL) == FAULT_NONE) {
		efer = c->nxe ? efer | EFER_NXE : efer & ~(uint64_t)EFER_NXE;
		wrmsr_safe(MSR_EFER, efer, NULL);
	}
	flush_all();
}

static unsigned run_cfg(struct suite *s, const struct rights_cfg *c,
			const struct variant *v, unsigned n, uint32_t stride)
{
	unsigned bad = 0;

	apply_cfg(c);
	for (unsigned i = 0; i < n; i++) {
		uint32_t va = VA_RIGHTS + i * stride;

		for (enum access a = 0; a < NUM_ACCESSES; a++) {
			int want = expected_pf(s, c, &v[i], a), got;
			uint32_t cr2;
			bool odd;

			if ((a == SR_AC || a == SW_AC) && !c->smap)
				continue;       /* same as without AC */
			got = do_access(va, a, &cr2, &odd);
			if (!odd && got == want &&
			    (got < 0 || cr2 == access_cr2(va, a)))
				continue;
			if (bad++ < 6)
				printf("  pte%s%s%s pde%s%s%s %s: got %d cr2=%x, "
				       "want %d\n",
				       v[i].leaf & PTE_U ? "+U" : "",
				       v[i].leaf & PTE_W ? "+W" : "",
				       v[i].leaf & PTE_NX ? "+NX" : "",
				       v[i].upper & PTE_U ? "+U" : "",
				       v[i].upper & PTE_W ? "+W" : "",
				       v[i].upper & PTE_NX ? "+NX" : "",
				       access_names[a], got, cr2, want);
		}
	}
	return bad;
}

static void test_rights(struct suite *s)
{
	struct variant v[MAX_VARIANTS];
	unsigned n = make_variants(s, v);
	uint32_t stride = (uint32_t)pg_page_size(&s->as, 1);
	struct rights_cfg c;
	char what[48];

	setup_variants(s, v, n, stride);
	for (int wp = 0; wp < 2; wp++)
	for (int nxe = 0; nxe <= s->nx_ok; nxe++)
	for (int smep = 0; smep <= s->smep_ok; smep++)
	for (int smap = 0; smap <= s->smap_ok; smap++) {
		unsigned bad;

		c = (struct rights_cfg){ wp, nxe, smep, smap };
		bad = run_cfg(s, &c, v, n, stride);
		snprintf(what, sizeof(what), "rights-wp%d-nxe%d-smep%d-smap%d",
			 wp, nxe, smep, smap);
		if (bad)
			printf("  %s: %u mismatches\n", what, bad);
		check(bad == 0, N(s, what));
	}
	c = (struct rights_cfg){ false, false, false, false };
	apply_cfg(&c);
	if (!s->smep_ok)
		skip(N(s, "rights-smep"), "no SMEP on this CPU");
	if (!s->smap_ok)
		skip(N(s, "rights-smap"), "no SMAP on this CPU");
	if (s->mode != PG_MODE_32 && !s->nx_ok)
		skip(N(s, "rights-nx"), "no NX on this CPU");
}

/* ---- accessed and dirty bits ---------------------------------------------- */

static void clear_ad(struct suite *s, uint32_t va, unsigned level)
{
	pg_set(&s->as, va, level, pg_get(&s->as, va, level) & ~(PTE_A | PTE_D));
	if (level == 0)
		pg_set(&s->as, va, 1, pg_get(&s->as, va, 1) & ~PTE_A);
	invlpg(va);
}

static void test_accessed_dirty(struct suite *s)
{
	uint64_t pte, pde;

	pg_map(&s->as, VA_4K, s->frame_a, 0, PTE_P | PTE_W);
	clear_ad(s, VA_4K, 0);
	(void)rd32(VA_4K);
	pte = pg_get(&s->as, VA_4K, 0);
	pde = pg_get(&s->as, VA_4K, 1);
	check(pte & PTE_A, N(s, "accessed-on-read"));
	check(!(pte & PTE_D), N(s, "not-dirty-on-read"));
	check(pde & PTE_A, N(s, "pde-accessed-on-read"));
	wr32(VA_4K + 8, 1);
	check(pg_get(&s->as, VA_4K, 0) & PTE_D, N(s, "dirty-on-write"));

	/* A write hitting a TLB entry made by a read must still set D. */
	clear_ad(s, VA_4K, 0);
	(void)rd32(VA_4K);
	wr32(VA_4K + 8, 2);
	check(pg_get(&s->as, VA_4K, 0) & PTE_D, N(s, "dirty-after-read-fill"));

	pg_map(&s->as, VA_LARGE, PATTERN_BASE, 1, PTE_P | PTE_W);
	clear_ad(s, VA_LARGE, 1);
	(void)rd32(VA_LARGE + 0x3000);
	pde = pg_get(&s->as, VA_LARGE, 1);
	check((pde & PTE_A) && !(pde & PTE_D), N(s, "large-accessed-on-read"));
	wr32(VA_LARGE + 0x3008, 3);
	check(pg_get(&s->as, VA_LARGE, 1) & PTE_D, N(s, "large-dirty-on-write"));
}

/* ---- INVLPG, CR3 loads, global pages ------------------------------------ */

static void test_tlb(struct suite *s)
{
	struct fault f;

	pg_map(&s->as, VA_4K, s->frame_a, 0, PTE_P | PTE_W);
	invlpg(VA_4K);
	(void)rd32(VA_4K);
	pg_map(&s->as, VA_4K, s->frame_b, 0, PTE_P | PTE_W);
	invlpg(VA_4K);
	check_eq(rd32(VA_4K), 0xbbbb0002, N(s, "invlpg-remap"));

	pg_map(&s->as, VA_4K, s->frame_a, 0, PTE_P | PTE_W);
	write_cr3(s->as.root);
	check_eq(rd32(VA_4K), 0xaaaa0001, N(s, "cr3-reload-remap"));

	pg_set(&s->as, VA_4K, 0, 0);
	invlpg(VA_4K);
	fault_run(acc_sup_read, (void *)VA_4K, &f);
	check(f.vector == EXC_PF && f.error == 0, N(s, "unmap-invlpg-pf"));

	if (!s->pge_ok) {
		skip(N(s, "global-pages"), "no PGE");
		return;
	}
	write_cr4(read_cr4() | CR4_PGE);
	pg_map(&s->as, VA_4K, s->frame_a, 0, PTE_P | PTE_W | PTE_G);
	invlpg(VA_4K);
	(void)rd32(VA_4K);
	pg_map(&s->as, VA_4K, s->frame_b, 0, PTE_P | PTE_W | PTE_G);
	/* Toggling CR4.PGE flushes global entries too (SDM 3A 4.10.4.1). */
	write_cr4(read_cr4() & ~CR4_PGE);
	write_cr4(read_cr4() | CR4_PGE);
	check_eq(rd32(VA_4K), 0xbbbb0002, N(s, "global-pge-toggle-remap"));
	pg_map(&s->as, VA_4K, s->frame_a, 0, PTE_P | PTE_W | PTE_G);
	invlpg(VA_4K);
	check_eq(rd32(VA_4K), 0xaaaa0001, N(s, "global-invlpg-remap"));
	write_cr4(read_cr4() & ~CR4_PGE);
	pg_map(&s->as, VA_4K, s->frame_a, 0, PTE_P | PTE_W);
	invlpg(VA_4K);
}

/* ---- writing a page table through a mapping of itself ---------------------- */

/*
 * The last entry of the page directory that covers VA_4K points back at
 * that directory, so the level-1 region it covers (the self window) maps
 * each page table of the directory as a page, and the directory itself as
 * the window's last page.
 */
static void test_selfmap(struct suite *s)
{
	const struct pg_format *f = pg_format(s->mode);
	unsigned sh1 = 12 + f->index_bits, last = (1u << f->index_bits) - 1;
	uint64_t region = pg_page_size(&s->as, 2);
	uint32_t self_va = (uint32_t)((VA_4K & ~(region - 1)) |
				      ((uint64_t)last << sh1));
	uint32_t pd = pg_entry_addr(&s->as, VA_4K, 1) & ~0xfffu;
	uint32_t pt_win = self_va + ((VA_4K >> sh1) & last) * PAGE_SIZE;
	uint32_t pte_va = pt_win + ((VA_4K >> 12) & last) * f->entry_size;
	uint32_t self_e = self_va + last * PAGE_SIZE + last * f->entry_size;

	pg_map(&s->as, VA_4K, s->frame_a, 0, PTE_P | PTE_W);
	pg_write_entry(&s->as, pd + last * f->entry_size, pd | PTE_P | PTE_W);
	flush_all();

	check_eq(rd32(pte_va), (uint32_t)pg_get(&s->as, VA_4K, 0),
		 N(s, "selfmap-read-pte"));
	check_eq(rd32(self_e) & ~0xfffu, pd, N(s, "selfmap-read-pd"));
	(void)rd32(VA_4K);
	wr32(pte_va, s->frame_b | PTE_P | PTE_W);
	invlpg(VA_4K);
	check_eq(rd32(VA_4K), 0xbbbb0002, N(s, "selfmap-write-pte"));
	check_eq(pg_get(&s->as, VA_4K, 0) & ~0xfffull, s->frame_b,
		 N(s, "selfmap-write-visible"));

	pg_write_entry(&s->as, pd + last * f->entry_size, 0);
	pg_map(&s->as, VA_4K, s->frame_a, 0, PTE_P | PTE_W);
	flush_all();
}

/* ---- an exception delivered onto a page table ----------------------------- */

extern char user_int3[], user_int3_next[];

/*
 * The ring-0 stack of an exception from CPL 3 is the top of the page
 * table that maps VA_4K (through an alias), so the CPU's own pushes during
 * delivery write that table. A shadowing hypervisor write-protects it and
 * takes a #PF exit in the middle of the delivery, which it must resolve and
 * then deliver the #BP exactly once, with the right frame (SDM Vol. 3C
 * 27.2.4: IDT-vectoring information). The entries written are those of
 * the last pages of the table's range, which nothing uses.
 */
static void test_delivery_onto_pt(struct suite *s)
{
	uint32_t pt = pg_entry_addr(&s->as, VA_4K, 0) & ~0xfffu;
	uint32_t old_esp0 = tss_esp0(), frame;
	unsigned words = s->mode == PG_MODE_4LEVEL ? 10 : 5;
	struct fault f;
	bool ok;

	pg_map(&s->as, VA_4K, s->frame_a, 0, PTE_P | PTE_W);
	pg_map(&s->as, VA_STACKPT, pt, 0, PTE_P | PTE_W);
	invlpg(VA_4K);
	invlpg(VA_STACKPT);
	(void)rd32(VA_4K);              /* the table is in use (shadowed) */
	tss_set_esp0(VA_STACKPT + PAGE_SIZE);
	ok = run_at_cpl3(user_int3, 0, &f);
	tss_set_esp0(old_esp0);
	/* The frame the CPU pushed (EIP first): 32-bit or 64-bit slots. */
	frame = pt + PAGE_SIZE - words * 4;
	if (!ok || rd32(frame) != (uint32_t)user_int3_next)
		printf("  delivery: vector=%x eip=%x, frame eip %x, want %x\n",
		       f.vector, f.eip, rd32(frame), (uint32_t)user_int3_next);
	check(ok && f.eip == (uint32_t)user_int3_next &&
	      rd32(frame) == (uint32_t)user_int3_next,
	      N(s, "exception-delivered-onto-page-table"));
	for (unsigned i = 0; i < words; i++)
		wr32(frame + i * 4, 0);
	pg_set(&s->as, VA_STACKPT, 0, 0);
	flush_all();
	check_eq(rd32(VA_4K), 0xaaaa0001, N(s, "page-table-intact-after-delivery"));
}

/* ---- many address spaces, switched like processes ----------------------- */

static void test_many_aspaces(struct suite *s)
{
	static struct aspace sp[NSPACES];
	uint32_t chunk = (uint32_t)pg_page_size(&s->as, 1), frames[NSPACES];
	unsigned bad = 0;

	for (unsigned i = 0; i < NSPACES; i++) {
		bool ok = pg_init(&sp[i], s->mode);

		/* Share the identity map's page tables (like a kernel half). */
		for (uint32_t va = 0; ok && va < IDENTITY_END; va += chunk)
			ok = pg_install(&sp[i], va, 1, pg_get(&s->as, va, 1));
		frames[i] = new_frame(0xc0de0000 + i);
		if (!ok || !frames[i] ||
		    !pg_map(&sp[i], VA_4K, frames[i], 0, PTE_P | PTE_W)) {
			check(false, N(s, "many-aspaces-setup"));
			return;
		}
	}
	for (unsigned n = 0; n < SWITCHES; n++) {
		unsigned k = (n * 7 + 3) % NSPACES;

		pg_switch(&sp[k]);
		if (rd32(VA_4K) != 0xc0de0000 + k && bad++ < 4)
			printf("  switch %u to space %u read %x\n", n, k,
			       rd32(VA_4K));
		wr32(VA_4K + 4, n);
	}
	pg_switch(&s->as);
	for (unsigned i = 0; i < NSPACES; i++) {
		uint32_t last = 0;

		/* The last switch to space i wrote its last n. */
		for (unsigned n = 0; n < SWITCHES; n++)
			if ((n * 7 + 3) % NSPACES == i)
				last = n;
		if (rd32(frames[i] + 4) != last)
			bad++;
	}
	check(bad == 0, N(s, "many-aspaces"));
	printf("%s: %u address spaces, %u CR3 switches, %u pool pages used\n",
	       s->prefix, NSPACES, SWITCHES, pg_pool_used());
}

/* ---- the suite ------------------------------------------------------------ */

void paging_suite(enum pg_mode mode)
{
	struct suite s = { .mode = mode, .prefix = prefixes[mode] };

	printf("%s: %s paging\n", s.prefix, pg_mode_name(mode));
	probe_features(&s);
	if (!setup(&s)) {
		check(false, N(&s, "setup"));
		return;
	}
	test_enable(&s);
	test_map_4k(&s);
	test_map_large(&s);
	test_map_1g(&s);
	test_map_high(&s);
	test_pdpte_cache(&s);
	test_not_present(&s);
	test_reserved(&s);
	test_rights(&s);
	test_accessed_dirty(&s);
	test_tlb(&s);
	test_selfmap(&s);
	test_delivery_onto_pt(&s);
	test_many_aspaces(&s);
	pg_disable();
	check(!(read_cr0() & CR0_PG) && !longmode_active(), N(&s, "disable"));
}
