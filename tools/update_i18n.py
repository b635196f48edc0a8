#!/usr/bin/env python3
# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Export the addon's terms with Odoo and bring ``i18n/`` up to date.

Installs the addon on a throwaway database (as the Odoo suite does), asks Odoo
for its translation template (``--i18n-export``), writes it as
``i18n/is_cegid2odoo.pot``, then updates ``i18n/fr.po`` from it: the French of
every term that is still there is kept, a new term is added untranslated, a
term Odoo no longer exports is dropped. Prints the terms left to translate and
exits 1 while there are any. ``--check`` writes nothing: it says whether
``i18n/`` is up to date (the same terms as Odoo exports, each translated).
Run it in the test virtual environment:

    ~/.cache/is_cegid2odoo/venv/bin/python tools/update_i18n.py [--check]
"""

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import polib

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pg_cluster
import run_odoo_suite

I18N = run_odoo_suite.REPO_ROOT / "i18n"
TEMPLATE = I18N / f"{run_odoo_suite.MODULE}.pot"
FRENCH = I18N / "fr.po"


def export_template(target):
    """Install the addon on a throwaway database and export its terms to ``target`` (a .pot file)."""
    src = run_odoo_suite.find_odoo()
    if src is None:
        raise SystemExit("no Odoo 18.0 found (ODOO_SRC, /opt/odoo-18.0, /opt/odoo)")
    run_odoo_suite.ensure_odoo_requirements(src)
    with pg_cluster.throwaway_cluster("cegid-i18n-") as (cluster, workdir):
        log = workdir / "odoo.log"
        for extra in (["-i", run_odoo_suite.MODULE],
                      [f"--i18n-export={target}", f"--modules={run_odoo_suite.MODULE}"]):
            command = run_odoo_suite.odoo_command(src, cluster, workdir, "cegid_i18n", extra)
            returncode, lines = run_odoo_suite.run_logged(command, log, echo=False)
            if returncode:
                raise SystemExit("odoo-bin failed:\n" + "\n".join(lines[-30:]))


def merge(template, translation):
    """``translation`` (a PO file) made to hold exactly the template's entries; the untranslated ones."""
    pot = polib.pofile(str(template))
    old = polib.pofile(str(translation))
    known = {entry.msgid: entry.msgstr for entry in old if entry.msgstr and not entry.obsolete}
    merged = polib.POFile(wrapwidth=old.wrapwidth)
    merged.metadata = old.metadata
    merged.header = old.header
    for entry in pot:
        entry.msgstr = known.get(entry.msgid, "")
        merged.append(entry)
    merged.save(str(translation))
    return [entry.msgid for entry in merged if not entry.msgstr]


def check(exported):
    """Print what differs between ``exported`` (a fresh template) and ``i18n/``; return the number of problems."""
    fresh = {entry.msgid for entry in polib.pofile(str(exported))}
    committed = {entry.msgid for entry in polib.pofile(str(TEMPLATE))}
    translated = {entry.msgid for entry in polib.pofile(str(FRENCH)) if entry.msgstr and not entry.obsolete}
    problems = [*(f"not in {TEMPLATE.name}: {msgid!r}" for msgid in sorted(fresh - committed)),
                *(f"no longer exported, still in {TEMPLATE.name}: {msgid!r}" for msgid in sorted(committed - fresh)),
                *(f"to translate: {msgid!r}" for msgid in sorted(fresh - translated))]
    for problem in problems:
        print(f"i18n: {problem}")
    print(f"i18n: {'up to date' if not problems else f'{len(problems)} problem(s)'}")
    return len(problems)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when i18n/ is not up to date")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        exported = Path(tmp) / "terms.pot"
        export_template(exported)
        if args.check:
            return 1 if check(exported) else 0
        shutil.copyfile(exported, TEMPLATE)
    missing = merge(TEMPLATE, FRENCH)
    print(f"i18n: {TEMPLATE.name} exported, {FRENCH.name} updated")
    for msgid in missing:
        print(f"i18n: to translate: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
