{
    "name": "Store Connector - Test Platform",
    "summary": "A platform for the suite's own tests (signed webhooks, scripted jobs). Not for production.",
    "version": "18.0.1.0.0",
    "category": "Hidden/Tests",
    "license": "LGPL-3",
    "author": "Store Connector contributors",
    "depends": ["store_connector_base"],
    "data": ["data/connector_store_data.xml"],
    "installable": True,
}
