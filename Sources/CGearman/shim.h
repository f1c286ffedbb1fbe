#ifndef CGEARMAN_SHIM_H
#define CGEARMAN_SHIM_H
#include <libgearman-1.0/gearman.h>
#endif
