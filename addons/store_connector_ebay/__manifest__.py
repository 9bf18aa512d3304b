{
    "name": "Store Connector - eBay",
    "summary": "Connect Odoo to eBay stores",
    "version": "18.0.0.1.0",
    "category": "Connector",
    "license": "LGPL-3",
    "author": "Store Connector contributors",
    "website": "https://github.com/store-connector/store-connector",
    "depends": ["store_connector_base"],
    "external_dependencies": {"python": ["requests", "cryptography"]},
    "data": [
        "views/connector_store_notifications_views.xml",
    ],
    "installable": True,
}
