# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The import of the Cegid exports into PostgreSQL, used by the Odoo addon only.

Pure Python and psycopg2, no Odoo: importable as
``odoo.addons.is_cegid2odoo.cegid_import`` and, for the core test suite, as the
top-level ``cegid_import`` (hence relative imports only, and nothing from the
package the scripts share). One module per idea:

- ``catalogue``: the export kinds and their columns, the one declaration of the
  four known exports (the Odoo staging models derive from it), and how a file is
  matched to an export (by its header, or by its name);
- ``text_file``: a file's encoding, line starts, delimiter and header;
- ``reader``: its rows (the csv module reads the files) and their date order;
- ``values``: French and ISO numbers, dates, the COPY text of a batch;
- ``profile``: the columns and types of an export never seen before;
- ``pg_replace``: a new table swapped in, in one transaction or in parts;
  ``pg_copy`` the COPY of a file's rows, ``pg_like`` the catalogue of the copy;
- ``changes``: what a new snapshot added and removed;
- ``folders``: the waiting files, ``archive/`` and ``anomalie/``;
- ``errors``: rejections as message codes (``import.`` codes of
  ``cegid_data_access.errors.CODES``), rendered by Odoo for its reader.
"""
