"""What the adapters of private library internals rely on (repertoire/pdf/vector_forms.py reads
pypdf's encoded stream bytes; repertoire/pdf/font_cache.py rebuilds ReportLab's parsed
TrueType faces): a library upgrade that changes them fails here, not in a book."""
from __future__ import annotations

import io
import shutil
import subprocess

from pypdf import PdfReader
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from repertoire.pdf.font_cache import ttfont
from repertoire.pdf.fonts import FACES, locate
from repertoire.pdf.vector_forms import add_form, raw_bytes


def _one_page(text: str = "Répertoire", size=(200, 200)) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=size)
    page.drawString(20, 100, text)
    page.save()
    return buffer.getvalue()


def test_a_stream_s_raw_bytes_are_its_encoded_data_as_in_the_file():
    pdf = _one_page()
    contents = PdfReader(io.BytesIO(pdf)).pages[0]["/Contents"].get_object()
    assert contents["/Filter"]  # compressed
    assert raw_bytes(contents) in pdf and b"Tj" in contents.get_data() and b"Tj" not in raw_bytes(contents)


def test_a_page_drawn_as_a_form_keeps_its_text_and_fonts_in_a_valid_file(tmp_path):
    source = PdfReader(io.BytesIO(_one_page("Carte d’Arménie", size=(300, 150)))).pages[0]
    buffer = io.BytesIO()
    book = canvas.Canvas(buffer, pagesize=(600, 400))
    add_form(book._doc, "Map0", source)
    book.saveState()
    book.transform(0.5, 0, 0, 0.5, 100, 100)
    book.doForm("Map0")
    book.restoreState()
    book.showPage()
    book.save()
    page = PdfReader(io.BytesIO(buffer.getvalue())).pages[0]
    form = page["/Resources"]["/XObject"]["/FormXob.Map0"].get_object()
    assert form["/Subtype"] == "/Form" and [float(v) for v in form["/BBox"]] == [0, 0, 300, 150]
    contents = source["/Contents"].get_object()
    assert form["/Filter"] == contents["/Filter"] and form.get_data() == contents.get_data()  # copied still encoded
    assert "Carte d’Arménie" in page.extract_text()
    if shutil.which("qpdf"):
        (tmp_path / "form.pdf").write_bytes(buffer.getvalue())
        subprocess.run(["qpdf", "--check", str(tmp_path / "form.pdf")], capture_output=True, check=True)


def test_a_face_rebuilt_from_the_cache_equals_a_parsed_one(tmp_path, monkeypatch):
    monkeypatch.setenv("REPERTOIRE_CACHE", str(tmp_path))
    face = FACES["CJK"]
    path = locate(face)
    parsed = TTFont("CJK", path, subfontIndex=face.index)
    first, kept = ttfont("CJK", path, face.index), ttfont("CJK", path, face.index)  # parsed, then from disk
    assert list(tmp_path.glob("ttfont-*/face-0.marshal"))
    for font in (first, kept):
        assert {k: v for k, v in vars(font).items() if k != "face" and k != "encoding" and k != "state"} == \
               {k: v for k, v in vars(parsed).items() if k != "face" and k != "encoding" and k != "state"}
        state = {k: v for k, v in vars(font.face).items() if not callable(v)}
        assert state == {k: v for k, v in vars(parsed.face).items() if not callable(v)} | {"_pos": state["_pos"]}
        assert font.face.name.ustr == parsed.face.name.ustr and font.pdfScale(2048) == parsed.pdfScale(2048)
        assert font.stringWidth("東京 Tōkyō", 10) == parsed.stringWidth("東京 Tōkyō", 10)
        assert font.face.makeSubset(list(range(0x6771, 0x6781))) == parsed.face.makeSubset(list(range(0x6771, 0x6781)))
