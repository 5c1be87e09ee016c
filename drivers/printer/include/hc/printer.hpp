// drivers/printer: the ESC/POS receipt printer.
//
//   hc::printer::EscPosJob        builds a job: init, GBK text from UTF-8, bold, size, alignment,
//                                 QR code (model 2, GS ( k), feed, partial/full cut
//   hc::printer::utf8ToGbk        the text conversion; EncodingError names the character GBK
//                                 cannot encode (emoji, CJK extension B, control characters)
//   hc::printer::TcpTransport     raw TCP 9100 with timeouts
//   hc::printer::SerialTransport  termios serial port, configurable baud
//   hc::printer::FileTransport    a file or /dev/usb/lp0 (no status)
//   hc::printer::EscPosPrinter    print(job), status() via DLE EOT 1/2/3/4, printChecked(job)
//   hc::printer::PrinterStatus    Ok / Warning (paper near end) / Error (paper out, cover open,
//                                 cutter, offline) — checked BEFORE charging a patient
//   hc::printer::EscPosDecoder    bytes back to events (text, QR, cut, feed, unknown, truncated);
//   hc::printer::renderText       a plain-text rendering of a decoded receipt
//
// and the A4 report printer over IPP (libcups):
//   hc::printer::IppPrinter       status() -> Ready / MediaEmpty / MediaJam / DoorOpen / Offline /
//                                 Other with the raw printer-state-reasons; print(pdf, jobName,
//                                 user) -> Print-Job followed to Completed / Aborted / Canceled,
//                                 or Unknown on timeout (never reprint or refund blind)
//
// Typical use:
//   hc::printer::EscPosPrinter printer(std::make_unique<hc::printer::TcpTransport>("10.0.0.7",
//   9100)); if (!printer.status().canPrint()) { /* do not charge; offer another kiosk */ }
//   hc::printer::EscPosJob job;
//   job.align(hc::printer::Align::Center).bold(true).line("挂号凭条").bold(false)
//      .qrCode("HC-20261123-0001").feed(3).cut();
//   printer.print(job);
//
// Threading: every object is used by one thread at a time; printer calls block on I/O for at
// most the transport's timeout. Errors derive from hc::Error (see hc/printer/error.hpp).
#pragma once

#include "hc/printer/error.hpp"
#include "hc/printer/escpos_decoder.hpp"
#include "hc/printer/escpos_job.hpp"
#include "hc/printer/escpos_printer.hpp"
#include "hc/printer/file_transport.hpp"
#include "hc/printer/gbk.hpp"
#include "hc/printer/ipp_printer.hpp"
#include "hc/printer/printer_status.hpp"
#include "hc/printer/serial_transport.hpp"
#include "hc/printer/tcp_transport.hpp"
#include "hc/printer/transport.hpp"
#include "hc/printer/transport_spec.hpp"
