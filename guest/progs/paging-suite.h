/*
 * The paging tests shared by the test-paging-* programs: one suite per
 * mode, run with paging set up from scratch and turned off again at the
 * end, so running several in a row also switches between the modes.
 */
#ifndef PAGING_SUITE_H
#define PAGING_SUITE_H

#include "paging.h"

void paging_suite(enum pg_mode mode);

#endif
