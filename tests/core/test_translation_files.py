# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""i18n/fr.po holds the template's terms, each translated with the same placeholders (no Odoo needed).

A French sentence missing a placeholder of its English one would not be
filled in (Odoo's formatting fails, the addon then shows the template as it
is); the Odoo suite checks that every term Odoo exports is in fr.po.
"""

import re
from pathlib import Path

import polib
import pytest

I18N = Path(__file__).resolve().parents[2] / "i18n"
NAMED = re.compile(r"%\((\w+)\)[sd]")
POSITIONAL = re.compile(r"%[sd]")

FRENCH = polib.pofile(str(I18N / "fr.po"))
TEMPLATE = polib.pofile(str(I18N / "is_cegid2odoo.pot"))


def test_the_french_file_holds_the_templates_terms_and_no_other():
    assert sorted({entry.msgid for entry in TEMPLATE} ^ {entry.msgid for entry in FRENCH}) == []


def test_every_term_is_translated_and_none_is_fuzzy_or_obsolete():
    assert [entry.msgid for entry in FRENCH if not entry.msgstr or entry.fuzzy or entry.obsolete] == []


@pytest.mark.parametrize("entry", [entry for entry in FRENCH if "%" in entry.msgid], ids=lambda entry: entry.msgid[:60])
def test_a_translation_has_its_terms_placeholders(entry):
    assert sorted(NAMED.findall(entry.msgstr)) == sorted(NAMED.findall(entry.msgid))
    assert len(POSITIONAL.findall(entry.msgstr)) == len(POSITIONAL.findall(entry.msgid))


def test_french_apostrophes_are_typographic():
    assert [entry.msgstr for entry in FRENCH if "'" in entry.msgstr] == []
