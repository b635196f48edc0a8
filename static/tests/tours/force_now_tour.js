/** @odoo-module **/
// Copyright 2026 is_cegid2odoo authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("is_cegid2odoo_force_now", {
    url: "/odoo/action-is_cegid2odoo.action_cegid_settings",
    steps: () => [
        {
            content: "The Cegid settings are shown",
            trigger: ".app_settings_block[data-key='is_cegid2odoo'] h2:contains('Cegid Data Access connection')",
        },
        {
            content: "The saved secret is not sent back, only the fact that it is set",
            trigger: "div[name='cegid_api_key_secret'] input",
            run() {
                if (this.anchor.value) {
                    throw new Error("The stored API key secret was sent to the browser");
                }
            },
        },
        {
            content: "Test the connection",
            trigger: ".app_settings_block[data-key='is_cegid2odoo'] button[name='action_cegid_test_connection']",
            run: "click",
        },
        {
            content: "Token, SAS and listing work",
            trigger: ".o_notification.text-prewrap:contains('Cegid connection works'):contains('listing')",
        },
        {
            content: "Open the scheduled queries from the settings",
            trigger: ".app_settings_block[data-key='is_cegid2odoo'] button:contains('Scheduled queries')",
            run: "click",
        },
        {
            content: "Open the ECRITURE query",
            trigger: ".o_data_row td[name='name']:contains('ECRITURE')",
            run: "click",
        },
        {
            content: "The old next execution is shown",
            trigger: ".o_form_view div[name='next_execution']:contains('2001')",
        },
        {
            content: "Force now",
            trigger: ".o_form_view .o_form_statusbar button[name='action_force_now']",
            run: "click",
        },
        {
            content: "The new next execution is shown",
            trigger: ".o_form_view div[name='next_execution']:not(:contains('2001'))",
        },
        {
            content: "The chatter says it was forced",
            trigger: ".o-mail-Message:contains('Forced: next execution')",
        },
    ],
});
