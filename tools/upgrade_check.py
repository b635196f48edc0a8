# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The upgrade of a database holding rows, a step of the Odoo suite (``run_odoo_suite.run_suite``).

The previous release of the addon (the newest commit of the history whose
manifest has another version than the working tree's) is installed on a
database of its own; it imports rows of the known exports and of an export of
the customer's own; the working tree's addon is then installed over it
(``-u``), as on a customer's server. The step fails when the upgrade logs an
error (or a warning of the addon), when a row is lost, or when the upgraded
database does not import a file with the new columns. Without the git history
(an exported tree, a shallow clone) it is left out: a warning, a failure in a
strict run (CI).

Standard library only, as ``run_odoo_suite``.
"""

import ast
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

import run_odoo_suite as suite

DATABASE = "cegid_upgrade"
# a commit to upgrade from instead of the previous release (a database installed between two releases)
UPGRADE_FROM = "CEGID_UPGRADE_FROM"
# Run by the previous release: rows in two known tables and in a table made for another export.
BEFORE = r"""
import json, os, tempfile
folder = tempfile.mkdtemp(prefix="cegid-upgrade-")
params = env["ir.config_parameter"].sudo()
params.set_param("@MODULE@.import_folder", folder)
params.set_param("@MODULE@.database_uuid", params.get_param("database.uuid"))
params.set_param("@MODULE@.database_name", env.cr.dbname)  # what confirming the settings records since 18.0.1.4.0
# a French database: the translations of the groups' names
env["res.lang"]._activate_lang("fr_FR")
env["ir.module.module"].search([("name", "in", ("base", "@MODULE@"))])._update_translations("fr_FR")
# installed before the data groups were named Reader (a commit of 18.0.1.4.0 already had the name): as then
installed = env["ir.module.module"].search([("name", "=", "@MODULE@")]).latest_version
if tuple(int(part) for part in installed.split(".")) < (18, 0, 1, 5, 0):
    env.cr.execute("UPDATE res_groups SET name = %s WHERE id = %s", (
        json.dumps({"en_US": "Accounting data", "fr_FR": "Données comptables"}),
        env.ref("@MODULE@.group_cegid_accounting").id))
ECRITURE = "E_DATECOMPTABLE;E_REFINTERNE;E_LIBELLE;E_GENERAL;E_DEBIT;E_CREDIT;E_AUXILIAIRE;E_REFLIBRE\r\n"
files = {
    "ECRITURE.csv": ECRITURE + "30/06/2025;FAC1;Vente;411000;100;0;C1;\r\n30/06/2025;REG0;Règlement;512000;0;90;;\r\n",
    "ABSENCESALARIE.csv": "PCN_TYPEMVT;PCN_SALARIE;PCN_ORDRE;PCN_PERIODECP;PCN_TYPECONGE;PCN_SENSABS;PCN_LIBELLE;"
                          "PCN_DATEDEBUTABS;PCN_DEBUTDJ;PCN_DATEFINABS;PCN_FINDJ;PCN_JOURS;PCN_HEURES;PCN_GUID\r\n"
                          "ABS;0000042;3;1;CPA;-;Congés payés;01/07/2025;MAT;15/07/2025;PAM;10,5;73,5;{A-B}\r\n",
    "SALARIES.csv": "MATRICULE;NOM;SALAIRE_BASE\r\n0000042;Hélène Dupré;2 500,50\r\n0000043;Zoé Müller;3 100,25\r\n",
}
for name, text in files.items():
    with open(os.path.join(folder, name), "w", encoding="cp1252") as handle:
        handle.write(text)
    Import = env["is.cegid.import"]
    (getattr(Import, "_import_folder", None) or Import.import_folder)()  # public in the first releases
# a second snapshot, compared with the first: REG0 removed, REG1 added
with open(os.path.join(folder, "ECRITURE.csv"), "w", encoding="cp1252") as handle:
    handle.write(ECRITURE + "30/06/2025;FAC1;Vente;411000;100;0;C1;\r\n30/06/2025;REG1;Règlement;512000;0;100;;\r\n")
(getattr(Import, "_import_folder", None) or Import.import_folder)()
# an organisation keeps the salaries from its administrator: out of the managers, whose group implies payroll
env.ref("@MODULE@.group_cegid_manager").users = [(3, env.ref("base.user_admin").id)]
env.cr.commit()
print("before: %s" % ",".join(sorted(env["is.cegid.import"].search([]).mapped("state"))))
# a table of the customer's own with its starter dashboard, then updated: its amounts made text, which that release's
# update left the dashboard summing
def drop_primes(rows):
    with open(os.path.join(folder, "PRIMES.csv"), "w", encoding="cp1252") as handle:
        handle.write("MATRICULE;NOM;MONTANT\r\n" + rows)
    Import._import_folder()
drop_primes("0000042;Hélène;100,50\r\n")
primes = env["is.cegid.export"].search([("name", "=", "PRIMES")])
primes.action_make_dashboard()
drop_primes("0000042;Hélène;à revoir\r\n")
primes.action_update_table()
Import._cron_import()  # what the button hands the update to
env.cr.commit()
print("primes: %s %s" % (primes.state, env[primes.model_id.model].search([]).mapped("x_montant")))
"""
BEFORE_OK = ("before: done,done,done,done", "primes: ready ['à revoir']")
# Run by this tree's addon once the database is upgraded: the rows are there, the columns a model no longer has
# are gone, and the new columns import.
AFTER = r"""
import json, os
ecriture = env["is.cegid.ecriture"].search([], order="e_refinterne")
absence = env["is.cegid.absencesalarie"].search([])
salaries = env["x_cegid_salaries"].search([], order="x_matricule")
headers = env.ref("@MODULE@.export_ecriture").column_ids.mapped("header")
print("after: ecriture=%s journal=%s absence=%s/%s salaries=%s headers=%s kind=%s" % (
    ",".join(ecriture.mapped("e_refinterne")), ecriture.mapped("e_journal"), absence.pcn_salarie,
    absence.pcn_typeimpute, [(rec.x_nom, rec.x_salaire_base) for rec in salaries], all(headers),
    env["ir.model.fields"].search([("model", "=", "x_cegid_salaries"), ("name", "=", "x_salaire_base")]).cegid_kind))
env.cr.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = 'is_cegid_import_change' "
               "AND column_name IN ('create_uid', 'create_date', 'write_uid', 'write_date')")
print("change rows' log columns: %s" % env.cr.fetchone()[0])
changed = env["is.cegid.import.change"].search([])
print("changed rows: %s, values by name: %s" % (
    sorted((change.kind, change.data["e_refinterne"], change.data["e_credit"]) for change in changed),
    all(len(change.row_values) == len(change.import_id.change_columns) for change in changed)))
imports = env["is.cegid.import"].search([("state", "=", "done")])
env.cr.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = 'is_cegid_import' "
               "AND column_name = 'details'")
details_column = env.cr.fetchone()[0]
print("files read as: %s, details column: %s" % (
    sorted({(rec.file_encoding, rec.file_delimiter, rec.date_order) for rec in imports}), details_column))
last_ecriture = imports.filtered(lambda rec: rec.export_id.name == "ECRITURE")[:1]
print("filled by the last import: %s" % last_ecriture.loaded_columns)
print("administrator in the managers: %s" % env.ref("base.user_admin").has_group("@MODULE@.group_cegid_manager"))
print("settings confirmed for: %s" % env["ir.config_parameter"].sudo().get_param("@MODULE@.database_name"))
groups = [env.ref("@MODULE@." + xmlid) for xmlid in ("group_cegid_accounting", "group_cegid_manager")]
print("groups in French: %s" % [group.with_context(lang="fr_FR").full_name for group in groups])
primes = env["is.cegid.export"].search([("name", "=", "PRIMES")])
pivots = json.loads(primes.dashboard_id.spreadsheet_data)["pivots"].values()
print("primes dashboard sums: %s" % sorted({measure["fieldName"] for pivot in pivots for measure in pivot["measures"]}))
# each of its pivots bounded to its sheet (18.0.1.6.0): the call's five arguments, not the earlier releases' fewer
formulas = [cell.get("content", "") for sheet in json.loads(primes.dashboard_id.spreadsheet_data)["sheets"]
            for cell in (sheet.get("cells") or {}).values()]
calls = [formula for formula in formulas if formula.startswith("=PIVOT(")]
print("primes dashboard pivots bounded: %s" % (bool(calls) and all(call.count(",") == 4 for call in calls)))
# FAC1 again, now with a journal (an optional column the previous file lacked): not a change
folder = env["ir.config_parameter"].sudo().get_param("@MODULE@.import_folder")
with open(os.path.join(folder, "ECRITURE.csv"), "w", encoding="cp1252") as handle:
    handle.write("E_DATECOMPTABLE;E_REFINTERNE;E_LIBELLE;E_GENERAL;E_DEBIT;E_CREDIT;E_AUXILIAIRE;E_REFLIBRE;"
                 "E_JOURNAL;E_ETABLISSEMENT\r\n30/06/2025;FAC1;Vente;411000;100;0;C1;;VTE;Lyon\r\n"
                 "30/06/2025;FAC2;Vente;411000;5;0;C1;;VTE;Lyon\r\n")
record = env["is.cegid.import"]._import_folder().records
env.cr.commit()
rows = env["is.cegid.ecriture"].search([], order="e_refinterne")
print("new file: %s %s %s %s, %s added, %s removed" % (
    record.state, ",".join(rows.mapped("e_refinterne")), sorted(set(rows.mapped("e_journal"))),
    sorted(set(rows.mapped("x_e_etablissement"))), record.rows_added, record.rows_removed))
""".replace("@MODULE@", suite.MODULE)
AFTER_OK = ("after: ecriture=FAC1,REG1 journal=[False, False] absence=0000042/False "
            "salaries=[('Hélène Dupré', 2500.5), ('Zoé Müller', 3100.25)] headers=True kind=float",
            "change rows' log columns: 0",
            "changed rows: [('added', 'REG1', '100'), ('removed', 'REG0', '90')], values by name: True",
            "files read as: [('cp1252-latin1', ';', 'day_first')], details column: 0",
            "filled by the last import: ['e_datecomptable', 'e_refinterne', 'e_libelle', 'e_general', 'e_debit', "
            "'e_credit', 'e_auxiliaire', 'e_reflibre']",
            "administrator in the managers: False",
            f"settings confirmed for: {DATABASE}",
            "primes dashboard sums: ['__count']",
            "primes dashboard pivots bounded: True",
            "groups in French: ['Données comptables / Lecteur', 'Cegid Data Access / Responsable']",
            "new file: done FAC1,FAC2 ['VTE'] ['Lyon'], 1 added, 1 removed")


def manifest_version(text):
    """The ``version`` of a manifest's text."""
    return ast.literal_eval(text)["version"]


def git(*args):
    """The output of a git command in the repository (CalledProcessError when it fails)."""
    return subprocess.run(["git", "-C", str(suite.REPO_ROOT), *args], capture_output=True, check=True).stdout


def previous_release():
    """``(commit, version)``: the newest commit whose manifest has another version than the tree's (or the commit
    ``CEGID_UPGRADE_FROM`` names); or None.

    That is the parent of the commit that brought the current version (HEAD when the tree's change is not
    committed yet).
    """
    current = manifest_version((suite.REPO_ROOT / "__manifest__.py").read_text(encoding="utf-8"))
    newer = None
    try:
        chosen = os.environ.get(UPGRADE_FROM)
        if chosen:
            return chosen, manifest_version(git("show", f"{chosen}:__manifest__.py").decode())
        for commit in git("log", "--format=%H", "--", "__manifest__.py").decode().split():
            version = manifest_version(git("show", f"{commit}:__manifest__.py").decode())
            if version != current:
                previous = git("rev-parse", f"{newer}^" if newer else "HEAD").decode().strip()
                return previous, version
            newer = commit
    except (OSError, subprocess.CalledProcessError) as err:
        print(f"upgrade: git failed: {getattr(err, 'stderr', b'').decode(errors='replace').strip() or err}")
        return None
    return None


def extract(commit, target):
    """The addon's tree at ``commit`` as ``target/<module>``; return ``target``."""
    folder = target / suite.MODULE
    folder.mkdir(parents=True)
    with tempfile.TemporaryFile() as archive:
        archive.write(git("archive", "--format=tar", commit))
        archive.seek(0)
        with tarfile.open(fileobj=archive) as tar:
            tar.extractall(folder, filter="data")
    return target


def run_upgrade(src, cluster, workdir, log_path, result):
    """Install the previous release, import rows, upgrade to the tree, check the rows and a new file."""
    release = previous_release()
    if release is None:
        suite.leave_out(result, "upgrade: the upgrade check (no earlier version of the manifest in the git history: "
                                "an exported tree or a shallow clone?)")
        return
    commit, version = release
    old_addons = extract(commit, Path(workdir) / "previous-release")
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"\n==== upgrade from {version} ({commit[:10]}) ====\n")
    install = suite.odoo_command(src, cluster, workdir, DATABASE, ["-i", suite.MODULE], addons=old_addons)
    returncode, lines = suite.run_logged(install, log_path, False)
    before = suite.run_shell(src, cluster, workdir, DATABASE, BEFORE.replace("@MODULE@", suite.MODULE),
                             addons=old_addons)
    if returncode or any(line not in before for line in BEFORE_OK):
        with open(log_path, "a", encoding="utf-8") as log:
            log.write("\n".join(before) + "\n")
        suite.judge_step(f"upgrade: the release {version} did not install and import", 1, lines + before, result)
        result.problems.extend(before[-6:])  # a traceback of the shell is no log line
        return
    returncode, lines = suite.run_logged(suite.odoo_command(src, cluster, workdir, DATABASE, ["-u", suite.MODULE]),
                                         log_path, False)
    suite.judge_step(f"upgrade from {version}", returncode, lines, result)
    after = suite.run_shell(src, cluster, workdir, DATABASE, AFTER)
    with open(log_path, "a", encoding="utf-8") as log:
        log.write("\n".join(before + after) + "\n")
    missing = [line for line in AFTER_OK if line not in after]
    suite.judge_step(f"upgraded database (expected: {' | '.join(missing)})" if missing else "upgraded database",
                     1 if missing else 0, after, result)
