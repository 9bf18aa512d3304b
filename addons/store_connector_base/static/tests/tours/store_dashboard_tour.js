/** @odoo-module **/
/**
 * A merchant opens the stores dashboard: the store's card reads "Needs attention" with its failed
 * jobs as a link, which opens the store's failed jobs. The failed job is made by
 * tests/test_tours_merchant.py.
 */
import { registry } from "@web/core/registry";

// A step waiting for a server action (ms): more than the default 10 s, for a loaded CI machine.
const SLOW_STEP = 30000;

const CARD = ".o_kanban_record:contains(Tour Test Shop)";

registry.category("web_tour.tours").add("store_connector_dashboard_tour", {
    steps: () => [
        {
            content: "the store's card needs attention",
            trigger: `${CARD} .o_store_dashboard_attention:contains(Needs attention)`,
        },
        {
            content: "its failed jobs, in a sentence, as a link",
            trigger: `${CARD} .o_store_dashboard_attention button[name=action_view_failed_jobs]:contains(failed)`,
            run: "click",
        },
        {
            content: "the job list, filtered on failed jobs",
            timeout: SLOW_STEP,
            trigger: ".o_searchview .o_facet_values:contains(Failed)",
        },
        {
            content: "open the failed group",
            trigger: ".o_list_view .o_group_header:contains(Failed)",
            run: "click",
        },
        {
            content: "the failed job is listed",
            trigger: ".o_list_view .o_data_row:contains(Tour Test Shop):contains(Order notification)",
        },
        {
            content: "only failed jobs",
            trigger: ".o_list_view:not(:has(.o_group_header:contains(Done)))",
        },
    ],
});
