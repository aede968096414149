"""Outgoing-document signing and issue benchmark: the competent person's signature and the
agency's issue signature of a one-page NĐ 30 document through our code, against raw pyHanko
making the same two signatures.

    python -m bench.outgoing [--n 100] [--pg-url URL] [--skip-pg] [--profile [PAIRS]]

Like with like: the same one-page PDF (tests/signing/stamp_pages.py's Phụ lục I page, the
signer's printed name under the signature block), the same keys (the demo CA's person and
agency certificates, RSA 2048, loaded once), the same appearance images (the person's blue
signature PNG; the agency's red seal PNG with the agency name and the ISO 8601 time in the
embedded DejaVu Sans VN font), the same signature rectangles (ours computed them; raw is given
them), the same incremental writer (pyhanko's IncrementalPdfFileWriter, PAdES, SHA-256, the
same ``bytes_reserved``). Raw pyHanko does only the signing: it is not told where the signature
goes, adds no number and date fields and stamps no number: that is our code's work, and the ratio
shows its price.

Rows (each the median and the p95 of ``--n`` timed calls after warm-up, the cells of a row
interleaved in blocks as bench/engine.py's ``measure`` does):
- person: ``documents.signing.person.sign_as_person`` against raw ``PdfSigner`` with a
  ``StaticStampStyle`` of the same image;
- agency: ``documents.signing.issue_stamp.issue_pdf`` (number and date filled in, seal signature)
  against raw ``PdfSigner`` with a ``TextStampStyle`` (seal as background, same text and font);
- person + agency: both in turn on the output of the first (the pair the targets are about);
- with PostgreSQL: ``documents.outgoing.issuing.issue_document`` alone (number from the register
  under its row lock, stamp, agency signature, files, audit, delivery hooks, commit), and the
  whole "sign + issue" as the application runs it: the person's signature stored as the
  document's signed file in one transaction, the issue in the next.
Throughput = 1000 / mean ms of one thread. Nothing is asserted about time; the run stops when an
output does not validate (pyHanko's own validation: intact and trusted), so a broken signature
cannot pass as a fast one.

The PostgreSQL database given by --pg-url is emptied and migrated first (bench.engine's handling:
default ``bench``; ``test``, ``postgres``, the templates and TEST_DATABASE_URL's are refused).
Keys and files live in a temporary directory.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from PIL import Image
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.stamp import StaticStampStyle, TextStampStyle

from bench.engine import DEFAULT_PG_URL, Stats, _loadavg, _reset_postgres, machine, measure
from documents.signing import validate_pdf
from documents.signing.fonts import font_bytes
from documents.signing.issue_stamp import AGENCY_FIELD, RED, TEXT_SIZE, issue_pdf
from documents.signing.keys import CachedKeySigner
from documents.signing.keystore import Keystore
from documents.signing.person import FIELD_NAME as PERSON_FIELD
from documents.signing.person import blue_signature_png, sign_as_person
from documents.signing.signers import KeySigner
from documents.vntime import iso
from tests.signing.stamp_pages import phu_luc_i

AGENCY_CODE, AGENCY_NAME = "000.00.01.H99", "Ủy ban nhân dân huyện Kim Bảng"
SIGNER, POSITION = "Nguyễn Văn An", "Chủ tịch"  # the name printed under the signature block of phu_luc_i
NUMBER_TEXT, DATE_TEXT = "Số: 12/UBND-VX", "Kim Bảng, ngày 05 tháng 12 năm 2026"
AT = datetime(2026, 12, 5, 2, 30, tzinfo=timezone.utc)
TARGET_RATIO, TARGET_MS = 1.5, 150.0


class Material:
    """What both sides sign with, made once: the PDF, the keys, the images, the rectangles."""

    def __init__(self, directory: Path) -> None:
        self.keystore = Keystore(directory / "signing", b"bench-password")
        pki = self.keystore.install_demo(AGENCY_CODE, AGENCY_NAME)
        self.pdf = phu_luc_i(paragraphs=1)
        self.person = KeySigner(CachedKeySigner(pki.person.key, pki.person.cert, pki.person.chain))
        self.agency = self.keystore.signer(AGENCY_CODE)
        self.signature_png = blue_signature_png(SIGNER)
        self.seal_png = self.keystore.seal(AGENCY_CODE)
        self.font_path = directory / "DejaVuSansVN.ttf"
        self.font_path.write_bytes(font_bytes())
        # Ours once, to learn the rectangles it chooses: raw signs in the very same places.
        person_signed = self.ours_person()
        self.person_box = _widget(person_signed, PERSON_FIELD)
        self.seal_box = _widget(self.ours_agency(person_signed), AGENCY_FIELD)
        self.signature_image = Image.open(io.BytesIO(self.signature_png)).convert("RGBA")
        self.seal_image = Image.open(io.BytesIO(self.seal_png)).convert("RGBA")
        self.raw_person_signed = self.raw_person()
        self.ours_person_signed = person_signed

    # ------------------------------------------------------------------ ours
    def ours_person(self) -> bytes:
        return sign_as_person(self.pdf, self.person, image_png=self.signature_png, name=SIGNER, position=POSITION,
                              at=AT)

    def ours_agency(self, person_signed: bytes) -> bytes:
        return issue_pdf(person_signed, self.agency, self.seal_png, agency_name=AGENCY_NAME, number_text=NUMBER_TEXT,
                         date_text=DATE_TEXT, at=AT)

    def ours_pair(self) -> bytes:
        return self.ours_agency(self.ours_person())

    # ------------------------------------------------------------------ raw pyHanko
    def raw_person(self) -> bytes:
        return _raw_sign(self.pdf, "Signature1", self.person.pyhanko_signer, self.person.bytes_reserved,
                         self.person_box, StaticStampStyle(background=PdfImage(self.signature_image), border_width=0),
                         SIGNER)

    def raw_agency(self, person_signed: bytes) -> bytes:
        style = TextStampStyle(
            stamp_text=f"{AGENCY_NAME}\n{iso(AT)}", border_width=0, background=PdfImage(self.seal_image),
            background_opacity=1.0,
            text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(self.font_path)), font_size=round(TEXT_SIZE),  # pyHanko lays text out in whole points
                                        text_color=RED))
        return _raw_sign(person_signed, "Signature2", self.agency.signer, self.agency.signer.bytes_reserved,
                         self.seal_box, style, AGENCY_NAME)

    def raw_pair(self) -> bytes:
        return self.raw_agency(self.raw_person())


def _raw_sign(pdf: bytes, field_name: str, signer, reserved: int, box, style, name: str) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    pdf_signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name=field_name, md_algorithm="sha256", name=name,
                                     subfilter=fields.SigSeedSubFilter.PADES),
        signer=signer, stamp_style=style,
        new_field_spec=fields.SigFieldSpec(sig_field_name=field_name, on_page=0, box=box))
    return pdf_signer.sign_pdf(writer, bytes_reserved=reserved).getvalue()


def _widget(pdf: bytes, name: str) -> tuple[int, int, int, int]:
    reader = PdfFileReader(io.BytesIO(pdf))
    for field_name, _, ref in fields.enumerate_sig_fields(reader):
        if field_name.startswith(name):
            rect = [float(v) for v in ref.get_object()["/Rect"]]
            return round(min(rect[0], rect[2])), round(min(rect[1], rect[3])), \
                round(max(rect[0], rect[2])), round(max(rect[1], rect[3]))
    raise SystemExit(f"no signature field {name} in the signed PDF")


def check_valid(material: Material, pdf: bytes, expected: int, label: str) -> None:
    """pyHanko's own validation of the bytes: every signature intact and trusted."""
    reports = validate_pdf(pdf, material.keystore.trust_roots, moment=AT)
    if len(reports) != expected or not all(r.ok for r in reports):
        raise SystemExit(f"{label}: the output does not validate: {reports}")


# ---------------------------------------------------------------------------- PostgreSQL
class Office:
    """Agency A with its abbreviations, a unit, a clerk and a leader, on the benchmark database;
    documents at the issue step made ahead of the timing (their making is never timed)."""

    def __init__(self, url: str, material: Material, directory: Path) -> None:
        from documents import accounts
        from documents.settings import Settings
        from documents.system import build_system
        from engine.db import unit_of_work

        self.material = material
        self.system = build_system(Settings(database_url=url, file_store_dir=directory / "files",
                                            signing_dir=directory / "signing"))
        with unit_of_work(self.system.sessions) as session:
            agency = accounts.create_agency(session, AGENCY_CODE, AGENCY_NAME)
            agency.abbreviation = "UBND"
            unit = accounts.create_unit(session, agency, "Phòng Văn hóa - Xã hội")
            unit.abbreviation = "VX"
            clerk = accounts.create_user(session, agency, "bench.clerk", "Văn thư", "bench-password-1", ["clerk"])
            leader = accounts.create_user(session, agency, "bench.leader", SIGNER, "bench-password-2", ["leader"])
            self.clerk, self.leader = accounts.identity_of(session, clerk), accounts.identity_of(session, leader)
            self.agency_id, self.unit_id = agency.id, unit.id
        self.signed_file = self._store(material.ours_person_signed)

    def _store(self, pdf: bytes) -> int:
        from documents.files.service import store_attachment
        from engine.db import unit_of_work

        with unit_of_work(self.system.sessions) as session:
            return store_attachment(session, self.system.files, filename="signed.pdf", data=pdf,
                                    uploaded_by=self.leader.user_id, owner_type="outgoing_signed",
                                    owner_id=0, max_bytes=10 << 20).id

    def documents(self, count: int, *, signed: bool) -> list[int]:
        from documents.outgoing.models import OutgoingDocument, State
        from engine.db import unit_of_work

        with unit_of_work(self.system.sessions) as session:
            made = [OutgoingDocument(agency_id=self.agency_id, author_id=self.leader.user_id, unit_id=self.unit_id,
                                     subject="Về việc tổng kết công tác văn thư năm 2026", doc_type="Công văn",
                                     urgency="normal", state=State.ISSUING, created_at=AT, updated_at=AT,
                                     signer_id=self.leader.user_id if signed else None,
                                     signed_at=AT if signed else None, signer_position=POSITION,
                                     signed_file_id=self.signed_file if signed else None)
                    for _ in range(count)]
            session.add_all(made)
            session.flush()
            return [d.id for d in made]

    def issue(self, document_id: int) -> None:
        from documents.outgoing import issuing
        from engine import clock
        from engine.db import unit_of_work

        with clock.using(clock.FixedClock(AT)), unit_of_work(self.system.sessions) as session:
            document = issuing.own_document(session, self.clerk, document_id)
            issuing.issue_document(session, self.system.files, self.material.keystore, self.clerk, document)

    def sign_then_issue(self, document_id: int) -> None:
        """What the application does: the signing request stores the person-signed PDF as the
        document's signed file (one transaction), the issuing request issues it (another)."""
        from documents.files.service import store_attachment
        from documents.outgoing.models import OutgoingDocument
        from engine.db import unit_of_work

        signed = self.material.ours_person()
        with unit_of_work(self.system.sessions) as session:
            document = session.get(OutgoingDocument, document_id)
            attachment = store_attachment(session, self.system.files, filename="signed.pdf", data=signed,
                                          uploaded_by=self.leader.user_id, owner_type="outgoing_signed",
                                          owner_id=document_id, max_bytes=10 << 20)
            document.signer_id, document.signed_at, document.signed_file_id = self.leader.user_id, AT, attachment.id
        self.issue(document_id)

    def issued_pdf(self, document_id: int) -> bytes:
        from documents.files.service import read_attachment
        from documents.outgoing.models import OutgoingDocument

        with self.system.sessions() as session:
            document = session.get(OutgoingDocument, document_id)
            if document.number is None:
                raise SystemExit(f"document {document_id} was not issued")
            return read_attachment(session, self.system.files, document.issued_file_id)[1]


# ---------------------------------------------------------------------------- output
def _cell(stats: Stats | None, raw: Stats | None = None, attr: str = "median_ms") -> str:
    if stats is None:
        return "—"
    value = getattr(stats, attr)
    return f"{value:.1f}" if raw is None else f"{value:.1f} ({value / getattr(raw, attr):.2f}×)"


def table(rows: list[tuple[str, Stats | None, Stats]]) -> str:
    lines = ["| operation (one-page PDF) | raw pyHanko median ms | ours median ms (× raw) | raw p95 ms "
             "| ours p95 ms (× raw) | ours per second (1 thread, 1000 / median) |",
             "|---|---:|---:|---:|---:|---:|"]
    for label, raw, ours in rows:
        rate = 1000 / ours.median_ms
        lines.append(f"| {label} | {_cell(raw)} | {_cell(ours, raw)} | {_cell(raw, attr='p95_ms')} "
                     f"| {_cell(ours, raw, 'p95_ms')} | {rate:.1f} |")
    return "\n".join(lines)


def profile(material: Material, pairs: int, top: int = 30) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(pairs):
        material.ours_pair()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.outgoing", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100, help="timed repetitions per row (default 100)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL,
                        help=f"PostgreSQL database of the benchmark's own, emptied first (default {DEFAULT_PG_URL})")
    parser.add_argument("--skip-pg", action="store_true", help="the signing functions only, no database")
    parser.add_argument("--profile", type=int, nargs="?", const=20, default=0, metavar="PAIRS",
                        help="afterwards cProfile PAIRS (default 20) person + agency signatures of ours")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    load_before = _loadavg()
    warmup = min(10, args.n)
    with tempfile.TemporaryDirectory(prefix="bench-outgoing-") as tmp:
        material = Material(Path(tmp))
        check_valid(material, material.ours_pair(), 2, "ours")
        check_valid(material, material.raw_pair(), 2, "raw pyHanko")
        print(f"measuring {args.n} calls a cell …", file=sys.stderr)
        person = measure({"raw": lambda i: material.raw_person(), "ours": lambda i: material.ours_person()},
                         args.n, warmup)
        agency = measure({"raw": lambda i: material.raw_agency(material.raw_person_signed),
                          "ours": lambda i: material.ours_agency(material.ours_person_signed)}, args.n, warmup)
        pair = measure({"raw": lambda i: material.raw_pair(), "ours": lambda i: material.ours_pair()}, args.n, warmup)
        rows = [("person's signature", person["raw"], person["ours"]),
                ("agency's issue signature (number, date, seal)", agency["raw"], agency["ours"]),
                ("**person + agency (the pair)**", pair["raw"], pair["ours"])]
        if not args.skip_pg:
            _reset_postgres(args.pg_url)
            office = Office(args.pg_url, material, Path(tmp))
            signed = iter(office.documents(args.n + warmup, signed=True))
            unsigned = iter(office.documents(args.n + warmup, signed=False))
            last: dict[str, int] = {}

            def issue(i: int) -> None:
                last["issue"] = next(signed)
                office.issue(last["issue"])

            def sign_then_issue(i: int) -> None:
                last["pair"] = next(unsigned)
                office.sign_then_issue(last["pair"])

            database = measure({"issue": issue, "pair": sign_then_issue}, args.n, warmup)
            check_valid(material, office.issued_pdf(last["issue"]), 2, "issue_document")
            check_valid(material, office.issued_pdf(last["pair"]), 2, "sign + issue")
            rows += [("issue_document with PostgreSQL (number … commit)", agency["raw"], database["issue"]),
                     ("**sign + issue with PostgreSQL (two transactions)**", pair["raw"], database["pair"])]
            office.system.db.dispose()
        print(table(rows))
        ours, raw = pair["ours"], pair["raw"]
        print(f"\ntarget, the pair's median ≤ {TARGET_RATIO}× raw pyHanko: "
              f"{ours.median_ms / raw.median_ms:.2f}× — {'met' if ours.median_ms <= TARGET_RATIO * raw.median_ms else 'NOT met'}")
        full = rows[-1][2]
        print(f"target, sign + issue median ≤ {TARGET_MS:.0f} ms: {full.median_ms:.1f} ms — "
              f"{'met' if full.median_ms <= TARGET_MS else 'NOT met'}")
        print(machine(None if args.skip_pg else args.pg_url, load_before))
        if load_before[0] > (os.cpu_count() or 1) / 2:
            print("note: the machine was busy before the run (load average above half the cores): numbers are noisy")
        if args.profile:
            print(f"\ncProfile of {args.profile} pairs (ours), by cumulative time:\n")
            print(profile(material, args.profile))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
