# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The export kinds and their columns, and how a file finds its export.

The four exports the addon was written for (:data:`KNOWN`) are declared here
once: the Odoo staging models (``models/cegid_staging.py``) derive their fields
from these columns, the import converts and loads the same columns. Model,
table, field names and labels are those of existing installations, whose
reports use them.

Any other export is described by the Odoo catalogue (``is.cegid.export``), from
the profile of its first file (``profile.py``), and reaches this module as an
:class:`ExportDef` too. A file finds its export (:meth:`Catalogue.identify`):

1. by its header, for the known exports, whatever the file's name: the column
   names (case and order free) include every required column of exactly one
   known export; its optional columns (``E_JOURNAL``..., read by the Odoo 16
   module, and the ``x_`` columns added for earlier files) are loaded when the
   file has them, left empty when it has not; a column the export does not
   have yet is no reason to drop it: the file is a HeaderChange that only adds
   columns, and the Odoo layer gives the table a field for each;
2. else by its name: the file's base name, without its extension, in upper
   case (``SALARIES.csv`` → ``SALARIES``); the caller gives the name the export
   was downloaded as (the transfer's no-overwrite suffix is owned, written and
   parsed, by ``cegid_data_access.staging.names``).
   A known export's name with another header is rejected (it lacks columns);
   another export's file must have its columns exactly (in any order), else
   its header changed; a name the catalogue does not know is a new export.
"""

import dataclasses
import hashlib
import re
import unicodedata

from .errors import ExportFormatError

CHAR = "char"
DATE = "date"
AMOUNT = "amount"
FLOAT = "float"
INTEGER = "integer"
KINDS = (CHAR, INTEGER, FLOAT, AMOUNT, DATE)

CUSTOM_MODEL_PREFIX = "x_cegid_"
MAX_NAME_LENGTH = 40  # of a custom model's or field's name: room left for Odoo's index and constraint names
_NOT_NAME = re.compile(r"[^a-z0-9]+")


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of an export: its header name, kind, index, label and Odoo field (and SQL column) name.

    The field of a known export's column is its header name in lower case.
    ``optional``: a file of the export may lack it (its field is then left empty).
    ``name`` is the column's key in the header (:func:`header_keys`), ``header``
    its name as the file writes it (the key by default). ``profiled``: its kind
    is the one an earlier file's values gave (``values.column_converter``).
    """

    name: str
    kind: str = CHAR
    index: bool = False
    label: str = ""
    field: str = ""
    optional: bool = False
    header: str = ""
    profiled: bool = False

    def __post_init__(self):
        if not self.field:
            object.__setattr__(self, "field", self.name.lower())
        if not self.header:
            object.__setattr__(self, "header", self.name)


@dataclasses.dataclass(frozen=True)
class ExportDef:
    """An export: its name, the Odoo model that stages it and its columns.

    ``by_header``: recognised by its header whatever the file's name (the known
    exports); ``order`` and ``rec_name`` are the model's.
    """

    name: str
    model: str
    description: str
    columns: tuple
    order: str = "id"
    rec_name: str = ""
    by_header: bool = False

    @property
    def table(self):
        """The SQL table of the staging model."""
        return self.model.replace(".", "_")

    @property
    def column_names(self):
        """The header names of the columns, in the order of the definition."""
        return tuple(column.name for column in self.columns)

    @property
    def required_names(self):
        """The header names of the columns every file of the export has."""
        return tuple(column.name for column in self.columns if not column.optional)


def _columns(spec):
    """Columns from "NAME[:kind][:flag...]=Label" items, one per line; flags: index, optional.

    ("NAME::index" for an indexed text, "NAME::optional" for an optional one.)
    """
    result = []
    for line in spec.strip().splitlines():
        item, _sep, label = line.strip().partition("=")
        name, kind, *flags = [*item.split(":"), ""]
        result.append(Column(name, kind or CHAR, "index" in flags, label, optional="optional" in flags))
    return tuple(result)


# Indexes only on the usual filters (dates, account, axis and section, employee): each index slows every import.
KNOWN = (
    ExportDef("ECRITURE", "is.cegid.ecriture", "Cegid accounting entry", _columns("""
        E_DATECOMPTABLE:date:index=Accounting date
        E_REFINTERNE=Internal reference
        E_LIBELLE=Label
        E_GENERAL::index=General account
        E_DEBIT:amount=Debit
        E_CREDIT:amount=Credit
        E_AUXILIAIRE=Subsidiary account
        E_REFLIBRE=Free reference
        E_JOURNAL::index:optional=Journal
        """), "e_datecomptable desc, id desc", "e_refinterne", by_header=True),
    ExportDef("ANALYTIQ", "is.cegid.analytiq", "Cegid analytic entry", _columns("""
        Y_DATECOMPTABLE:date:index=Accounting date
        Y_GENERAL::index=General account
        Y_AXE::index=Axis
        Y_SECTION::index=Section
        Y_REFINTERNE=Internal reference
        Y_LIBELLE=Label
        Y_NATUREPIECE=Document type
        Y_REFEXTERNE=External reference
        Y_JOURNAL=Journal
        Y_CONTREPARTIEAUX=Counterpart subsidiary account
        Y_DEBIT:amount=Debit
        Y_CREDIT:amount=Credit
        """), "y_datecomptable desc, id desc", "y_refinterne", by_header=True),
    ExportDef("ABSENCESALARIE", "is.cegid.absencesalarie", "Cegid employee absence", _columns("""
        PCN_TYPEMVT=Movement type
        PCN_SALARIE::index=Employee
        PCN_ORDRE:integer=Order number
        PCN_PERIODECP:integer=Paid leave period
        PCN_TYPECONGE=Absence type
        PCN_SENSABS=Direction
        PCN_LIBELLE=Label
        PCN_DATEDEBUTABS:date:index=Start date
        PCN_DEBUTDJ=Start half-day
        PCN_DATEFINABS:date:index=End date
        PCN_FINDJ=End half-day
        PCN_JOURS:float=Days
        PCN_HEURES:float=Hours
        PCN_GUID=GUID
        PCN_TYPEIMPUTE::optional=Imputation type
        PCN_MVTDUPLIQUE::optional=Duplicated movement
        """), "pcn_datedebutabs desc, id desc", "pcn_libelle", by_header=True),
    ExportDef("HISTOCUMSAL", "is.cegid.histocumsal", "Cegid payroll cumulative history", _columns("""
        PHC_SALARIE::index=Employee
        PHC_CUMULPAIE=Payroll cumulative
        PHC_MONTANT:amount=Amount
        """), "phc_salarie, phc_cumulpaie, id", "phc_cumulpaie", by_header=True),
)
KNOWN_BY_NAME = {export.name: export for export in KNOWN}


# -- names --------------------------------------------------------------------------------------------------------

def written_header(names):
    """Header names as the file writes them: stripped, BOM-less, unquoted (case and accents kept)."""
    return [name.strip().lstrip("\ufeff").strip().strip('"') for name in names]


def header_keys(written):
    """The keys of a written header, one per column, distinct, compared with the columns' names.

    A key is the name in upper case; an empty name is ``COLUMN_<position>``; a
    key already taken by a column on its left gets ``_2``, ``_3``...
    (``Montant;MONTANT`` → ``MONTANT``, ``MONTANT_2``). Trailing empty names
    stay empty (a trailing delimiter, no column). Derived from the header
    alone, in its order: the same header always gives the same keys.
    """
    written = list(written)
    width = len(written)
    while width and not written[width - 1]:
        width -= 1
    keys, taken, counters = [], set(), {}
    for position, name in enumerate(written[:width]):
        base = name.upper() or f"COLUMN_{position + 1}"
        # a base's next number, from where its last one was taken (keys are never given back): a header of
        # thousands of repeated names takes as long as one of distinct names
        key, counter = base, counters.get(base, 2)
        while key in taken:
            key, counter = f"{base}_{counter}", counter + 1
        counters[base] = counter
        taken.add(key)
        keys.append(key)
    return keys + [""] * (len(written) - width)


def normalise_header(names):
    """The keys of a raw header (:func:`written_header`, then :func:`header_keys`)."""
    return header_keys(written_header(names))


def significant_names(names):
    """The column keys of a header: trailing empty names dropped, others named by position."""
    names = list(names)
    while names and not names[-1]:
        names.pop()
    return [name or f"COLUMN_{position + 1}" for position, name in enumerate(names)]


def export_name(file_name):
    """The export a file belongs to by its name: base name, no extension, upper case.

    ``file_name`` is the name the export was downloaded as, without the
    download's no-overwrite suffix (``staging.names.original_name``).
    """
    stem = file_name.rsplit("/", 1)[-1]
    if stem.lower().endswith(".csv"):
        stem = stem[:-4]
    return stem.strip().upper()


def slug(text, room=MAX_NAME_LENGTH):
    """``text`` as an identifier part: ASCII lower case, digits and "_"; cut with a hash when too long."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    name = _NOT_NAME.sub("_", ascii_text.lower()).strip("_")
    if len(name) > room:
        digest = hashlib.sha256(text.encode()).hexdigest()[:6]
        name = f"{name[:room - 7].rstrip('_')}_{digest}"
    return name


def custom_model_name(name):
    """The Odoo model of an export the addon does not know: ``x_cegid_<name>``; ExportFormatError if none fits."""
    part = slug(name, MAX_NAME_LENGTH - len(CUSTOM_MODEL_PREFIX))
    if not part:
        raise ExportFormatError("import.bad_export_name", name=name)
    return CUSTOM_MODEL_PREFIX + part


# the fields Odoo reads as its own wherever they are: ``x_active`` archives the rows it holds false (every search hides
# them)
RESERVED_FIELDS = frozenset({"x_active"})


def custom_field_names(names, taken=()):
    """The Odoo fields of new columns: ``x_<name>``, unique among them and ``taken`` (a counter after a clash).

    Any name gives one: ``x_`` keeps it clear of SQL key words, of leading
    digits and of Odoo's own fields (``id``, ``create_uid``...); a name
    without a letter or digit is ``x_column``; a long one is cut with a hash.
    ``x_active`` is Odoo's archive flag on any model: a column ``ACTIVE`` gets
    another field.
    """
    fields, taken = [], set(taken) | RESERVED_FIELDS
    for name in names:
        base = "x_" + (slug(name, MAX_NAME_LENGTH - 5) or "column")
        field, counter = base, 2
        while field in fields or field in taken:
            field, counter = f"{base}_{counter}", counter + 1
        fields.append(field)
    return fields


# what an XML attribute cannot hold (control characters, lone surrogates, non-characters), and C1 controls
_NOT_IN_A_VIEW = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]+")


def default_label(name):
    """A column's label until a manager names it: "DATE_EMBAUCHE" -> "Date embauche"."""
    words = name.replace("_", " ").split()
    return " ".join(words).capitalize() if words else name


def view_label(text):
    """``text`` fit for a view's ``string`` attribute: what lxml refuses replaced by a space, trimmed (maybe empty)."""
    return _NOT_IN_A_VIEW.sub(" ", text).strip()


def distinct_labels(labels, taken=()):
    """``labels`` fit for a view, and distinct from each other and from ``taken``.

    Every label the import makes goes through here. They become the
    ``string`` attributes of the table's views, where lxml refuses control
    characters: a header's are replaced by a space ("Column" when nothing is
    left). A repeated label gets " (2)", " (3)"...
    """
    result, seen = [], {label.casefold() for label in taken}
    for made in labels:
        label = view_label(made) or default_label("COLUMN")
        candidate, counter = label, 2
        while candidate.casefold() in seen:
            candidate, counter = f"{label} ({counter})", counter + 1
        seen.add(candidate.casefold())
        result.append(candidate)
    return result


# -- matching a file to its export ------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Match:
    """The file is an export of ``export``; ``positions[i]`` is the file column of its i-th column."""

    export: ExportDef
    positions: tuple


@dataclasses.dataclass(frozen=True)
class NewExport:
    """The catalogue has no export of this ``name``: its first file is to be profiled."""

    name: str


@dataclasses.dataclass(frozen=True)
class HeaderChange:
    """The file's header is not its export's columns any more (names of the columns, "renamed" as pairs).

    For an export recognised by its header, only ``added``: columns it does not have yet.
    """

    export: ExportDef
    added: tuple
    removed: tuple
    renamed: tuple

    def params(self):
        """The parameters of ``import.header_changed`` ("-" for none)."""
        return {"export": self.export.name, "added": ", ".join(self.added) or "-",
                "removed": ", ".join(self.removed) or "-",
                "renamed": ", ".join(f"{old} → {new}" for old, new in self.renamed) or "-"}


def header_changes(export, names):
    """How ``names`` (significant header names) differ from ``export``'s columns: a HeaderChange, or None.

    A removed column and an added one at the same position read as a rename.
    """
    old, new = list(export.column_names), list(names)
    removed = [name for name in old if name not in new]
    added = [name for name in new if name not in old]
    renamed = []
    for name in list(removed):
        position = old.index(name)
        if position < len(new) and new[position] in added:
            renamed.append((name, new[position]))
            removed.remove(name)
            added.remove(new[position])
    if not (removed or added or renamed):
        return None
    return HeaderChange(export, tuple(added), tuple(removed), tuple(renamed))


def _match(export, header):
    """The Match of ``export`` in ``header`` (keys, distinct).

    An optional column the header lacks is not loaded: the Match's export is
    ``export`` without it (its field stays empty).
    """
    present = tuple(column for column in export.columns if column.name in header)
    if len(present) < len(export.columns):
        export = dataclasses.replace(export, columns=present)
    return Match(export, tuple(header.index(name) for name in export.column_names))


class Catalogue:
    """The exports a file may belong to: the known ones and those of the Odoo catalogue."""

    def __init__(self, exports=KNOWN):
        self.exports = tuple(exports)
        self.by_name = {export.name: export for export in self.exports}

    def by_header(self, header):
        """The export recognised by its header (normalised names), or None."""
        present = set(header)
        for export in self.exports:
            if export.by_header and present.issuperset(export.required_names):
                return export
        return None

    def identify(self, header, file_name):
        """The export of a file from its normalised header and its name: Match, NewExport or HeaderChange.

        Raises ExportFormatError for a known export's name with an incomplete
        header, or a name no model can be made of.
        """
        export = self.by_header(header)
        if export is not None:
            added = tuple(name for name in significant_names(header) if name not in export.column_names)
            return HeaderChange(export, added, (), ()) if added else _match(export, header)
        name = export_name(file_name)
        names = significant_names(header)
        export = self.by_name.get(name)
        if export is None:
            custom_model_name(name)  # refused early when no model name fits
            return NewExport(name)
        if export.by_header:
            missing = ", ".join(column for column in export.required_names if column not in header)
            raise ExportFormatError("import.header_incomplete", export=export.name, missing=missing)
        change = header_changes(export, names)
        if change is not None:
            return change
        return _match(export, names)
