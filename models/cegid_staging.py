# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The staging tables: one read-only model per Cegid export, one field per known column.

Model and field names are those of existing installations (the export's
column names in lower case), so that their reports keep working. The rows are
written only by the import (``is.cegid.import``), in bulk, never by the ORM;
``cegid_data_access.exports.EXPORTS`` describes the same columns and a test
keeps both in step. Indexes only on the usual filters (dates, account, axis
and section, employee): each index slows every import down.
"""

from odoo import fields, models

AMOUNT = (16, 2)


class CegidEcriture(models.Model):
    """ECRITURE: the accounting entries."""

    _name = "is.cegid.ecriture"
    _description = "Cegid accounting entry"
    _order = "e_datecomptable desc, id desc"
    _rec_name = "e_refinterne"

    e_datecomptable = fields.Date("Accounting date", index=True)
    e_refinterne = fields.Char("Internal reference")
    e_libelle = fields.Char("Label")
    e_general = fields.Char("General account", index=True)
    e_debit = fields.Float("Debit", digits=AMOUNT)
    e_credit = fields.Float("Credit", digits=AMOUNT)
    e_auxiliaire = fields.Char("Subsidiary account")
    e_reflibre = fields.Char("Free reference")


class CegidAnalytiq(models.Model):
    """ANALYTIQ: the analytic entries."""

    _name = "is.cegid.analytiq"
    _description = "Cegid analytic entry"
    _order = "y_datecomptable desc, id desc"
    _rec_name = "y_refinterne"

    y_datecomptable = fields.Date("Accounting date", index=True)
    y_general = fields.Char("General account", index=True)
    y_axe = fields.Char("Axis", index=True)
    y_section = fields.Char("Section", index=True)
    y_refinterne = fields.Char("Internal reference")
    y_libelle = fields.Char("Label")
    y_naturepiece = fields.Char("Document type")
    y_refexterne = fields.Char("External reference")
    y_journal = fields.Char("Journal")
    y_contrepartieaux = fields.Char("Counterpart subsidiary account")
    y_debit = fields.Float("Debit", digits=AMOUNT)
    y_credit = fields.Float("Credit", digits=AMOUNT)


class CegidAbsenceSalarie(models.Model):
    """ABSENCESALARIE: the employees' absences."""

    _name = "is.cegid.absencesalarie"
    _description = "Cegid employee absence"
    _order = "pcn_datedebutabs desc, id desc"
    _rec_name = "pcn_libelle"

    pcn_typemvt = fields.Char("Movement type")
    pcn_salarie = fields.Char("Employee", index=True)
    pcn_ordre = fields.Integer("Order number", aggregator=None)
    pcn_periodecp = fields.Integer("Paid leave period", aggregator=None)
    pcn_typeconge = fields.Char("Absence type")
    pcn_sensabs = fields.Char("Direction")
    pcn_libelle = fields.Char("Label")
    pcn_datedebutabs = fields.Date("Start date", index=True)
    pcn_debutdj = fields.Char("Start half-day")
    pcn_datefinabs = fields.Date("End date", index=True)
    pcn_findj = fields.Char("End half-day")
    pcn_jours = fields.Float("Days")
    pcn_heures = fields.Float("Hours")
    pcn_guid = fields.Char("GUID")


class CegidHistoCumSal(models.Model):
    """HISTOCUMSAL: the payroll cumulative history."""

    _name = "is.cegid.histocumsal"
    _description = "Cegid payroll cumulative history"
    _order = "phc_salarie, phc_cumulpaie, id"
    _rec_name = "phc_cumulpaie"

    phc_salarie = fields.Char("Employee", index=True)
    phc_cumulpaie = fields.Char("Payroll cumulative")
    phc_montant = fields.Float("Amount", digits=AMOUNT)
