#ifndef DRIVERS_PIC_H
#define DRIVERS_PIC_H
void pic_disable(void);
#endif
