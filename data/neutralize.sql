-- Copyright 2026 is_cegid2odoo authors
-- License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
-- A neutralised copy must not take the production exports: stop the crons, forget the credentials
-- and the confirmation of the settings: the download refuses to run until an administrator saves them again.
UPDATE ir_cron
   SET active = false
 WHERE id IN (SELECT res_id FROM ir_model_data
               WHERE module = 'is_cegid2odoo'
                 AND model = 'ir.cron'
                 AND name IN ('ir_cron_cegid_download', 'ir_cron_cegid_import', 'ir_cron_cegid_sync_queries'));
DELETE FROM ir_config_parameter
 WHERE key IN ('is_cegid2odoo.api_key_id',
               'is_cegid2odoo.api_key_secret',
               'is_cegid2odoo.subscription_key',
               'is_cegid2odoo.sas_url',
               'is_cegid2odoo.followup_at',
               'is_cegid2odoo.manual_request',
               'is_cegid2odoo.import_request');
UPDATE ir_config_parameter
   SET value = 'neutralized'
 WHERE key = 'is_cegid2odoo.database_uuid';
