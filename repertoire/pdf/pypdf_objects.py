"""The one place that uses a private part of pypdf: adding a new object to a PdfWriter.

Drawing a map into its slot (document._merge_maps) needs two new objects in the written file —
the map's page as a form XObject, and the few operators that place it — and pypdf 7 has no
public call that adds a fresh object and returns its reference: `PdfWriter._add_object` does
it (the public `add_page`/`clone` add objects only as parts of pages or copies of another
file's). tests/test_pdf_adapters.py pins what this module relies on, so that a pypdf upgrade
that changes it fails there, not in a book.
"""
from __future__ import annotations

from pypdf import PdfWriter
from pypdf.generic import IndirectObject, PdfObject


def add_object(writer: PdfWriter, obj: PdfObject) -> IndirectObject:
    """Add `obj` to the file `writer` writes; its indirect reference, to point at it from a page."""
    return writer._add_object(obj)
