/** @odoo-module **/
// Copyright 2026 is_cegid2odoo authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

/**
 * A French accountant opens the accounting entries: above the rows, the export they come from and when
 * it was imported, flagged as outdated since Cegid ran the query again; in French.
 */
registry.category("web_tour.tours").add("is_cegid2odoo_staging_freshness_fr", {
    steps: () => [
        {
            content: "The rows of the export are listed",
            trigger: ".o_list_view .o_data_row td[name='e_refinterne']:contains('PI00000000')",
        },
        {
            content: "The banner says which export they come from and that it is outdated, in French",
            trigger: ".o_cegid_freshness.alert-warning:contains('Lignes de l’export ECRITURE du'):contains('Périmé')",
            run() {
                for (const english of ["Rows of", "imported on", "Outdated"]) {
                    if (this.anchor.textContent.includes(english)) {
                        throw new Error(`"${english}" is not French: ${this.anchor.textContent}`);
                    }
                }
            },
        },
    ],
});
