/*
 * test-fwcfg: QEMU's fw_cfg on ports 0x510 (selector, 16-bit) and 0x511
 * (data, bytes), issue 5: signature, ID, number of CPUs, RAM size against
 * the Multiboot memory info, and the file directory. Skipped (status 2)
 * where there is no fw_cfg (bare Bochs).
 */
#include "guest.h"

#define FW_CFG_SEL  0x510
#define FW_CFG_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_ID        0x0001
#define FW_CFG_RAM_SIZE  0x0003
#define FW_CFG_NB_CPUS   0x0005
#define FW_CFG_FILE_DIR  0x0019

static void fw_read(uint16_t key, void *buf, uint32_t len)
{
	uint8_t *p = buf;

	outw(FW_CFG_SEL, key);
	for (uint32_t i = 0; i < len; i++)
		p[i] = inb(FW_CFG_DATA);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

int guest_main(void)
{
	char sig[5] = { 0 };
	uint32_t id = 0;
	uint16_t cpus = 0;
	uint64_t ram = 0;
	uint8_t count[4], entry[64];

	fw_read(FW_CFG_SIGNATURE, sig, 4);
	if (memcmp(sig, "QEMU", 4)) {
		skip("fwcfg", "no fw_cfg signature");
		return report_done();
	}
	check(true, "fwcfg-signature");
	fw_read(FW_CFG_ID, &id, 4);
	check(id & 1, "fwcfg-id-traditional-interface");
	fw_read(FW_CFG_NB_CPUS, &cpus, 2);
	check(cpus >= 1, "fwcfg-nb-cpus");
	fw_read(FW_CFG_RAM_SIZE, &ram, 8);
	printf("test-fwcfg: id=%x cpus=%u ram=%llu MiB\n", id, cpus, ram >> 20);
	if (mb_info && (mb_info->flags & MB_INFO_MEM)) {
		uint64_t upper = ((uint64_t)mb_info->mem_upper + 1024) << 10;

		/* mem_upper stops at the first hole (below 4 GiB). */
		check(ram >= upper && ram - upper < (upper > 0xe0000000u ?
						   ram : (64u << 20)),
		      "fwcfg-ram-size-matches-multiboot");
	} else {
		skip("fwcfg-ram-size-matches-multiboot", "no Multiboot memory info");
	}
	fw_read(FW_CFG_FILE_DIR, count, 4);
	if (be32(count) > 0) {
		/* The first entry follows the count: size, select, reserved,
		 * 56-byte name. */
		outw(FW_CFG_SEL, FW_CFG_FILE_DIR);
		for (int i = 0; i < 4; i++)
			(void)inb(FW_CFG_DATA);
		for (int i = 0; i < 64; i++)
			entry[i] = inb(FW_CFG_DATA);
		entry[63] = 0;
		printf("test-fwcfg: %u files, first \"%s\"\n", be32(count),
		       (char *)entry + 8);
		check(entry[8] >= 0x20 && entry[8] < 0x7f, "fwcfg-file-dir");
	} else {
		check(false, "fwcfg-file-dir");
	}
	return report_done();
}
