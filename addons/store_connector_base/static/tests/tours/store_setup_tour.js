/** @odoo-module **/
/**
 * A merchant sets up a new store of the test platform from the store list: every step of the
 * setup assistant (store.setup.wizard) to Done, then the store's form without the "not fully set
 * up" banner. Run by tests/test_tours_merchant.py (which checks the store it made).
 */
import { registry } from "@web/core/registry";

// A step waiting for a server action (ms): more than the default 10 s, for a loaded CI machine.
const SLOW_STEP = 30000;

const MODAL = ".modal:not(.o_inactive_modal)";

function next(stepName) {
    return [
        {
            content: "Next",
            trigger: `${MODAL} .modal-footer button[name=action_next]`,
            run: "click",
        },
        {
            content: `the assistant shows the step ${stepName}`,
            timeout: SLOW_STEP,
            trigger: `${MODAL} div[name=step_${stepName}]`,
        },
    ];
}

registry.category("web_tour.tours").add("store_connector_setup_tour", {
    steps: () => [
        {
            content: "the store list offers the assistant",
            trigger: ".o_list_view button:contains(Set Up a New Store)",
            run: "click",
        },
        {
            content: "step 1: the address",
            trigger: `${MODAL} div[name=step_address]`,
        },
        {
            content: "name the store",
            trigger: `${MODAL} div[name=store_name] input`,
            run: "edit Tour Shop",
        },
        {
            content: "choose its platform",
            trigger: `${MODAL} div[name=platform] select`,
            run: "selectByLabel Test Platform",
        },
        ...next("credentials"),
        {
            content: "the required credential is said missing",
            trigger: `${MODAL} .alert-warning:contains(Still to enter):contains(API Key)`,
        },
        {
            content: "type the API key in its line",
            trigger: `${MODAL} tr.o_data_row:contains(API Key) td[name=value]`,
            run: "click",
        },
        {
            trigger: `${MODAL} tr.o_data_row:contains(API Key) td[name=value] input`,
            run: "edit tour-api-key-5e7c1a90",
        },
        ...next("connection"),
        {
            content: "test the connection",
            trigger: `${MODAL} div[name=step_connection] button[name=action_test_connection]`,
            run: "click",
        },
        {
            content: "its answer is a sentence",
            timeout: SLOW_STEP,
            trigger: `${MODAL} .alert-success:contains(Connection to Tour Shop works)`,
        },
        // The test platform does not register webhooks: the assistant passes over that step.
        ...next("locations"),
        ...next("full_sync"),
        {
            content: "start the first Full Sync",
            trigger: `${MODAL} button[name=action_full_sync]`,
            run: "click",
        },
        {
            content: "its jobs are counted, in a sentence",
            timeout: SLOW_STEP,
            trigger: `${MODAL} div[name=full_sync_progress]:contains(The Full Sync has):contains(waiting)`,
        },
        ...next("stock_baseline"),
        {
            content: "compare the shop's stock with Odoo's",
            trigger: `${MODAL} button[name=action_read_stock]`,
            run: "click",
        },
        {
            content: "publish Odoo's quantities",
            timeout: SLOW_STEP,
            trigger: `${MODAL} button[name=action_publish_odoo_stock]`,
            run: "click",
        },
        {
            content: "confirm",
            timeout: SLOW_STEP,
            trigger: `${MODAL} .modal-footer button:contains(Ok)`,
            run: "click",
        },
        {
            content: "the last step says the store is set up",
            timeout: SLOW_STEP,
            trigger: `${MODAL} div[name=step_done] .alert-success:contains(The store is set up)`,
        },
        {
            content: "open the store",
            trigger: `${MODAL} .modal-footer button[name=action_open_store]`,
            run: "click",
        },
        {
            content: "the store's form, without the set-up banner",
            timeout: SLOW_STEP,
            trigger: ".o_breadcrumb:contains(Tour Shop)",
        },
        {
            content: "no step is missing any more",
            trigger: ".o_form_view:not(:has(.alert:contains(not fully set up)))",
        },
    ],
});
