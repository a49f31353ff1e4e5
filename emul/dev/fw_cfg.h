/* QEMU's fw_cfg firmware-configuration interface, traditional I/O-port
 * form (QEMU docs/specs/fw_cfg.rst): a 16-bit selector at port 0x510 and an
 * 8-bit data port at 0x511. Writing the selector picks an item and rewinds
 * its read offset; each data-port read returns the next byte of the item,
 * 0 past its end (and for items that do not exist). No DMA interface: the
 * ID item advertises only the traditional interface (bit 0).
 *
 * Items: SIGNATURE "QEMU" (0x0000), ID (0x0001), RAM_SIZE (0x0003, 64-bit
 * LE), NB_CPUS (0x0005, 16-bit LE), MAX_CPUS (0x000f, 16-bit LE), FILE_DIR
 * (0x0019) and the files the caller adds (keys 0x0020...). FILE_DIR is a
 * big-endian 32-bit count followed by one 64-byte entry per file:
 * { be32 size; be16 select; be16 reserved; char name[56]; }.
 *
 * Register fw_cfg_ops at FW_CFG_PORT_BASE for FW_CFG_PORT_LEN ports. */
#ifndef EMUL_DEV_FW_CFG_H
#define EMUL_DEV_FW_CFG_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "emul/dev/iobus.h"

#define FW_CFG_PORT_BASE	0x510
#define FW_CFG_PORT_LEN		2

#define FW_CFG_SIGNATURE	0x0000
#define FW_CFG_ID		0x0001
#define FW_CFG_UUID		0x0002
#define FW_CFG_RAM_SIZE		0x0003
#define FW_CFG_NOGRAPHIC	0x0004
#define FW_CFG_NB_CPUS		0x0005
#define FW_CFG_MAX_CPUS		0x000f
#define FW_CFG_FILE_DIR		0x0019
#define FW_CFG_FILE_FIRST	0x0020

#define FW_CFG_MAX_FILES	16
#define FW_CFG_NAME_LEN		56	/* including the terminating NUL */
#define FW_CFG_DIR_ENTRY	64
#define FW_CFG_DIR_SIZE		(4 + FW_CFG_MAX_FILES * FW_CFG_DIR_ENTRY)

struct fw_cfg_file {
	const uint8_t *data;	/* the caller's bytes; must outlive the device */
	uint32_t len;
};

struct fw_cfg {
	uint16_t selector;
	uint32_t offset;		/* next byte of the selected item */
	uint8_t id[4], ram_size[8], nb_cpus[2], max_cpus[2];
	struct fw_cfg_file files[FW_CFG_MAX_FILES];
	unsigned nfiles;
	uint8_t dir[FW_CFG_DIR_SIZE];	/* FILE_DIR, rebuilt on every add */
};

void fw_cfg_init(struct fw_cfg *fw, uint64_t ram_size, uint16_t nb_cpus, uint16_t max_cpus);
/* Adds a file (name up to 55 characters, unique). Returns its selector key,
 * or -1 when the name is empty, too long or taken, or the table is full. */
int fw_cfg_add_file(struct fw_cfg *fw, const char *name, const void *data, uint32_t len);

/* The same accesses the port ops make, for the VMX side's fast paths. */
void fw_cfg_select(struct fw_cfg *fw, uint16_t key);
uint8_t fw_cfg_read_byte(struct fw_cfg *fw);

extern const struct io_dev_ops fw_cfg_ops;

#endif
