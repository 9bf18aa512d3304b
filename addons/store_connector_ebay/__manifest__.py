{
    "name": "Store Connector - eBay",
    "summary": "Connect Odoo to eBay stores",
    "version": "18.0.0.1.0",
    "category": "Connector",
    "license": "LGPL-3",
    "author": "Store Connector contributors",
    "website": "https://github.com/store-connector/store-connector",
    "depends": ["store_connector_base"],
    "external_dependencies": {"python": ["requests"]},
    "data": [
        "data/ir_cron_messages_data.xml",
    ],
    "installable": True,
}
