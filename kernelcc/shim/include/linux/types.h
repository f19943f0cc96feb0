/* Part of ccbench's kernel shim: everything a congestion-control module
 * includes is declared once, in ccb/kernel.h. */
#include <ccb/kernel.h>
