/** @odoo-module **/
// Copyright 2026 is_cegid2odoo authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { onWillStart, useState } from "@odoo/owl";
import { useService } from "@web/core/utils/hooks";
import { registry } from "@web/core/registry";
import { ListController } from "@web/views/list/list_controller";
import { listView } from "@web/views/list/list_view";

/**
 * The list of a Cegid data table, with a banner above its rows: the export they come from, when it
 * was imported, and whether Cegid has run the query since (the table is then outdated). The sentence
 * comes from the server, in the reader's language.
 */
export class CegidStagingListController extends ListController {
    static template = "is_cegid2odoo.StagingListView";

    setup() {
        super.setup();
        this.orm = useService("orm");
        this.freshness = useState({ text: "", outdated: false });
        onWillStart(async () => {
            const freshness = await this.orm.call("is.cegid.export", "get_freshness", [this.props.resModel]);
            Object.assign(this.freshness, freshness);
        });
    }
}

registry.category("views").add("cegid_staging_list", {
    ...listView,
    Controller: CegidStagingListController,
});
