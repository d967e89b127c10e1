// libcups 2.4 (libcups2-dev). Debian ships no cups.pc, hence `link "cups"` in the module map.
#include <cups/cups.h>
#include <cups/ipp.h>
#include <cups/http.h>
