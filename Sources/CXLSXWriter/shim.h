// Debian's libxlsxwriter (libxlsxwriter-dev): the XLSX writer behind `liaison export`.
// Its API has no variadic functions, so nothing needs wrapping; this header only brings it in.
#ifndef LIAISON_CXLSXWRITER_SHIM_H
#define LIAISON_CXLSXWRITER_SHIM_H
#include <xlsxwriter.h>
#endif
