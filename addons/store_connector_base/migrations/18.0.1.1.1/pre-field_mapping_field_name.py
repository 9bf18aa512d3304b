"""Field mappings kept their product field as a link to ir.model.fields, which only administrators
may read (Store Connector Managers could not map a field): they keep its technical name now.

A "pre" script: the names are copied before the new field_name column is made NOT NULL (the old
field_id column is dropped by the upgrade itself), and the stored store form, which the upgrade
checks with its inherited views before it reloads them, stops naming field_id.
"""

import logging

_logger = logging.getLogger(__name__)

# Views of this addon that showed field_id of store.field.mapping.
VIEWS = ("connector_store_view_form_products", "store_field_mapping_view_list",
         "store_field_mapping_view_search")


def migrate(cr, version):
    if not version:
        return
    cr.execute("""
        SELECT 1 FROM information_schema.columns
         WHERE table_name = 'store_field_mapping' AND column_name = 'field_id'
    """)
    if not cr.fetchone():
        return
    cr.execute("ALTER TABLE store_field_mapping ADD COLUMN IF NOT EXISTS field_name varchar")
    cr.execute("""
        UPDATE store_field_mapping mapping
           SET field_name = field.name
          FROM ir_model_fields field
         WHERE field.id = mapping.field_id AND mapping.field_name IS NULL
    """)
    _logger.info("field mappings: %s product fields kept by name", cr.rowcount)
    # The upgrade rewrites these views from the addon's files right after; until then they only
    # have to name existing fields.
    cr.execute("""
        UPDATE ir_ui_view view
           SET arch_db = (SELECT jsonb_object_agg(lang, replace(arch, 'name="field_id"', 'name="field_name"'))
                            FROM jsonb_each_text(view.arch_db) AS t(lang, arch))
          FROM ir_model_data data
         WHERE data.model = 'ir.ui.view' AND data.res_id = view.id
           AND data.module = 'store_connector_base' AND data.name IN %s
    """, [VIEWS])
