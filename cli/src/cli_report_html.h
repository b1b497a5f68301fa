// The leadership report as one self-contained HTML page (inline CSS and SVG; no script, font
// or request to anywhere), printable on A4 landscape: Chinese first, English second. And the
// fingerprint it carries: what is signed, and how `kpihub report --verify` reads it back.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cli_format.h"
#include "cli_report_figures.h"

namespace kpihub::cli {

// The fingerprint: journal position, moment, year and hashes. `document_sha256` is the
// SHA-256 of the whole page with the signature's text left out (DocumentDigest), so a
// changed byte anywhere — a figure, a name, the fingerprint itself — breaks the signature.
struct ReportFingerprint {
  uint64_t journal_id = 0;
  int64_t as_of_ms = 0;
  int year = 0;
  std::string figures_sha256;
  std::string document_sha256;
  std::string SignedText() const;  // what the Ed25519 signature covers
};

// The page without its signature (the signature's place left empty). `key_id` names the
// signing key (the first hex digits of its public key's SHA-256).
std::string RenderReportHtml(const core::Catalogue& catalogue, const ReportFigures& figures,
                             const CivilTime& time, const std::string& key_id);
// Puts the base64 signature into its place in a rendered page.
std::string InsertSignature(const std::string& html, const std::string& signature_base64);

// What a page says about itself; nullopt when it carries no well-formed fingerprint.
struct ReadBackReport {
  ReportFingerprint fingerprint;  // document_sha256 recomputed from the page
  std::string signature;          // raw bytes
  std::string canonical_text;     // the figures the page embeds
};
std::optional<ReadBackReport> ReadReportHtml(const std::string& html);

}  // namespace kpihub::cli
