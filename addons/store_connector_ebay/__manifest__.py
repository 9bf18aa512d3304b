{
    "name": "Store Connector - eBay",
    "summary": "Connect Odoo to eBay stores",
    "version": "18.0.0.1.0",
    "category": "Connector",
    "license": "LGPL-3",
    "author": "Store Connector contributors",
    "website": "https://github.com/store-connector/store-connector",
    "depends": ["store_connector_base"],
    "external_dependencies": {"python": ["requests", "ebaysdk", "lxml"]},
    "data": [
        "security/ir.model.access.csv",
        "security/store_connector_ebay_listings_security.xml",
        "views/connector_store_views.xml",
        "views/product_template_views_ebay.xml",
        "views/connector_store_views_listings.xml",
    ],
    "installable": True,
}
