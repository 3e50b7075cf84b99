// The deflate level of the XLSX workbooks libxlsxwriter writes (see deflate_level.c).
#ifndef LIAISON_CXLSXDEFLATE_H
#define LIAISON_CXLSXDEFLATE_H

/// The zlib level every part of a workbook is deflated at (3 unless set).
int liaison_xlsx_deflate_level(void);

/// Sets that level (1–9; anything else is ignored) for the rest of the process: for the
/// benchmark, which writes the same workbook at libxlsxwriter's own level 6 as its peer.
void liaison_xlsx_set_deflate_level(int level);

/// How many workbook parts were opened through this file's zipOpenNewFileInZip4_64, i.e. at
/// liaison_xlsx_deflate_level(). A test checks it grows when a workbook is written: if a build
/// links libxlsxwriter so that the call no longer comes here, the test says so.
unsigned long liaison_xlsx_deflate_parts(void);

#endif
