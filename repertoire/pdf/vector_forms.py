"""A vector map (a one-page PDF, as maps/static.py draws it) drawn into the book as a form XObject.

The map's page is read with pypdf and its objects are handed to the ReportLab document being
written, as ReportLab's own PDF objects: its content stream still compressed, its resources
(Type 3 fonts, graphic states, markers) copied once. Before, the finished book was cloned
by pypdf, the maps merged in and the whole file written again: a seventh of a small book's
time and a fifth of a second for Germany's, for nothing ReportLab could not write itself.

The one private part relied on is pypdf's `StreamObject._data` (a stream's bytes as they are
in the file, still encoded): tests/test_pdf_adapters.py pins it, so that an upgrade that
changes it fails there, not in a book.
"""
from __future__ import annotations

import io

from pypdf import PageObject
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject, StreamObject
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFDocument, PDFObject, PDFStream, xObjectName


def raw_bytes(stream: StreamObject) -> bytes:
    """A stream's data as it is in the file (still compressed, if its /Filter says so)."""
    return stream._data


def _copy(obj: PdfObject, doc: PDFDocument, done: dict[int, object]):
    """A pypdf object as a ReportLab one: dictionaries and arrays rebuilt, streams kept encoded,
    indirect objects registered once in `doc`, and plain values (numbers, names, strings)
    written as pypdf writes them (ReportLab writes bytes as they are)."""
    if isinstance(obj, IndirectObject):
        if obj.idnum not in done:
            done[obj.idnum] = None  # a cycle (none in a map's resources) would be cut, not loop
            target = _copy(obj.get_object(), doc, done)
            done[obj.idnum] = doc.Reference(target) if isinstance(target, PDFObject) else target
        return done[obj.idnum] if done[obj.idnum] is not None else b"null"
    if isinstance(obj, StreamObject):
        entries = {key[1:]: _copy(value, doc, done) for key, value in obj.items() if key != "/Length"}
        has_filter = "Filter" in entries
        return PDFStream(PDFDictionary(entries), raw_bytes(obj) if has_filter else obj.get_data())
    if isinstance(obj, DictionaryObject):
        return PDFDictionary({key[1:]: _copy(value, doc, done) for key, value in obj.items()})
    if isinstance(obj, ArrayObject):
        return PDFArray([_copy(value, doc, done) for value in obj])
    out = io.BytesIO()
    obj.write_to_stream(out)
    return out.getvalue()


def add_form(doc: PDFDocument, name: str, page: PageObject) -> None:
    """Register `page` in `doc` as the form XObject `name` (drawn with canvas.doForm(name)),
    its box the page's media box: a form placed at (0, 0) covers what the page showed."""
    done: dict[int, object] = {}
    contents = page.get("/Contents")
    streams = contents.get_object() if contents is not None else ArrayObject()
    if isinstance(streams, StreamObject) and "/Filter" in streams:
        entries = {"Filter": _copy(streams["/Filter"], doc, done)}
        if "/DecodeParms" in streams:
            entries["DecodeParms"] = _copy(streams["/DecodeParms"], doc, done)
        data = raw_bytes(streams)
    else:  # several streams, or one not compressed: joined, then compressed as the book's own
        parts = [streams] if isinstance(streams, StreamObject) else [s.get_object() for s in streams]
        entries, data = {}, b"\n".join(part.get_data() for part in parts)
    entries.update(Type=b"/XObject", Subtype=b"/Form", BBox=PDFArray([float(v) for v in page.mediabox]),
                   Resources=_copy(page.get("/Resources", DictionaryObject()), doc, done))
    doc.Reference(PDFStream(PDFDictionary(entries), data), xObjectName(name))
