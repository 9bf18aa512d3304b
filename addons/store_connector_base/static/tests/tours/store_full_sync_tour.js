/** @odoo-module **/
/**
 * A merchant clicks Full Sync on a store's form: the progress per entity shows at once; while the
 * queue works in the background, the bars move without a reload, then the summary says what was
 * imported. The shop's products, customers and orders are set up by tests/test_tours_merchant.py.
 */
import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";

// A step waiting for a server action (ms): more than the default 10 s, for a loaded CI machine.
const SLOW_STEP = 30000;
const PROGRESS = ".o_form_view div[name=full_sync_progress]";

registry.category("web_tour.tours").add("store_connector_full_sync_tour", {
    steps: () => [
        {
            content: "open the store",
            trigger: ".o_list_view .o_data_row td[name=name]:contains(Tour Test Shop)",
            run: "click",
        },
        {
            content: "no Full Sync yet",
            trigger: ".o_form_view:has(.o_breadcrumb:contains(Tour Test Shop)):not(:has(div[name=full_sync_progress]))",
        },
        {
            content: "Full Sync",
            trigger: ".o_form_view .o_form_statusbar button[name=action_full_sync]",
            run: "click",
        },
        {
            content: "the progress per entity shows at once, each queued",
            timeout: SLOW_STEP,
            trigger: `${PROGRESS} .o_sc_full_sync_entity[data-entity=products]:contains(Queued)`,
        },
        {
            trigger: `${PROGRESS} .o_sc_full_sync_entity[data-entity=orders]:contains(Queued)`,
        },
        {
            content: "the queue runs in the background (what the scheduler does)",
            trigger: `${PROGRESS} .o_sc_full_sync_entity`,
            run: () => rpc("/web/dataset/call_kw/sync.job/action_process_queue", {
                model: "sync.job", method: "action_process_queue", args: [], kwargs: {},
            }),
        },
        {
            content: "the bars moved without a reload: every product imported",
            timeout: SLOW_STEP,
            trigger: `${PROGRESS} .o_sc_full_sync_entity[data-entity=products] .o_sc_full_sync_count:contains(5 / 5)`,
        },
        {
            content: "the summary says what was imported",
            timeout: SLOW_STEP,
            trigger: `${PROGRESS} .o_sc_full_sync_summary:contains(5 products, 3 customers, 2 orders imported.)`,
        },
    ],
});
