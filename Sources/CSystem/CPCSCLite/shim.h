// libpcsclite, as Debian's libpcsclite-dev installs it. winscard.h includes <pcsclite.h> without
// the PCSC/ prefix; pkg-config's -I/usr/include/PCSC covers that.
#include <PCSC/winscard.h>
#include <PCSC/reader.h>
