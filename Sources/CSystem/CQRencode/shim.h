// libqrencode 4.1 (libqrencode-dev). QRcode.data holds one byte per module; bit 0 is "dark".
#include <qrencode.h>
