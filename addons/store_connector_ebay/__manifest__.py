{
    "name": "Store Connector - eBay",
    "summary": "Sell on eBay from Odoo: orders, stock, listings and shipments synchronised",
    "version": "18.0.0.1.0",
    "category": "Connector",
    "license": "LGPL-3",
    "author": "Store Connector contributors",
    "website": "https://github.com/store-connector/store-connector",
    "depends": ["store_connector_base"],
    "external_dependencies": {"python": ["requests", "ebaysdk", "lxml", "cryptography"]},
    "data": [
        "security/ir.model.access.csv",
        "security/store_connector_ebay_listings_security.xml",
        "views/connector_store_views.xml",
        "views/product_template_views_ebay.xml",
        "views/connector_store_views_listings.xml",
        "views/connector_store_stock_views.xml",
        "data/ir_cron_messages_data.xml",
        "views/connector_store_notifications_views.xml",
    ],
    "installable": True,
    # Listed under the Apps filter: it is what a merchant looks for and installs.
    "application": True,
}
