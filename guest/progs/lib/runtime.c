/* From entry.S to the program's guest_main() and out through guest_exit(). */
#include "guest.h"
#include "tss.h"

uint32_t mb_magic;
const struct mb_info *mb_info;

void runtime_start(uint32_t magic, uint32_t info);
void runtime_start(uint32_t magic, uint32_t info)
{
	mb_magic = magic;
	mb_info = magic == MB_BOOT_MAGIC ? (const struct mb_info *)info : 0;
	serial_init();
	idt_init();
	tss_init();
	guest_exit((uint32_t)guest_main());
}
