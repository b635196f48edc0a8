/** @odoo-module **/
// Copyright 2026 is_cegid2odoo authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

/**
 * A member of one team opens Dashboards: the Cegid dashboard of the team is listed and opens (its pivots and
 * charts loaded without an error), the other team's is not listed.
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
            content: "The spreadsheet is drawn",
            trigger: ".o_spreadsheet_dashboard_action .o_renderer .o-grid",
        },
        ...(dateFilter ? [{
            content: "The date filter (from, to) is offered",
            trigger: ".o_spreadsheet_dashboard_action .o_control_panel .o_filter_value_container input",
        }] : []),
        {
            content: `No loading error; ${other} is not listed`,
            trigger: ".o_spreadsheet_dashboard_action .o_renderer .o-grid",
            run() {
                if (document.querySelector(".dashboard-loading-status.error")) {
                    throw new Error("the dashboard did not load");
                }
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
