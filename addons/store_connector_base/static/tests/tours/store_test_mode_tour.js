/** @odoo-module **/
/**
 * A merchant switches Test Mode on on a store's form, sees the banner, then runs a job of the
 * store that would change something on the platform: the job says "not sent" and shows the
 * request it would have sent. The store and its pending job are made by
 * tests/test_tours_merchant.py, which checks that nothing reached the platform.
 */
import { registry } from "@web/core/registry";

// A step waiting for a server action (ms): more than the default 10 s, for a loaded CI machine.
const SLOW_STEP = 30000;

registry.category("web_tour.tours").add("store_connector_test_mode_tour", {
    steps: () => [
        {
            content: "open the store from the store list",
            trigger: ".o_list_view .o_data_row td[name=name]:contains(Tour Test Shop)",
            run: "click",
        },
        {
            content: "no test-mode banner while the store is live",
            trigger: ".o_form_view:has(.o_breadcrumb:contains(Tour Test Shop)):not(:has(div[name=test_mode_banner]))",
        },
        {
            content: "switch Test Mode on",
            trigger: ".o_form_view div[name=test_mode] input",
            run: "click",
        },
        {
            content: "the banner says nothing is sent",
            trigger: ".o_form_view div[name=test_mode_banner]:contains(Test mode: nothing is sent to Test Platform)",
        },
        {
            content: "the ribbon says so too",
            trigger: ".o_form_view .ribbon:contains(Test Mode)",
        },
        {
            content: "the switch is saved",
            timeout: SLOW_STEP,
            trigger: ".o_form_view .o_form_status_indicator_buttons:not(:visible)",
        },
        {
            content: "open the store's pending jobs",
            trigger: ".o_form_view .oe_stat_button[name=action_view_jobs]",
            run: "click",
        },
        {
            content: "open the pending jobs' group",
            trigger: ".o_list_view .o_group_header:contains(Pending)",
            run: "click",
        },
        {
            content: "open the job",
            trigger: ".o_list_view .o_data_row td[name=store_id]:contains(Tour Test Shop)",
            run: "click",
        },
        {
            content: "run it now",
            trigger: ".o_form_view .o_form_statusbar button[name=action_run_now]",
            run: "click",
        },
        {
            content: "the job says it was not sent",
            timeout: SLOW_STEP,
            trigger: ".o_form_view div[name=test_mode_not_sent]:contains(Test mode: not sent.)",
        },
        {
            content: "with the request it would have sent",
            trigger: ".o_form_view div[name=test_request_method]:contains(DELETE)",
        },
        {
            trigger: ".o_form_view div[name=test_request_url]:contains(/webhooks/12)",
        },
        {
            content: "the job itself is done",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Done)",
        },
    ],
});
