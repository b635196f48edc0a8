/** @odoo-module **/
// Copyright 2026 is_cegid2odoo authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

/**
 * A member of one team opens Dashboards: the Cegid dashboard of the team is listed and opens on the imported data
 * (not the sample), the other team's is not listed. Odoo draws the grid only once the dashboard loaded (its
 * error message replaces it): waiting for the grid is the check that it loaded. What the cells show (a formula's
 * error) is drawn on a canvas, out of a tour's reach: tests/test_dashboards.py checks what the pivots ask.
 */
function openDashboardSteps(own, other, dateFilter) {
    return [
        {
            content: `${own} is listed`,
            trigger: `.o_spreadsheet_dashboard_search_panel li[data-name='${own}']`,
            run: "click",
        },
        {
            content: `${own} is open, drawn by the spreadsheet`,
            trigger: `.o_spreadsheet_dashboard_search_panel li.active[data-name='${own}']`,
        },
        {
            content: "The spreadsheet loaded and is drawn, on the imported data, not the sample",
            trigger: ".o_spreadsheet_dashboard_action .o_renderer:not(.o-sample-dashboard) .o-grid",
        },
        ...(dateFilter ? [{
            content: "The date filter (from, to) is offered",
            trigger: ".o_spreadsheet_dashboard_action .o_control_panel .o_filter_value_container input",
        }] : []),
        {
            content: `${other} is not listed`,
            trigger: ".o_spreadsheet_dashboard_action .o_renderer .o-grid",
            run() {
                if (document.querySelector(`.o_spreadsheet_dashboard_search_panel li[data-name='${other}']`)) {
                    throw new Error(`${other} is listed for this user`);
                }
            },
        },
    ];
}

registry.category("web_tour.tours").add("is_cegid2odoo_dashboard_accounting", {
    steps: () => openDashboardSteps("Cegid – Accounting", "Cegid – Payroll", true),
});

registry.category("web_tour.tours").add("is_cegid2odoo_dashboard_payroll", {
    steps: () => openDashboardSteps("Cegid – Payroll", "Cegid – Accounting", false),
});
