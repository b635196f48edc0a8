# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Cegid Data Access",
    "summary": "Download Cegid (XRP, HR Sprint) exports from Azure into Odoo tables and drive Cegid scheduled queries",
    "version": "18.0.1.6.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/is-cegid2odoo/is_cegid2odoo",
    "author": "is_cegid2odoo authors",
    "license": "LGPL-3",
    "application": True,
    "installable": True,
    "depends": ["base", "mail", "spreadsheet_dashboard"],
    "external_dependencies": {"python": ["azure-storage-blob", "requests"]},
    "data": [
        "security/security.xml",
        "security/ir.model.access.csv",
        "security/cegid_data_rules.xml",
        "data/ir_cron_data.xml",
        "views/cegid_transfer_views.xml",
        "views/cegid_query_views.xml",
        "views/res_config_settings_views.xml",
        "views/cegid_staging_views.xml",
        "views/cegid_import_views.xml",
        "views/cegid_export_views.xml",
        "views/menus.xml",
        "data/cegid_export_data.xml",
        "data/cegid_dashboards.xml",
    ],
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
    "assets": {
        "web.assets_backend": [
            "is_cegid2odoo/static/src/views/*",
        ],
        "web.assets_tests": [
            "is_cegid2odoo/static/tests/tours/*.js",
        ],
    },
}
