/** @odoo-module **/
// Copyright 2026 is_cegid2odoo authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

/**
 * An administrator opens the Cegid settings, tests the connection, opens a scheduled query and
 * forces it. The same walk in each language: ``texts`` are what the screens must say in it, and
 * ``absent`` what they must not say (the other language's sentences).
 */
function forceNowSteps(texts) {
    const settings = ".app_settings_block[data-key='is_cegid2odoo']";
    return [
        {
            content: "The Cegid settings are shown",
            trigger: `${settings} h2:contains('${texts.connectionBlock}')`,
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
            trigger: `${settings} button[name='action_cegid_test_connection']`,
            run: "click",
        },
        {
            content: "Token, SAS and listing work, said in the user's language",
            trigger: `.o_notification.text-prewrap:contains('${texts.connectionWorks}'):contains('${texts.listing}')`,
            run() {
                for (const sentence of texts.absent) {
                    if (this.anchor.textContent.includes(sentence)) {
                        throw new Error(`"${sentence}" is not in the user's language: ${this.anchor.textContent}`);
                    }
                }
            },
        },
        {
            content: "Open the scheduled queries from the settings",
            trigger: `${settings} button:contains('${texts.scheduledQueries}')`,
            run: "click",
        },
        {
            content: "Open the query",
            trigger: `.o_data_row td[name='name']:contains('${texts.query}')`,
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
            trigger: `.o-mail-Message:contains('${texts.forced}')`,
        },
    ];
}

const ENGLISH = {
    connectionBlock: "Cegid Data Access connection",
    connectionWorks: "Cegid connection works",
    listing: "Listing",
    scheduledQueries: "Scheduled queries",
    query: "ECRITURE",
    forced: "Forced: next execution",
    absent: [],
};
const FRENCH = {
    connectionBlock: "Connexion à Cegid Data Access",
    connectionWorks: "La connexion à Cegid fonctionne",
    listing: "Liste",
    scheduledQueries: "Requêtes planifiées",
    query: "ANALYTIQ",
    forced: "Forcée : prochaine exécution",
    absent: ["token", "blob(s)", "waiting", "valid until", "obtained"],
};

registry.category("web_tour.tours").add("is_cegid2odoo_force_now", { steps: () => forceNowSteps(ENGLISH) });
registry.category("web_tour.tours").add("is_cegid2odoo_force_now_fr", { steps: () => forceNowSteps(FRENCH) });
