/** @odoo-module **/
/**
 * A merchant recovers an order from a store's form by its number: the order is read from the
 * platform and imported, and the notification names the sale order. The platform's order is set
 * up by tests/test_tours_merchant.py, which checks the sale order.
 */
import { registry } from "@web/core/registry";

// A step waiting for a server action (ms): more than the default 10 s, for a loaded CI machine.
const SLOW_STEP = 30000;

registry.category("web_tour.tours").add("store_connector_recover_order_tour", {
    steps: () => [
        {
            content: "open the store",
            trigger: ".o_list_view .o_data_row td[name=name]:contains(Tour Test Shop)",
            run: "click",
        },
        {
            content: "Recover an Order",
            trigger: ".o_form_view .o_form_statusbar button[name=action_recover_order]",
            run: "click",
        },
        {
            content: "type the order's number as the platform shows it",
            trigger: ".modal div[name=order_number] input",
            run: "edit NR-TOUR-7",
        },
        {
            content: "recover",
            trigger: ".modal .modal-footer button[name=action_recover]",
            run: "click",
        },
        {
            // One step: a notification closes by itself after a few seconds.
            content: "the notification says it was imported, and links to the sale order",
            timeout: SLOW_STEP,
            trigger: ".o_notification:contains(NR-TOUR-7):contains(was imported as) a[href*=\"/odoo/sale.order/\"]",
        },
    ],
});
