/* Glue between the VMX side and the portable shadow MMU (mmu/). */
#include <string.h>
#include "vmx/guest_mem.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_ops.h"
#include "vmx/exit.h"
#include "mmu/host/frames.h"
#include "lib/x86.h"
#include "lib/log.h"

static uint64_t host_alloc(void *opaque, uint32_t flags)
{
	(void)opaque;
	return frame_alloc_below((flags & MMU_ALLOC_BELOW_4G) ? (1ull << 32) : 0);
}

static void host_free(void *opaque, uint64_t hpa)
{
	(void)opaque;
	frame_free(hpa);
}

static void *host_p2v(void *opaque, uint64_t hpa)
{
	(void)opaque;
	return phys_to_virt(hpa);
}

static const struct mmu_host_ops host_ops = { host_alloc, host_free, host_p2v, 0 };

bool gmem_init(struct vm_memory *m, uint64_t ram_size, uint32_t pool_pages, const char **why)
{
	m->ram_size = ram_size;
	m->ram_hpa = frames_alloc_contig(ram_size / PAGE_SIZE);
	if (!m->ram_hpa) {
		*why = "not enough host memory for the guest's RAM";
		return false;
	}
	m->ram = phys_to_virt(m->ram_hpa);
	memslots_init(&m->slots);
	if (memslot_add(&m->slots, 0, ram_size, m->ram_hpa, m->ram, 0) != MEMSLOT_OK) {
		*why = "bad guest RAM layout";
		return false;
	}
	uint32_t maxphy = (uint32_t)cpuid(0x80000000, 0).eax >= 0x80000008 ?
		(cpuid(0x80000008, 0).eax & 0xff) : 36;
	struct mmu_config cfg = {
		.pool_pages = pool_pages,
		.maxphyaddr = (uint8_t)maxphy,
		.gbpages = cpuid(0x80000001, 0).edx & (1u << 26),
		.host_nx = rdmsr(MSR_IA32_EFER) & (1u << 11),
		/* vmcs_sync_paging keeps hardware EFER.NXE on whenever the CPU has NX. */
		.hw_nxe_always = rdmsr(MSR_IA32_EFER) & (1u << 11),
	};
	if (mmu_init(&m->mmu, &host_ops, &m->slots, &cfg) != MMU_OK) {
		*why = "not enough host memory for the shadow page pool";
		return false;
	}
	return true;
}

void gmem_reset(struct vm_memory *m)
{
	struct mmu_config cfg = m->mmu.cfg;
	mmu_destroy(&m->mmu);
	if (mmu_init(&m->mmu, &host_ops, &m->slots, &cfg) != MMU_OK)
		panic("shadow pool could not be rebuilt after a VM reset");
}

bool gmem_load_context(struct vcpu *v)
{
	struct mmu_guest_state gs = { v->cr0, v->cr3, v->cr4, v->efer };
	uint64_t root, hw_cr0, hw_cr4;
	int rc = mmu_load_context(&v->vm->mem->mmu, &gs, &root);
	if (rc == MMU_ERR_GP)
		return false;
	if (rc != MMU_OK)
		panic("%s: shadow MMU could not load a context (error %d)", v->vm->name, rc);
	mmu_hw_control(&gs, &hw_cr0, &hw_cr4);
	vmcs_sync_paging(v, root, hw_cr0, hw_cr4);
	return true;
}

bool gmem_load_cr3(struct vcpu *v)
{
	struct mmu_guest_state gs = { v->cr0, v->cr3, v->cr4, v->efer };
	uint64_t root;
	int rc = mmu_load_context(&v->vm->mem->mmu, &gs, &root);
	if (rc == MMU_ERR_GP)
		return false;
	if (rc != MMU_OK)
		panic("%s: shadow MMU could not load a context (error %d)", v->vm->name, rc);
	vmwrite(GUEST_CR3, root);
	return true;
}

static uint32_t access_flags(bool write)
{
	uint32_t acc = write ? MMU_ACC_WRITE : 0;
	if (guest_cpl() == 3)
		acc |= MMU_ACC_USER;
	if (vmread(GUEST_RFLAGS) & (1u << 18))
		acc |= MMU_ACC_AC;
	return acc;
}

static bool linear_copy(struct vcpu *v, uint64_t gva, void *buf, size_t len, bool write, struct gmem_fault *f)
{
	struct mmu *mmu = &v->vm->mem->mmu;
	uint8_t *p = buf;
	uint32_t acc = access_flags(write);
	/* Translate every page first, so a fault part-way leaves nothing half
	 * written. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t done = 0; done < len;) {
			uint64_t a = gva + done;
			size_t chunk = PAGE_SIZE - (a & (PAGE_SIZE - 1));
			if (chunk > len - done)
				chunk = len - done;
			uint64_t gpa;
			uint32_t pf;
			int rc = mmu_translate(mmu, a, acc, &gpa, &pf);
			if (rc == MMU_ERR_PF) {
				*f = (struct gmem_fault){ 14, pf, a };
				return false;
			}
			if (rc != MMU_OK) {
				*f = (struct gmem_fault){ 13, 0, 0 };
				return false;
			}
			if (pass == 1) {
				rc = write ? mmu_write_guest(mmu, gpa, p + done, chunk)
					   : mmu_read_guest(mmu, gpa, p + done, chunk);
				if (rc != MMU_OK) {
					*f = (struct gmem_fault){ 0, 0, gpa };
					return false;
				}
			}
			done += chunk;
		}
	}
	return true;
}

bool gmem_read_linear(struct vcpu *v, uint64_t gva, void *buf, size_t len, struct gmem_fault *f)
{
	return linear_copy(v, gva, buf, len, false, f);
}

bool gmem_write_linear(struct vcpu *v, uint64_t gva, const void *buf, size_t len, struct gmem_fault *f)
{
	return linear_copy(v, gva, (void *)buf, len, true, f);
}
