/* QEMU fw_cfg, traditional interface (see fw_cfg.h; QEMU docs/specs/fw_cfg.rst). */
#include <string.h>
#include "emul/dev/fw_cfg.h"

#define ENTRY_MASK	0x3fff	/* bit 14 "write channel" is ignored on select */
#define ARCH_LOCAL	0x8000	/* x86-specific items (e820, ACPI...): none here */
#define ID_TRADITIONAL	1u

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_be(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

void fw_cfg_init(struct fw_cfg *fw, uint64_t ram_size, uint16_t nb_cpus, uint16_t max_cpus)
{
	memset(fw, 0, sizeof(*fw));
	put_le(fw->id, ID_TRADITIONAL, 4);
	put_le(fw->ram_size, ram_size, 8);
	put_le(fw->nb_cpus, nb_cpus, 2);
	put_le(fw->max_cpus, max_cpus, 2);
	/* FILE_DIR with a zero count is already the memset's zeros. */
}

/* The item behind @key: its bytes and length (len 0: no such item). */
static const uint8_t *item(const struct fw_cfg *fw, uint16_t key, uint32_t *len)
{
	static const uint8_t signature[4] = { 'Q', 'E', 'M', 'U' };

	*len = 0;
	if (key & ARCH_LOCAL)
		return NULL;
	key &= ENTRY_MASK;
	switch (key) {
	case FW_CFG_SIGNATURE:	*len = 4; return signature;
	case FW_CFG_ID:		*len = 4; return fw->id;
	case FW_CFG_RAM_SIZE:	*len = 8; return fw->ram_size;
	case FW_CFG_NB_CPUS:	*len = 2; return fw->nb_cpus;
	case FW_CFG_MAX_CPUS:	*len = 2; return fw->max_cpus;
	case FW_CFG_FILE_DIR:
		*len = 4 + fw->nfiles * FW_CFG_DIR_ENTRY;
		return fw->dir;
	default:
		break;
	}
	if (key >= FW_CFG_FILE_FIRST && (unsigned)(key - FW_CFG_FILE_FIRST) < fw->nfiles) {
		const struct fw_cfg_file *f = &fw->files[key - FW_CFG_FILE_FIRST];
		*len = f->data ? f->len : 0;
		return f->data;
	}
	return NULL;
}

int fw_cfg_add_file(struct fw_cfg *fw, const char *name, const void *data, uint32_t len)
{
	size_t n = name ? strnlen(name, FW_CFG_NAME_LEN) : 0;

	if (n == 0 || n >= FW_CFG_NAME_LEN || fw->nfiles >= FW_CFG_MAX_FILES)
		return -1;
	for (unsigned i = 0; i < fw->nfiles; i++)
		if (!strncmp((const char *)fw->dir + 4 + i * FW_CFG_DIR_ENTRY + 8, name,
			     FW_CFG_NAME_LEN))
			return -1;

	unsigned idx = fw->nfiles++;
	uint16_t key = (uint16_t)(FW_CFG_FILE_FIRST + idx);
	uint8_t *e = fw->dir + 4 + idx * FW_CFG_DIR_ENTRY;

	fw->files[idx] = (struct fw_cfg_file){ data, data ? len : 0 };
	memset(e, 0, FW_CFG_DIR_ENTRY);
	put_be(e, data ? len : 0, 4);
	put_be(e + 4, key, 2);
	memcpy(e + 8, name, n);		/* rest of name[56] stays NUL */
	put_be(fw->dir, fw->nfiles, 4);
	return key;
}

void fw_cfg_select(struct fw_cfg *fw, uint16_t key)
{
	fw->selector = key;
	fw->offset = 0;
}

uint8_t fw_cfg_read_byte(struct fw_cfg *fw)
{
	uint32_t len;
	const uint8_t *p = item(fw, fw->selector, &len);

	if (!p || fw->offset >= len)
		return 0;
	return p[fw->offset++];
}

/* QEMU's combined x86 port pair: a 16-bit write at 0x510 selects; a byte
 * access at either port is the data register (a byte write is a legacy data
 * write, ignored since QEMU 2.4). Other sizes are not decoded. */
static uint64_t fw_cfg_port_read(void *dev, uint64_t off, unsigned size)
{
	if (size != 1 || off >= FW_CFG_PORT_LEN)
		return ~0ull;
	return fw_cfg_read_byte(dev);
}

static void fw_cfg_port_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	if (size == 2 && off == 0)
		fw_cfg_select(dev, (uint16_t)val);
}

const struct io_dev_ops fw_cfg_ops = { fw_cfg_port_read, fw_cfg_port_write };
