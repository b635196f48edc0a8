# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Realistic sample exports of the four known Cegid tables, and of one the addon does not know, generated.

What the field shows (section 6 of the API page): ``;`` or ``,`` delimited,
UTF-8 with BOM or CP1252, decimals with ``,`` or ``.``, several date formats,
French labels with accents. The rows are deterministic for a given seed, so a
test or a benchmark can regenerate exactly what it uploaded.
"""

import csv
import datetime
import io
import random

COLUMNS = {
    # with the optional columns the Odoo 16 module read (E_JOURNAL; PCN_TYPEIMPUTE, PCN_MVTDUPLIQUE)
    "ECRITURE": ["E_DATECOMPTABLE", "E_REFINTERNE", "E_LIBELLE", "E_GENERAL", "E_DEBIT", "E_CREDIT",
                 "E_AUXILIAIRE", "E_REFLIBRE", "E_JOURNAL"],
    "ANALYTIQ": ["Y_DATECOMPTABLE", "Y_GENERAL", "Y_AXE", "Y_SECTION", "Y_REFINTERNE", "Y_LIBELLE",
                 "Y_NATUREPIECE", "Y_REFEXTERNE", "Y_JOURNAL", "Y_CONTREPARTIEAUX", "Y_DEBIT", "Y_CREDIT"],
    "ABSENCESALARIE": ["PCN_TYPEMVT", "PCN_SALARIE", "PCN_ORDRE", "PCN_PERIODECP", "PCN_TYPECONGE", "PCN_SENSABS",
                       "PCN_LIBELLE", "PCN_DATEDEBUTABS", "PCN_DEBUTDJ", "PCN_DATEFINABS", "PCN_FINDJ", "PCN_JOURS",
                       "PCN_HEURES", "PCN_GUID", "PCN_TYPEIMPUTE", "PCN_MVTDUPLIQUE"],
    "HISTOCUMSAL": ["PHC_SALARIE", "PHC_CUMULPAIE", "PHC_MONTANT"],
    # a scheduled query of the customer's own: the addon ships no table for it
    "SALARIES": ["MATRICULE", "NOM", "DATE_EMBAUCHE", "SALAIRE_BASE"],
}
QUERIES = {
    "ECRITURE": "SELECT E_DATECOMPTABLE, E_REFINTERNE, E_LIBELLE, E_GENERAL, E_DEBIT, E_CREDIT, E_AUXILIAIRE, "
    "E_REFLIBRE, E_JOURNAL FROM ECRITURE WHERE E_EXERCICE >= '2025'",
    "ANALYTIQ": "SELECT * FROM ANALYTIQ WHERE Y_DATECOMPTABLE >= '2025-01-01'",
    "ABSENCESALARIE": "SELECT * FROM ABSENCESALARIE WHERE PCN_TYPEMVT = 'ABS'",
    "HISTOCUMSAL": "SELECT PHC_SALARIE, PHC_CUMULPAIE, SUM(PHC_MONTANT) AS PHC_MONTANT FROM HISTOCUMSAL "
    "GROUP BY PHC_SALARIE, PHC_CUMULPAIE",
    "SALARIES": "SELECT PSA_SALARIE AS MATRICULE, PSA_LIBELLE AS NOM, PSA_DATEENTREE AS DATE_EMBAUCHE, "
    "PSA_SALAIREMOIS1 AS SALAIRE_BASE FROM SALARIES WHERE PSA_DATESORTIE IS NULL",
}
LABELS = ["Facture fournisseur Électricité", "Règlement client Müller & Fils", "Achat matériel bureautique",
          "Prestation de conseil été 2025", "Avoir sur commande n° 1042", "Frais de déplacement Besançon",
          "Loyer échéance trimestrielle", "Cotisations URSSAF", "Note de frais – repas d'équipe",  # noqa: RUF001 - CP1252 has it, Latin-1 not
          "Virement reçu Société Générale", "Facture n° 2025-118; acompte 30 %"]
JOURNALS = ["ACH", "VTE", "BQ1", "OD"]
ACCOUNTS = ["401000", "411000", "512000", "606100", "607000", "613200", "625100", "641000", "645100", "706000"]
ABSENCES = [("CPA", "Congés payés acquis"), ("MAL", "Maladie non professionnelle"), ("RTT", "Réduction du temps de "
            "travail"), ("FOR", "Formation à l'extérieur"), ("EVE", "Événement familial")]
CUMULS = ["01", "02", "04", "07", "12", "28", "30"]
NAMES = ["Hélène Dupré", "François Lefèvre", "Zoé Müller", "Noël Garçon", "Chloé Besançon", "Jérôme Œuvray",
         "Anaïs Rivière", "Maël Côté"]


def _amount(rng):
    return round(rng.uniform(0, 25000), 2)


def _rows_ecriture(rng, count, start):
    for index in range(count):
        debit = _amount(rng) if index % 2 == 0 else 0.0
        day = start + datetime.timedelta(days=index % 365)
        yield [day, f"PI{index:08d}", rng.choice(LABELS), rng.choice(ACCOUNTS), debit,
               0.0 if debit else _amount(rng), f"C{rng.randrange(1, 500):05d}" if index % 3 == 0 else "",
               f"Réf. libre {index % 97}", JOURNALS[index % len(JOURNALS)]]


def _rows_analytiq(rng, count, start):
    for index in range(count):
        day = start + datetime.timedelta(days=index % 365)
        debit = _amount(rng) if index % 2 else 0.0
        yield [day, rng.choice(ACCOUNTS), f"A{1 + index % 3}", f"SEC{rng.randrange(1, 40):03d}", f"PI{index:08d}",
               rng.choice(LABELS), rng.choice(["FF", "FC", "OD", "RC"]), f"EXT-{index:06d}",
               rng.choice(["ACH", "VTE", "BQ1", "OD"]), f"F{rng.randrange(1, 300):05d}", debit,
               0.0 if debit else _amount(rng)]


def _rows_absencesalarie(rng, count, start):
    for index in range(count):
        kind, label = rng.choice(ABSENCES)
        first = start + datetime.timedelta(days=rng.randrange(0, 330))
        days = rng.randrange(1, 15)
        yield ["ABS", f"{rng.randrange(1, 400):010d}", index + 1, "0", kind, "-", label, first, "MAT",
               first + datetime.timedelta(days=days - 1), "PAM", float(days), round(days * 7.0, 2),
               f"{rng.getrandbits(128):032x}", "ACQ" if kind == "CPA" else "PRI", "-" if index % 10 else "X"]


def _rows_histocumsal(rng, count, _start):
    for index in range(count):
        yield [f"{1 + index // len(CUMULS):010d}", CUMULS[index % len(CUMULS)], round(rng.uniform(-500, 60000), 2)]


def _rows_salaries(rng, count, start):
    for index in range(count):
        yield [f"{index + 1:07d}", rng.choice(NAMES), start - datetime.timedelta(days=rng.randrange(0, 9000)),
               round(rng.uniform(1800, 9000), 2)]


GENERATORS = {
    "ECRITURE": _rows_ecriture,
    "ANALYTIQ": _rows_analytiq,
    "ABSENCESALARIE": _rows_absencesalarie,
    "HISTOCUMSAL": _rows_histocumsal,
    "SALARIES": _rows_salaries,
}


def _cell(value, decimal, date_format):
    if isinstance(value, datetime.date):
        return value.strftime(date_format)
    if isinstance(value, float):
        text = f"{value:.2f}"
        return text.replace(".", ",") if decimal == "," else text
    return str(value)


def iter_export_lines(table, rows, *, delimiter=";", decimal=",", date_format="%Y-%m-%d %H:%M:%S", seed=1):
    """The lines (str, with newline) of one export: the header, then ``rows`` rows."""
    rng = random.Random(f"{table}-{seed}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(COLUMNS[table])
    yield buffer.getvalue()
    start = datetime.date(2025, 1, 1)
    for row in GENERATORS[table](rng, rows, start):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(value, decimal, date_format) for value in row])
        yield buffer.getvalue()


def write_export(path, table, rows, *, encoding="utf-8-sig", **options):
    """Write one export file; return its size in bytes."""
    with open(path, "w", encoding=encoding, newline="") as handle:
        for line in iter_export_lines(table, rows, **options):
            handle.write(line)
        return handle.tell()


def export_bytes(table, rows, *, encoding="utf-8-sig", **options):
    """One export as bytes (for small uploads in tests)."""
    return "".join(iter_export_lines(table, rows, **options)).encode(encoding)


# The demo's set: every variant the field shows, one per file.
DEMO_SET = (
    ("ECRITURE", 200_000, {"encoding": "utf-8-sig", "delimiter": ";", "decimal": ",",
                           "date_format": "%Y-%m-%d %H:%M:%S"}),
    ("ANALYTIQ", 20_000, {"encoding": "utf-8", "delimiter": ",", "decimal": ".", "date_format": "%Y-%m-%d"}),
    ("ABSENCESALARIE", 3_000, {"encoding": "cp1252", "delimiter": ";", "decimal": ",", "date_format": "%d/%m/%Y"}),
    ("HISTOCUMSAL", 2_800, {"encoding": "utf-8-sig", "delimiter": ";", "decimal": ",",
                            "date_format": "%Y-%m-%d"}),
    ("SALARIES", 400, {"encoding": "cp1252", "delimiter": ";", "decimal": ",", "date_format": "%d/%m/%Y"}),
)
