{
    "name": "Store Connector - WooCommerce",
    "summary": "Sell on WooCommerce from Odoo: orders, stock, products and tracking synchronised",
    "version": "18.0.0.1.0",
    "category": "Connector",
    "license": "LGPL-3",
    "author": "Store Connector contributors",
    "website": "https://github.com/store-connector/store-connector",
    "depends": ["store_connector_base"],
    "external_dependencies": {"python": ["requests", "woocommerce"]},
    "data": [
        "data/connector_store_data.xml",
        "views/connector_store_views.xml",
        "views/connector_store_products_views.xml",
        "views/connector_store_fulfillment_views.xml",
        "views/connector_store_stock_views.xml",
    ],
    "installable": True,
    # Listed under the Apps filter: it is what a merchant looks for and installs.
    "application": True,
}
