#include "paging.h"
#include "longmode.h"
#include "string.h"
#include "cpu.h"

#define POOL_PAGES 512          /* 2 MiB of tables and test pages */

static uint8_t pool[POOL_PAGES][PAGE_SIZE]
	__attribute__((aligned(PAGE_SIZE), section(".bss.pagetables")));
static unsigned pool_next;

/* SDM Vol. 3A Table 4-4 (32-bit), 4-8 (PAE: PDPTEs have only P and the
 * cache bits, 4.4.1), 4-14 (4-level). */
static const struct pg_format formats[] = {
	[PG_MODE_32] = { "32-bit", 2, 4, 10, 1024, 1u << 1,
			 PTE_P | PTE_W | PTE_U, PTE_P | PTE_W | PTE_U },
	[PG_MODE_PAE] = { "PAE", 3, 8, 9, 4, 1u << 1,
			  PTE_P | PTE_W | PTE_U, PTE_P },
	[PG_MODE_4LEVEL] = { "4-level", 4, 8, 9, 512, (1u << 1) | (1u << 2),
			     PTE_P | PTE_W | PTE_U, PTE_P | PTE_W | PTE_U },
};

const struct pg_format *pg_format(enum pg_mode mode)
{
	return &formats[mode];
}

const char *pg_mode_name(enum pg_mode mode)
{
	return formats[mode].name;
}

static unsigned shift(const struct pg_format *f, unsigned level)
{
	return 12 + f->index_bits * level;
}

uint64_t pg_page_size(const struct aspace *as, unsigned level)
{
	return 1ull << shift(as->fmt, level);
}

static unsigned entries(const struct pg_format *f, unsigned level)
{
	return level == f->levels - 1 ? f->top_entries : 1u << f->index_bits;
}

static unsigned index_of(const struct pg_format *f, uint64_t va, unsigned level)
{
	return (unsigned)(va >> shift(f, level)) & (entries(f, level) - 1);
}

void pg_pool_reset(void)
{
	pool_next = 0;
}

unsigned pg_pool_used(void)
{
	return pool_next;
}

uint32_t pg_alloc_page(void)
{
	if (pool_next >= POOL_PAGES)
		return 0;
	memset(pool[pool_next], 0, PAGE_SIZE);
	return (uint32_t)pool[pool_next++];
}

uint64_t pg_read_entry(const struct aspace *as, uint32_t addr)
{
	if (as->fmt->entry_size == 4)
		return *(volatile uint32_t *)addr;
	return *(volatile uint64_t *)addr;
}

void pg_write_entry(const struct aspace *as, uint32_t addr, uint64_t e)
{
	if (as->fmt->entry_size == 4) {
		*(volatile uint32_t *)addr = (uint32_t)e;
	} else {
		/* Two 32-bit stores (32-bit code has no plain 64-bit one);
		 * the low half, which holds P, goes last. */
		volatile uint32_t *p = (volatile uint32_t *)addr;

		p[1] = (uint32_t)(e >> 32);
		p[0] = (uint32_t)e;
	}
}

/*
 * PAE: the CPU reads the four PDPTEs only when CR3 is loaded (SDM Vol. 3A
 * 4.4.1), so a page directory added later would stay invisible until the
 * next MOV CR3. All four are made up front, as operating systems do.
 */
bool pg_init(struct aspace *as, enum pg_mode mode)
{
	as->mode = mode;
	as->fmt = &formats[mode];
	as->root = pg_alloc_page();
	if (!as->root)
		return false;
	if (mode != PG_MODE_PAE)
		return true;
	for (unsigned i = 0; i < 4; i++) {
		uint32_t pd = pg_alloc_page();

		if (!pd)
			return false;
		pg_write_entry(as, as->root + i * 8, pd | as->fmt->top_flags);
	}
	return true;
}

static uint32_t slot(const struct aspace *as, uint32_t table, uint64_t va,
		     unsigned level)
{
	return table + index_of(as->fmt, va, level) * as->fmt->entry_size;
}

/* The table at `level` covering va, creating missing ones when `create`. */
static uint32_t table_for(const struct aspace *as, uint64_t va,
			  unsigned level, bool create)
{
	const struct pg_format *f = as->fmt;
	uint32_t table = as->root;

	for (unsigned l = f->levels - 1; l > level; l--) {
		uint32_t e_addr = slot(as, table, va, l);
		uint64_t e = pg_read_entry(as, e_addr);

		if (!(e & PTE_P) || (e & PTE_PS && l > 0)) {
			uint32_t next;

			if (!create)
				return 0;
			next = pg_alloc_page();
			if (!next)
				return 0;
			e = next | (l == f->levels - 1 ? f->top_flags
						       : f->upper_flags);
			pg_write_entry(as, e_addr, e);
		}
		table = (uint32_t)(e & 0xfffff000u);
	}
	return table;
}

bool pg_install(struct aspace *as, uint64_t va, unsigned level, uint64_t e)
{
	uint32_t table = table_for(as, va, level, true);

	if (!table)
		return false;
	pg_write_entry(as, slot(as, table, va, level), e);
	return true;
}

bool pg_map(struct aspace *as, uint64_t va, uint64_t pa, unsigned level,
	    uint64_t flags)
{
	if (level > 0 && !(as->fmt->large_levels & (1u << level)))
		return false;
	if (level > 0)
		flags |= PTE_PS;
	if (as->mode == PG_MODE_32 && level == 1)
		/* PSE-36: PA bits 39:32 go in PDE bits 20:13 (SDM 4.3). */
		pa = (pa & 0xffc00000u) | (((pa >> 32) & 0xff) << 13);
	return pg_install(as, va, level, pa | flags);
}

bool pg_identity(struct aspace *as, uint32_t start, uint32_t end,
		 uint64_t flags)
{
	for (uint32_t a = start & ~0xfffu; a < end; a += PAGE_SIZE)
		if (!pg_map(as, a, a, 0, flags))
			return false;
	return true;
}

uint32_t pg_entry_addr(const struct aspace *as, uint64_t va, unsigned level)
{
	uint32_t table = table_for(as, va, level, false);

	return table ? slot(as, table, va, level) : 0;
}

uint64_t pg_get(const struct aspace *as, uint64_t va, unsigned level)
{
	uint32_t a = pg_entry_addr(as, va, level);

	return a ? pg_read_entry(as, a) : 0;
}

void pg_set(const struct aspace *as, uint64_t va, unsigned level, uint64_t e)
{
	uint32_t a = pg_entry_addr(as, va, level);

	if (a)
		pg_write_entry(as, a, e);
}

void pg_enable(const struct aspace *as)
{
	uint32_t cr4 = read_cr4() & ~(CR4_PAE | CR4_PSE);

	if (as->mode == PG_MODE_32)
		cr4 |= CR4_PSE;
	else
		cr4 |= CR4_PAE;
	write_cr4(cr4);
	write_cr3(as->root);
	if (as->mode == PG_MODE_4LEVEL)
		longmode_prepare();     /* EFER.LME, 64-bit IDT */
	write_cr0(read_cr0() | CR0_PG);
}

void pg_disable(void)
{
	write_cr0(read_cr0() & ~CR0_PG);
	longmode_leave();               /* no-op unless EFER.LME is set */
	write_cr4(read_cr4() & ~(CR4_PAE | CR4_PSE | CR4_PGE | CR4_SMEP |
				 CR4_SMAP));
}

void pg_switch(const struct aspace *as)
{
	write_cr3(as->root);
}
