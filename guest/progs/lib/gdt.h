/* Selectors of the runtime's GDT (entry.S). */
#ifndef GUEST_GDT_H
#define GUEST_GDT_H

#define GDT_CODE32 0x08
#define GDT_DATA   0x10
#define GDT_CODE64 0x18
#define GDT_CODE16 0x20
#define GDT_UCODE32 0x28        /* use with RPL 3: (GDT_UCODE32 | 3) */
#define GDT_UDATA  0x30
#define GDT_TSS    0x38         /* 16 bytes: also valid as an IA-32e TSS */
#define GDT_UCODE64 0x48

#endif
