{
    "name": "Store Connector - Shopify",
    "summary": "Sell on Shopify from Odoo: orders, stock, products and fulfillments synchronised",
    "version": "18.0.0.4.0",
    "category": "Connector",
    "license": "LGPL-3",
    "author": "Store Connector contributors",
    "website": "https://github.com/store-connector/store-connector",
    "depends": ["store_connector_base"],
    "external_dependencies": {"python": ["requests", "shopify"]},
    "data": [
        "security/store_connector_shopify_security.xml",
        "security/ir.model.access.csv",
        "views/connector_store_views.xml",
        "views/store_setup_wizard_views.xml",
        "data/connector_store_data.xml",
    ],
    "installable": True,
    # Listed under the Apps filter: it is what a merchant looks for and installs.
    "application": True,
}
