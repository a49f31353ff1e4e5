/* Selectors of the runtime's GDT (entry.S). */
#ifndef GUEST_GDT_H
#define GUEST_GDT_H

#define GDT_CODE32 0x08
#define GDT_DATA   0x10
#define GDT_CODE64 0x18
#define GDT_CODE16 0x20

#endif
