"""What the adapters of private library internals rely on (repertoire/pdf/pypdf_objects.py):
a library upgrade that changes it fails here, not in a book."""
from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, IndirectObject, NameObject
from reportlab.pdfgen import canvas

from repertoire.pdf.pypdf_objects import add_object


def _one_page() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=(200, 200))
    page.drawString(20, 100, "Répertoire")
    page.save()
    return buffer.getvalue()


def test_an_added_object_is_written_and_reachable_from_a_page():
    writer = PdfWriter(clone_from=io.BytesIO(_one_page()))
    stream = DecodedStreamObject()
    stream.set_data(b"q 1 0 0 1 10 10 cm 0 0 50 50 re f Q")
    reference = add_object(writer, stream)
    assert isinstance(reference, IndirectObject) and reference.get_object() is stream
    page = writer.pages[0]
    page[NameObject("/Contents")] = ArrayObject([page.raw_get("/Contents"), reference])
    out = io.BytesIO()
    writer.write(out)
    written = PdfReader(io.BytesIO(out.getvalue())).pages[0]
    contents = [c.get_object().get_data() for c in written["/Contents"]]
    assert contents[-1] == b"q 1 0 0 1 10 10 cm 0 0 50 50 re f Q"
    assert "Répertoire" in written.extract_text()
