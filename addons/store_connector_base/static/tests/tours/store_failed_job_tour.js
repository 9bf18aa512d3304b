/** @odoo-module **/
/**
 * A merchant reads the job list (operations by their names, not their codes), opens a failed
 * job (the sentence saying what failed and what to do), clicks Retry, then Run Now: the job is
 * done and says what it did. The failed job is made by tests/test_tours_merchant.py.
 */
import { registry } from "@web/core/registry";

// A step waiting for a server action (ms): more than the default 10 s, for a loaded CI machine.
const SLOW_STEP = 30000;

registry.category("web_tour.tours").add("store_connector_failed_job_tour", {
    steps: () => [
        {
            content: "the failed jobs' group",
            trigger: ".o_list_view .o_group_header:contains(Failed)",
            run: "click",
        },
        {
            content: "the job's operation by its name",
            trigger: ".o_list_view .o_data_row td[name=operation_label]:contains(Order notification)",
        },
        {
            content: "no operation code in the list",
            trigger: ".o_list_view:not(:has(td:contains(webhook.orders)))",
        },
        {
            content: "open the failed job",
            trigger: ".o_list_view .o_data_row td[name=operation_label]:contains(Order notification)",
            run: "click",
        },
        {
            content: "the form says it failed and what to do",
            trigger: ".o_form_view .alert-danger:contains(This job failed):contains(then click Retry)",
        },
        {
            content: "with the platform's words",
            trigger: ".o_form_view .o_field_widget[name=last_error]:contains(NEW-LAMP)",
        },
        {
            content: "the title is the operation's name",
            trigger: ".o_form_view .oe_title:contains(Order notification)",
        },
        {
            content: "retry",
            trigger: ".o_form_view .o_form_statusbar button[name=action_retry]",
            run: "click",
        },
        {
            content: "the job waits again",
            timeout: SLOW_STEP,
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Pending)",
        },
        {
            content: "no failure shown any more",
            trigger: ".o_form_view:not(:has(.alert-danger))",
        },
        {
            content: "run it now",
            trigger: ".o_form_view .o_form_statusbar button[name=action_run_now]",
            run: "click",
        },
        {
            content: "it is done, and says what it did",
            timeout: SLOW_STEP,
            trigger: ".o_form_view div[name=result_summary]:contains(Imported order NR-LAMP-1 as)",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Done)",
        },
    ],
});
