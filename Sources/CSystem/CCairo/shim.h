// cairo 1.16 (libcairo2-dev): PDF surfaces and the toy text API, which finds Noto Sans CJK SC
// through fontconfig.
#include <cairo/cairo.h>
#include <cairo/cairo-pdf.h>
