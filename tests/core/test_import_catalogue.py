# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The catalogue: the known exports by their header, any other export by its file's name."""

import pytest

from cegid_import.catalogue import (
    AMOUNT,
    CHAR,
    DATE,
    KNOWN,
    Catalogue,
    Column,
    ExportDef,
    HeaderChange,
    Match,
    NewExport,
    custom_field_names,
    custom_model_name,
    default_label,
    distinct_labels,
    export_name,
    header_keys,
    normalise_header,
    significant_names,
    view_label,
    written_header,
)
from cegid_import.errors import ExportFormatError

SALARIES = ExportDef("SALARIES", "x_cegid_salaries", "Salaries", (
    Column("MATRICULE", field="x_matricule"), Column("NOM", field="x_nom"),
    Column("DATE_EMBAUCHE", DATE, field="x_date_embauche"), Column("SALAIRE_BASE", AMOUNT, field="x_salaire_base")))
CATALOGUE = Catalogue((*KNOWN, SALARIES))


@pytest.mark.parametrize(("file_name", "name"), [
    ("SALARIES.csv", "SALARIES"), ("salaries.CSV", "SALARIES"),
    ("exports/2026/Paie mensuelle.csv", "PAIE MENSUELLE"), ("SALARIES.2026.csv", "SALARIES.2026"),
])
def test_the_export_name_is_the_file_name_without_its_extension(file_name, name):
    assert export_name(file_name) == name


def test_custom_names_are_x_identifiers_short_enough_for_postgresql():
    assert custom_model_name("SALARIES") == "x_cegid_salaries"
    assert custom_model_name("Congés été 2026") == "x_cegid_conges_ete_2026"
    long = custom_model_name("A_VERY_LONG_EXPORT_NAME_THAT_GOES_ON_AND_ON")
    assert long.startswith("x_cegid_a_very_long") and len(long) <= 40
    assert long != custom_model_name("A_VERY_LONG_EXPORT_NAME_THAT_GOES_ON_AND_ON_2")
    with pytest.raises(ExportFormatError, match="import.bad_export_name"):
        custom_model_name("---")
    assert custom_field_names(["MATRICULE", "Date d'embauche", "date d embauche", "€"]) == [
        "x_matricule", "x_date_d_embauche", "x_date_d_embauche_2", "x_column"]
    assert default_label("DATE_EMBAUCHE") == "Date embauche"



def test_the_fields_of_new_columns_never_take_a_field_the_export_has():
    """Columns added to an export whose fields x_nom and x_nom_2 exist: new fields, none of them reused."""
    assert custom_field_names(["NOM", "Nom", "SERVICE"], taken=["x_nom", "x_nom_2", "x_service"]) == [
        "x_nom_3", "x_nom_4", "x_service_2"]


def test_a_column_active_does_not_become_odoos_archive_flag():
    """Odoo reads any model's x_active as its archive flag: every search hid the rows where it was not true."""
    assert custom_field_names(["ACTIVE", "Active", "ACTIVE_2"]) == ["x_active_2", "x_active_3", "x_active_2_2"]


def test_a_file_name_no_model_can_be_made_of_is_refused_when_identified():
    with pytest.raises(ExportFormatError) as caught:
        CATALOGUE.identify(["FOO", "BAR"], "---.csv")
    assert (caught.value.code, caught.value.params) == ("import.bad_export_name", {"name": "---"})

def test_header_names_without_a_name_are_named_by_position_trailing_ones_dropped():
    assert significant_names(["A", "", "C", "", ""]) == ["A", "COLUMN_2", "C"]


def test_a_known_export_is_recognised_by_its_header_whatever_the_file_name():
    header = ["E_DEBIT", "E_GENERAL", "E_DATECOMPTABLE", "E_CREDIT", "E_REFINTERNE", "E_LIBELLE",
              "E_AUXILIAIRE", "E_REFLIBRE"]
    found = CATALOGUE.identify(header, "SALARIES.csv")
    assert isinstance(found, Match) and found.export.name == "ECRITURE"
    assert found.positions == (2, 4, 5, 1, 0, 3, 6, 7)


def test_an_extra_column_of_a_known_export_is_a_change_that_only_adds_it():
    header = ["E_DEBIT", "X", "E_GENERAL", "E_DATECOMPTABLE", "E_CREDIT", "E_REFINTERNE", "E_LIBELLE",
              "E_AUXILIAIRE", "E_REFLIBRE", "E_ETABLISSEMENT"]
    found = CATALOGUE.identify(header, "SALARIES.csv")
    assert isinstance(found, HeaderChange) and found.export.name == "ECRITURE"
    assert (found.added, found.removed, found.renamed) == (("X", "E_ETABLISSEMENT"), (), ())
    # once the export has them (as the Odoo catalogue gives them: optional), the file matches
    ecriture = KNOWN[0]
    grown = ExportDef(ecriture.name, ecriture.model, ecriture.description, (*ecriture.columns, *(
        Column(name, field=field, optional=True) for name, field in (("X", "x_x"), ("E_ETABLISSEMENT",
                                                                                  "x_e_etablissement")))),
        by_header=True)
    found = Catalogue((grown,)).identify(header, "ECRITURE.csv")
    assert isinstance(found, Match) and found.export.column_names[-2:] == ("X", "E_ETABLISSEMENT")
    assert found.positions[-2:] == (1, 9)
    # a later file without them still matches, they are left empty
    found = Catalogue((grown,)).identify([name for name in header if name not in ("X", "E_ETABLISSEMENT")], "E.csv")
    assert isinstance(found, Match) and "X" not in found.export.column_names


def test_a_known_export_name_with_an_incomplete_header_says_what_it_lacks():
    with pytest.raises(ExportFormatError) as caught:
        CATALOGUE.identify(["E_DATECOMPTABLE", "E_REFINTERNE", "E_LIBELLE", "E_GENERAL", "E_AUXILIAIRE",
                            "E_REFLIBRE"], "ECRITURE.csv")
    assert (caught.value.code, caught.value.params) == (
        "import.header_incomplete", {"export": "ECRITURE", "missing": "E_DEBIT, E_CREDIT"})


def test_a_column_twice_is_two_columns_in_header_order():
    keys = normalise_header(["PHC_SALARIE", "PHC_CUMULPAIE", "PHC_MONTANT", "phc_montant"])
    assert keys == ["PHC_SALARIE", "PHC_CUMULPAIE", "PHC_MONTANT", "PHC_MONTANT_2"]
    found = CATALOGUE.identify(keys, "x.csv")
    assert isinstance(found, HeaderChange) and found.added == ("PHC_MONTANT_2",)
    assert CATALOGUE.identify(normalise_header(["A", "B", "a"]), "NEW.csv") == NewExport("NEW")


def test_a_name_repeated_many_times_gets_the_next_free_number_each_time():
    keys = header_keys(["A", "A", "A", "A", "A_3", "A"] + ["B"] * 3000)
    assert keys[:6] == ["A", "A_2", "A_3", "A_4", "A_3_2", "A_5"]
    assert keys[6:9] == ["B", "B_2", "B_3"] and keys[-1] == "B_3000" and len(set(keys)) == len(keys)


AWKWARD = ["Montant", "MONTANT", " montant ", "Montánt", "", "MONTANT_2", "Date embauche", "DATE_EMBAUCHE",
           "id", "create_uid", "display_name", "select", "2024", "Ä" * 40, "Ä" * 39 + "B", "€", "", ""]


def test_any_header_gives_distinct_stable_keys_fields_and_labels():
    written = written_header(AWKWARD)
    keys = header_keys(written)
    assert keys[:6] == ["MONTANT", "MONTANT_2", "MONTANT_3", "MONTÁNT", "COLUMN_5", "MONTANT_2_2"]
    assert keys[-2:] == ["", ""]  # a trailing delimiter: no column
    names = significant_names(keys)
    assert len(set(names)) == len(names) == len(AWKWARD) - 2
    assert header_keys(written) == keys  # the same header, the same keys: the next file is the same export
    fields = custom_field_names(names)
    assert len(set(fields)) == len(fields)
    assert fields[:6] == ["x_montant", "x_montant_2", "x_montant_3", "x_montant_4", "x_column_5", "x_montant_2_2"]
    for field in fields:
        # an x_ identifier PostgreSQL keeps whole (63 bytes) with room for Odoo's index names; never reserved
        assert field.startswith("x_") and field.isascii() and len(field) <= 40, field
        assert field.replace("_", "").isalnum() and field == field.lower(), field
    assert fields[8:13] == ["x_id", "x_create_uid", "x_display_name", "x_select", "x_2024"]
    assert fields[13] != fields[14]
    labels = distinct_labels([default_label(name) for name in written[:len(names)]])
    assert len({label.casefold() for label in labels}) == len(labels)
    assert labels[:3] == ["Montant", "Montant (2)", "Montant (3)"]
    # a known export's added columns are labelled with their headers as written: no control character either
    assert distinct_labels(["Net\x0bà payer", "\x1f", "\x85"], taken=["Column"]) == [
        "Net à payer", "Column (2)", "Column (3)"]
    assert view_label(" Nom\tet\x00prénom\x7f ") == "Nom et prénom"  # a label a manager types, the same way


def test_another_export_is_found_by_its_name_its_columns_in_any_order():
    found = CATALOGUE.identify(["SALAIRE_BASE", "MATRICULE", "NOM", "DATE_EMBAUCHE"], "SALARIES.csv")
    assert isinstance(found, Match) and found.export is SALARIES
    assert found.positions == (1, 2, 3, 0)
    assert CATALOGUE.identify(["FOO", "BAR"], "FOO.csv") == NewExport("FOO")



def test_another_export_is_never_found_by_its_header_under_another_name():
    """A file holding SALARIES' columns but named otherwise is a new export, whatever its header."""
    header = ["MATRICULE", "NOM", "DATE_EMBAUCHE", "SALAIRE_BASE", "SERVICE"]
    assert CATALOGUE.identify(header, "EFFECTIFS.csv") == NewExport("EFFECTIFS")

def test_a_header_change_names_what_was_added_removed_and_renamed():
    found = CATALOGUE.identify(["MATRICULE", "NOM_COMPLET", "SALAIRE_BASE", "SERVICE"], "SALARIES.csv")
    assert isinstance(found, HeaderChange)
    assert (found.added, found.removed, found.renamed) == (("SERVICE",), ("DATE_EMBAUCHE",),
                                                          (("NOM", "NOM_COMPLET"),))
    assert found.params() == {"export": "SALARIES", "added": "SERVICE", "removed": "DATE_EMBAUCHE",
                              "renamed": "NOM → NOM_COMPLET"}
    fewer = CATALOGUE.identify(["MATRICULE", "NOM", "DATE_EMBAUCHE"], "SALARIES.csv")
    assert fewer.params() == {"export": "SALARIES", "added": "-", "removed": "SALAIRE_BASE", "renamed": "-"}



def test_the_last_column_renamed_is_a_rename():
    found = CATALOGUE.identify(["MATRICULE", "NOM", "DATE_EMBAUCHE", "SALAIRE"], "SALARIES.csv")
    assert (found.added, found.removed, found.renamed) == ((), (), (("SALAIRE_BASE", "SALAIRE"),))

def test_the_known_exports_keep_the_names_existing_reports_use():
    ecriture = KNOWN[0]
    assert (ecriture.model, ecriture.table, ecriture.order) == (
        "is.cegid.ecriture", "is_cegid_ecriture", "e_datecomptable desc, id desc")
    assert [(c.field, c.kind, c.index) for c in ecriture.columns][:2] == [
        ("e_datecomptable", DATE, True), ("e_refinterne", CHAR, False)]
    assert [export.name for export in KNOWN] == ["ECRITURE", "ANALYTIQ", "ABSENCESALARIE", "HISTOCUMSAL"]


ECRITURE_REQUIRED = ["E_DATECOMPTABLE", "E_REFINTERNE", "E_LIBELLE", "E_GENERAL", "E_DEBIT", "E_CREDIT",
                     "E_AUXILIAIRE", "E_REFLIBRE"]


def test_the_journal_is_loaded_when_the_file_has_it():
    found = CATALOGUE.identify(["E_JOURNAL", *ECRITURE_REQUIRED], "ECRITURE.csv")
    assert isinstance(found, Match) and found.export.name == "ECRITURE"
    journal = found.export.columns[found.export.column_names.index("E_JOURNAL")]
    assert (journal.field, journal.index, journal.optional, journal.label) == ("e_journal", True, True, "Journal")
    assert found.positions[found.export.column_names.index("E_JOURNAL")] == 0


def test_a_file_without_an_optional_column_loads_the_others_and_leaves_it_empty():
    found = CATALOGUE.identify(ECRITURE_REQUIRED, "ECRITURE.csv")
    assert isinstance(found, Match) and found.export.model == "is.cegid.ecriture"
    assert found.export.column_names == tuple(ECRITURE_REQUIRED)
    assert found.positions == tuple(range(8))


@pytest.mark.parametrize("optional", [(), ("PCN_TYPEIMPUTE",), ("PCN_MVTDUPLIQUE", "PCN_TYPEIMPUTE")])
def test_the_absences_load_the_imputation_type_and_duplicated_movement_when_present(optional):
    absences = next(export for export in KNOWN if export.name == "ABSENCESALARIE")
    header = [*absences.required_names, *optional]
    found = CATALOGUE.identify(header, "whatever.csv")
    assert isinstance(found, Match) and found.export.name == "ABSENCESALARIE"
    assert set(found.export.column_names) == set(header)
    assert {column.field for column in absences.columns if column.optional} == {"pcn_typeimpute", "pcn_mvtduplique"}
