"""Writing a Whoosh segment in bulk: postings grouped by term in memory, written a block at a time.

Whoosh's SegmentWriter sends every posting through an external sort (pickled runs on disk,
then a heap merge) and writes it back one call at a time: at 100,000 partnerships (3 million
postings) that was two thirds of a build. Here each posting is appended to its term's lists
as its document comes (documents come in docnum order, so the lists come sorted), and at
the end each term's list is cut into blocks exactly where `W3PostingsWriter.add_posting`
cuts them and written by its own `_write_block`. Column values are kept per column and
written at the end too. The segment's files are byte for byte those of Whoosh's own writer
(tests/test_search.py compares them); everything else (segments, merges, deletions, table
of contents, locks) is SegmentWriter's.
"""
from __future__ import annotations

import pickle
import sys
import warnings
import zlib
from array import array
from itertools import accumulate
from operator import itemgetter

from whoosh import columns
from whoosh.codec import whoosh3
from whoosh.codec.whoosh3 import W3Codec
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter


# Postings blocks are written uncompressed. Whoosh's default (zlib level 3 on every block)
# was a third of writing a segment (100,000 partnerships: 1.8 s of 5.5), for an index about
# 1.8 times smaller (47 MB against 84); a reader decompresses a block only when its header
# says it is compressed, so segments of either kind read and merge together.
CODEC = W3Codec(compression=0)


class BulkWriter(SegmentWriter):
    """A SegmentWriter whose postings and columns stay in memory until the segment is written.

    A field with `term_positions` (schema.AnalysedText) given a list of terms has its
    postings made from it directly. Memory: about 30 bytes a posting (list slots; values
    and small ints are shared), 100 MB for 100,000 partnerships.
    """

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **{"codec": CODEC, **kwargs})
        self._fields = sorted(self.schema.items())
        for name, field in self._fields:
            if field.vector or field.separate_spelling():
                raise NotImplementedError(f"BulkWriter: field {name} has vectors or a spelling field")
        # field → term (str for fields with term_positions, else bytes) → its postings, flat:
        # [docnum, weight, value, docnum, weight, value, …] (one list a term, not three)
        self._postings: dict[str, dict[str | bytes, list]] = {name: {} for name, field in self._fields if field.indexed}
        # field → ([docnums], [values]) not yet given to the column writers
        self._columns: dict[str, tuple[list, list]] = {}
        self._names = frozenset(self.schema.names())
        # Fields whose only trace is a column value: for them add_field does nothing.
        self._column_only = [(name, field.to_column_value) for name, field in self._fields
                             if field.column_type and not field.indexed and not field.stored]
        self._other_fields = [(name, field) for name, field in self._fields
                              if field.indexed or field.stored or not field.column_type]

    def finish_segment(self):
        """The segment written and closed, for a writer in another process (or thread) to
        commit: as whoosh/multiproc.py's SubWriterTask does with multisegment=True."""
        return self._finalize_segment()

    def discard_segment(self) -> None:
        """Close a writer that received no document, leaving no segment."""
        self._close_segment()

    def add_document(self, **fields) -> None:
        """As SegmentWriter.add_document (boosts, stored values, columns, lengths)."""
        if any(name[0] == "_" for name in fields) or not fields.keys() <= self._names:
            return self._add_any_document(**fields)  # boosts, stored values, an unknown field
        self._check_state()
        docnum = self.docnum
        perdoc = self.perdocwriter
        perdoc.start_doc(docnum)
        values = []
        try:
            for name, field in self._other_fields:
                value = fields.get(name)
                if value is None:
                    continue
                length = self._index(name, field, value, 1.0, docnum) if field.indexed else 0
                perdoc.add_field(name, field, value if field.stored else None, length)
                if field.column_type:
                    values.append((name, field.to_column_value(value)))
            for name, to_column_value in self._column_only:
                value = fields.get(name)
                if value is not None:
                    values.append((name, to_column_value(value)))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        columns = self._columns
        for name, value in values:
            found = columns.get(name)
            if found is None:
                found = columns[name] = ([], [])
            found[0].append(docnum)
            found[1].append(value)
        self._added = True
        self.docnum += 1

    def _add_any_document(self, **fields) -> None:
        """add_document for any fields: boosts (`_boost`, `_<field>_boost`), `_stored_<field>`."""
        self._check_state()
        docnum = self.docnum
        perdoc = self.perdocwriter
        docboost = self._doc_boost(fields)
        self._check_fields(self.schema, [name for name in fields if not name.startswith("_")])
        perdoc.start_doc(docnum)
        columns = []
        try:
            for name, field in self._fields:
                value = fields.get(name)
                if value is None:
                    continue
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, name, docboost)
                    length = self._index(name, field, value, boost, docnum)
                value = fields.get(f"_stored_{name}", value)
                perdoc.add_field(name, field, value if field.stored else None, length)
                if field.column_type and value is not None:
                    columns.append((name, field.to_column_value(value)))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        for name, value in columns:
            docnums, values = self._columns.setdefault(name, ([], []))
            docnums.append(docnum)
            values.append(value)
        self._added = True
        self.docnum += 1

    def _index(self, name: str, field, value, boost: float, docnum: int) -> int:
        """Add one field's postings; its length (the sum of frequencies) when scorable."""
        terms = self._postings[name]
        length = 0
        if isinstance(value, list) and hasattr(field, "term_positions"):
            weight = field.format.field_boost
            encode = field.encode_positions
            for term, positions in field.term_positions(value).items():
                postings = terms.get(term)
                if postings is None:
                    postings = terms[term] = []
                # The value as bytes, not the list: millions of small lists kept alive
                # would make every garbage collection walk them all.
                postings.extend((docnum, len(positions) * weight * boost, encode(positions)))
                length += len(positions)
            return length if field.scorable else 0
        for tbytes, frequency, weight, vbytes in field.index(value):
            length += frequency
            self._add_posting(name, field, tbytes, docnum, weight * boost, vbytes)
        return length if field.scorable else 0

    def _add_posting(self, name: str, field, tbytes: bytes, docnum: int, weight: float, vbytes) -> None:
        term = tbytes.decode("utf-8") if hasattr(field, "term_positions") else tbytes
        self._postings[name].setdefault(term, []).extend((docnum, weight, vbytes))

    def add_postings_to_pool(self, reader, startdoc, docmap) -> None:
        """Postings of a segment merged in at commit (its documents numbered after ours)."""
        for name, tbytes, docnum, weight, vbytes in self._process_posts(reader.iter_postings(), startdoc, docmap):
            self._add_posting(name, self.schema[name], tbytes, docnum, weight, vbytes)

    def write_per_doc(self, fieldnames, reader):
        """A merged segment's columns go after ours: ours are written first."""
        self._write_columns()
        return super().write_per_doc(fieldnames, reader)

    def _write_columns(self) -> None:
        perdoc = self.perdocwriter
        for name, (docnums, values) in self._columns.items():
            column = self.schema[name].column_type
            if not perdoc._has_column(name):
                perdoc._create_column(name, column)
            writer = perdoc._get_column(name)
            if type(writer) is columns.RefBytesColumn.Writer:
                _add_refs(writer, docnums, values)
            elif type(writer) is columns.VarBytesColumn.Writer:
                _add_var_bytes(writer, docnums, values)
            else:
                add = writer.add
                for docnum, value in zip(docnums, values):
                    add(docnum, value)
        self._columns.clear()

    def _flush_segment(self) -> None:
        self._write_columns()
        self.perdocwriter.close()
        perdoc = self.per_document_reader() if self.codec.length_stats else None
        writer = self.fieldwriter
        try:
            for name in sorted(name for name, terms in self._postings.items() if terms):
                field = self.schema[name]
                writer.start_field(name, field)
                _write_terms(writer, self._postings[name], _lengths(perdoc, name))
                writer.finish_field()
        finally:
            if perdoc:
                perdoc.close()
        writer.close()
        self._postings.clear()


def _add_refs(writer, docnums: list[int], values: list[bytes]) -> None:
    """RefBytesColumn.Writer.add of each value, in one pass: each document's reference to
    its value among the column's distinct ones; one byte each while there are at most 256
    distinct values (the default included), else big-endian shorts, and 0 for a document
    that has no value or whose value came past the 65,536th."""
    uniques = writer._uniques
    refs: list[int] = []
    count = writer._count
    for docnum, value in zip(docnums, values):
        if docnum > count:
            refs += [0] * (docnum - count)  # fill: the default's reference
        ref = uniques.get(value)
        if ref is None:
            ref = uniques[value] = len(uniques)
        refs.append(ref)
        count = docnum + 1
    if writer._refs is not None and len(uniques) <= 256:
        writer._refs.fromlist(refs)
    else:
        if max(refs, default=0) > 65535:
            warnings.warn("RefBytesColumn dropped unique values", UserWarning)
            refs = [ref if ref <= 65535 else 0 for ref in refs]
        shorts = array("H", writer._refs or ())  # switched to shorts: the references so far first
        shorts.fromlist(refs)
        writer._refs = None
        if sys.byteorder == "little":
            shorts.byteswap()
        writer._dbfile.write(shorts.tobytes())
    writer._count = count


def _add_var_bytes(writer, docnums: list[int], values: list[bytes]) -> None:
    """VarBytesColumn.Writer.add of each value: the values written as one string, their
    lengths and offsets appended (a document without a value gets an empty one)."""
    if docnums and docnums[0] == writer._count and docnums[-1] == writer._count + len(docnums) - 1:
        lengths = list(map(len, values))
        offsets = list(accumulate(lengths[:-1], initial=writer._offset_base))
        writer._dbfile.write(b"".join(values))
        _extend(writer._lengths, lengths)
        _extend(writer._offsets, offsets)
        writer._offset_base += sum(lengths)
        writer._count = docnums[-1] + 1
    else:
        for docnum, value in zip(docnums, values):
            writer.add(docnum, value)


def _extend(growable, numbers: list[int]) -> None:
    """GrowableArray.extend, in C when the array's type holds them all (array.extend would
    stop halfway through, the numbers before the first too large kept)."""
    if numbers and isinstance(growable.array, array) and min(numbers) >= 0:
        try:
            array(growable.array.typecode, [max(numbers)])
        except OverflowError:  # as append does at the first number too large
            growable._retype(max(numbers))
        if isinstance(growable.array, array):
            growable.array.fromlist(numbers)
            return
    growable.extend(numbers)


def _lengths(perdoc, name: str) -> list | None:
    """Each document's length of a field as the postings writer is given it (None for none):
    W3PerDocReader.doc_field_length, read once."""
    if perdoc is None:
        return None
    column = perdoc._cached_reader(whoosh3._lenfield(name), whoosh3.LENGTHS_COLUMN)
    return None if column is None else [byte_to_length(b) if b else None for b in column]


def _write_terms(writer, terms: dict, lengths: list | None) -> None:
    """Every term's postings, in term order, in blocks of the codec's size.

    Terms are str for a field with term_positions (UTF-8 keeps their order), else bytes."""
    postings = writer._postwriter
    limit = postings._blocklimit
    fixed = writer._format.fixed_value_size()
    for term in sorted(terms):
        flat = terms[term]
        writer.start_term(term.encode("utf-8") if isinstance(term, str) else term)
        docnums, weights, values = flat[0::3], flat[1::3], flat[2::3]
        count = len(docnums)
        for start in range(0, count, limit):
            end = start + limit
            _write_block(postings, docnums[start:end], weights[start:end], values[start:end],
                         lengths, fixed, end >= count)
        writer.finish_term()


def _write_block(postings, ids: list[int], weights: list[float], values: list, lengths: list | None,
                 fixed: int | None, last: bool) -> None:
    """W3PostingsWriter._write_block of a block add_posting would have filled with these
    postings, its method calls and generators unrolled (a third of the time at 50k blocks)."""
    block_weights = array("f", weights)
    if not all(values):
        values = [v for v in values if v]  # add_posting keeps a value only when not empty
    if not lengths:
        known = ()
    elif len(ids) == 1:
        known = (lengths[ids[0]],) if lengths[ids[0]] else ()
    else:
        known = tuple(filter(None, itemgetter(*ids)(lengths)))
    minlength = min(known) if known else None
    maxlength = max(known) if known else 0
    maxweight = max(0, max(weights))
    terminfo = postings._terminfo  # W3TermInfo.add_block
    terminfo._weight += sum(block_weights)
    terminfo._df += len(ids)
    terminfo._minlength = minlength if terminfo._minlength is None else min(terminfo._minlength, minlength)
    terminfo._maxlength = max(terminfo._maxlength, maxlength)
    terminfo._maxweight = max(terminfo._maxweight, maxweight)
    if terminfo._minid is None:
        terminfo._minid = ids[0]
    terminfo._maxid = ids[-1]
    # _mini_ids, _mini_weights, _mini_values
    gaps = (ids[0], *[b - a for a, b in zip(ids, ids[1:])])
    first = block_weights[0]
    if block_weights.count(1.0) == len(block_weights):
        mini_weights = None
    elif block_weights.count(first) == len(block_weights):
        mini_weights = first
    else:
        mini_weights = tuple(block_weights)
    if fixed is None or fixed < 0:
        mini_values = tuple(values)
    else:
        mini_values = None if fixed == 0 else b"".join(values)
    data = pickle.dumps((gaps, mini_weights, mini_values), 2)
    compression = postings._compression
    if compression:
        data = zlib.compress(data, compression)
    info = pickle.dumps((len(ids), ids[-1], maxweight, compression, length_to_byte(minlength),
                         length_to_byte(maxlength)), 2)
    postfile = postings._postfile
    if not postings._blockcount:
        postfile.write(whoosh3.WHOOSH3_HEADER_MAGIC)
    postfile.write_int(-(len(info) + len(data)) if last else len(info) + len(data))
    postfile.write(info)
    postfile.write(data)
    postings._blockcount += 1
